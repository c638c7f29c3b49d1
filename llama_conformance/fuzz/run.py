"""Fuzz one operation: bounded examples, a time bound, a request budget, every failure kept.

The driver runs Hypothesis itself over ``APIOperation.as_strategy(generation_mode=...)``
(schemathesis' public strategy API) instead of ``schema.parametrize()``, for three reasons:
the kit's pytest plugin makes one item per operation from a URL it learns at run time (no
module-level schema to parametrize); a failing case must not stop the operation's run (all
distinct failures are collected and reported once, like ``st run`` does); and shrinking,
which re-sends requests to someone's server, is off.

Per case: refuse if the time bound or the request budget is spent (the run stops there and
says why), send the request (``GuardedSession`` for a server, in-process for an ASGI app),
then ``case.validate_response(checks=...)``. Distinct failures (schemathesis' own notion of
"same failure": class, operation, key) are kept with a count and a redacted ``curl``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

import hypothesis
import requests
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure, FailureGroup, ServerError

from llama_conformance.call_time import CALL_TIMES
from llama_conformance.contract.sizes import MODEST
from llama_conformance.fuzz.checks import (
    UnboundedSize,
    absurd_fields,
    guardrails_not_enabled,
    modest_copy,
    select_checks,
    unbounded_size,
)
from llama_conformance.fuzz.drift import drifted
from llama_conformance.fuzz.feedback import RunFeedback
from llama_conformance.fuzz.file_parts import only_file_parts_retyped
from llama_conformance.fuzz.guard import GuardedSession, RequestBudget
from llama_conformance.fuzz.outcome import FuzzFailure, OperationOutcome, redact_curl
from llama_conformance.redact import Redactor
from llama_conformance.transport.client import OffTargetRequest, RequestBudgetExhausted
from llama_conformance.transport.wire import DEADLINE_HEADER

DEFAULT_TIME_BUDGET_S = 60.0


class StopRun(Exception):
    """Raised inside the Hypothesis test to end an operation's run early (time or budget spent)."""


class NoAnswer(Failure):
    """The request got no HTTP answer: the connection failed or the answer did not come in time."""

    code = "LC-NET"
    kind_title = "No answer"

    @property
    def _unique_key(self) -> str:
        return self.title


class NotImplementedAnswer(Failure):
    """A 501: the server's mapping of ``NotImplementedError``, a member the provider does not offer.

    Schemathesis counts it as a server error; the kit does not. The server answered
    deliberately, with the status its exception mapping reserves for an unimplemented
    member. Whether the operation is optional is the API's business, so it is a SHOULD
    finding (``fuzz.implemented``), not a crash.
    """

    code = "LC-501"
    kind_title = "Not implemented"

    @property
    def _unique_key(self) -> str:
        return self.title


def find_operation(schema: Any, label: str) -> Any:
    """The schemathesis ``APIOperation`` for ``"METHOD /path"``; schemathesis' error if it cannot be built."""
    method, _, path = label.partition(" ")
    return schema[path][method.upper()]


class FuzzRun:
    """State of one run (an operation, or the chained operations of a stateful run), shared by its cases."""

    def __init__(self, schema: Any, operation: Any, *, checks: list[Any], time_budget_s: float,
                 budget: RequestBudget, session: GuardedSession | None, redact: Redactor,
                 outcome: OperationOutcome, feedback: RunFeedback | None = None) -> None:
        self.schema = schema
        self.operation = operation
        self.checks = checks
        self.time_budget_s = time_budget_s
        # The time bound runs from the first case sent: it bounds the provider's share of the run. Building
        # the schema's strategies or state machine is the kit's own work; on a loaded machine it once took
        # the whole bound, and a run that sent nothing judged nothing.
        self.deadline: float | None = None
        self.budget = budget
        self.session = session
        self.redact = redact
        self.outcome = outcome
        self.feedback = feedback
        self._seen: dict[Failure, int] = {}
        # (operation, status) -> the modest request and its 5xx, or None: a 5xx to an absurd size is the size's
        self._size_verdicts: dict[tuple[str, int], tuple[Any, int] | None] = {}

    def operation_of(self, case: Any) -> Any:
        """The case's own operation: a chained (stateful) run spans several."""
        return getattr(case, "operation", None) or self.operation

    def label_of(self, case: Any) -> str:
        return self.operation_of(case).label

    def curl(self, case: Any) -> str:
        operation = self.operation_of(case)
        try:
            command = case.as_curl_command(headers=self.schema.config.headers_for(operation=operation),
                                           base_url=self.schema.config.base_url)
        except Exception as exc:  # a malformed case can break curl generation; the failure must still be reported
            command = f"(no curl command: {type(exc).__name__}: {exc})"
        return redact_curl(command, self.redact)

    def keep(self, failure: Failure, case: Any, status: int | None) -> None:
        index = self._seen.get(failure)
        if index is not None:
            old = self.outcome.failures[index]
            self.outcome.failures[index] = FuzzFailure(**{**old.__dict__, "count": old.count + 1})
            return
        self._seen[failure] = len(self.outcome.failures)
        self.outcome.failures.append(FuzzFailure(
            operation=self.label_of(case), code=failure.code, title=self.redact(failure.title),
            message=self.redact(failure.message), status=status, curl=self.curl(case)))

    def keep_unless_valid_as_sent(self, failure: Failure, case: Any, status: int | None) -> None:
        """Keep ``failure``, except "invalid data accepted" for data that is valid as sent (``file_parts``);
        a 501 "server error" is kept as what it is, an unimplemented member (``NotImplementedAnswer``); a 5xx
        blamed on an absurd size that a modest request gets too is kept as the server error it is."""
        if failure.code == "ST201" and only_file_parts_retyped(case):
            return
        if isinstance(failure, UnboundedSize) and status is not None:
            ruled_out = self.size_ruled_out(case, status)
            if ruled_out is not None:
                modest, failure = ruled_out
                self.keep(failure, modest, status)  # its curl sends the modest request: the real reproducer
                return
        if failure.code == "ST101" and status == 501:
            failure = NotImplementedAnswer(operation=self.label_of(case), title="Not implemented (HTTP 501)",
                                           message="The server answered 501: the provider behind this route does "
                                                   "not implement it (NotImplementedError).")
        self.keep(failure, case, status)

    def size_ruled_out(self, case: Any, status: int) -> tuple[Any, ServerError] | None:
        """The modest request and the server error, when the ``status`` (a 5xx) that ``case`` got, carrying an absurd
        size, is not the size's doing; None when the size stays the cause, or cannot be ruled out.

        The same request is sent with its sizes brought down (``within_bounds``), once per operation and status (the
        verdict stands for the operation's later cases, so a run sends at most that many more requests). Only a
        server error to the modest request too rules the size out: an answer below 500, a 501, or guardrails'
        503 says the size made the difference; a refusal (4xx) of the modest request may be of its modest value
        (a field whose minimum is above 16), and no answer (the budget or the time bound spent, the kit's own
        deadline) is nothing to compare, so the size stays the cause in those cases, as before this check.
        """
        key = (self.label_of(case), status)
        if key not in self._size_verdicts:
            self._size_verdicts[key] = self._replay_modestly(case)
        verdict = self._size_verdicts[key]
        if verdict is None:
            return None
        modest, replay_status = verdict
        return modest, ServerError(operation=self.label_of(case), status_code=status, message=(
            f"The request carried {absurd_fields(case)} and got HTTP {status}; the same request with those sizes "
            f"brought down to {MODEST} (or to the least its schema allows) got HTTP {replay_status}, so the size is "
            "not what fails it. The provider's maintainer must fix the server error the modest request below gets."))

    def _replay_modestly(self, case: Any) -> tuple[Any, int] | None:
        modest = modest_copy(case)
        if modest is None or (self.deadline is not None and time.monotonic() > self.deadline):
            return None
        try:
            answer = self.send(modest)
        except Exception:  # the budget spent, no connection: nothing to compare with
            return None
        replay = answer.status_code
        if replay < 500 or replay == 501 or answer.headers.get(DEADLINE_HEADER) or guardrails_not_enabled(answer,
                                                                                                      modest):
            return None
        return modest, replay

    def transport_failure(self, case: Any, exc: BaseException) -> None:
        title = "Request timed out" if isinstance(exc, requests.Timeout) else "No answer (connection failed)"
        sized = unbounded_size(case, f"{title.lower()} ({type(exc).__name__})")
        self.keep(sized or NoAnswer(operation=self.label_of(case), title=title,
                                    message=f"{type(exc).__name__}: {exc}"), case, None)

    def send(self, case: Any) -> Any:
        """Send one case (its time goes to the run's ledger of provider time, ``call_time``, as a gated call's does)."""
        started = time.perf_counter()
        try:
            if self.session is None:  # in-process: nothing leaves the process, but the budget still counts
                self.budget.take()
                return case.call()
            return case.call(session=self.session)
        finally:
            CALL_TIMES.add(f"{self.label_of(case)} (fuzz)", time.perf_counter() - started)

    def error(self, text: str) -> None:
        text = self.redact(text)
        if text not in self.outcome.errors:  # the same problem on every case is one error
            self.outcome.errors.append(text)

    def count(self, case: Any) -> None:
        self.outcome.cases += 1
        mode = getattr(getattr(getattr(case, "meta", None), "generation", None), "mode", None)
        key = getattr(mode, "value", str(mode))
        self.outcome.cases_by_mode[key] = self.outcome.cases_by_mode.get(key, 0) + 1

    def deliver(self, case: Any) -> Any | None:
        """Send one case within the bounds; ``None`` when it got no answer (kept as a failure or error).

        Raises ``StopRun`` once the time bound or the request budget is spent.
        """
        if self.deadline is None:
            self.deadline = time.monotonic() + self.time_budget_s
        elif time.monotonic() > self.deadline:
            self.outcome.stopped = "time bound reached"
            raise StopRun
        try:
            response = self.send(case)
        except RequestBudgetExhausted as exc:
            self.outcome.stopped = str(exc)
            raise StopRun from None
        except OffTargetRequest as exc:
            self.error(str(exc))
            return None
        except (requests.Timeout, requests.ConnectionError) as exc:
            self.count(case)
            self.transport_failure(case, exc)
            return None
        self.count(case)
        if self.feedback is not None:
            self.feedback.learn(case, response)
        return response

    def judge(self, case: Any, response: Any, recorder: Any = None) -> None:
        """Run the checks on one answer; every failure is kept, none is raised.

        ``recorder``: the chain of cases and answers so far (stateful runs), which the
        use-after-free and resource-availability checks look back into.
        """
        try:
            case.validate_response(response, checks=self.checks, recorder=recorder)
        except FailureGroup as group:
            for failure in group.exceptions:
                self.keep_unless_valid_as_sent(failure, case, response.status_code)
        except Failure as failure:
            self.keep_unless_valid_as_sent(failure, case, response.status_code)
        except Exception as exc:  # a check that crashes is the kit's problem: shown, never a provider failure
            self.error(f"a check raised {type(exc).__name__}: {exc}")

    def one_case(self, case: Any) -> None:
        response = self.deliver(case)
        if response is not None:
            self.judge(case, response)


def can_negate(operation: Any) -> bool:
    """Whether negative mode can break anything of ``operation`` (schemathesis 4.32's own rules).

    Without a negatable location (say, one unconstrained string path parameter: every value is
    valid on the wire), schemathesis' negative strategy filters every draw and Hypothesis
    spends seconds before giving up. Asking first keeps a run's time for real cases. If the
    internals moved, assume it can (and let Hypothesis give up as before).
    """
    try:
        from schemathesis.core.parameters import ParameterLocation
        from schemathesis.specs.openapi._hypothesis import can_negate_headers, can_negate_path_parameters
    except ImportError:
        return True
    try:
        for location in (ParameterLocation.PATH, ParameterLocation.HEADER, ParameterLocation.COOKIE,
                         ParameterLocation.QUERY):
            properties = operation.get_parameter_set(location).schema["properties"]
            if not properties:
                continue
            if location == ParameterLocation.PATH and not can_negate_path_parameters(operation):
                continue
            if location.is_in_header and not can_negate_headers(operation, location):
                continue
            return True
        return bool(operation.body) and any(item.is_negatable for item in operation.body.items)
    except Exception:  # internals changed shape: do not guess
        return True


def _settings(schema: Any, operation: Any, max_examples: int | None) -> hypothesis.settings:
    base = schema.config.get_hypothesis_settings(operation=operation, apply_ci_profile=False)
    return hypothesis.settings(
        base,
        max_examples=max_examples if max_examples is not None else base.max_examples,
        deadline=None,  # the run has its own time bound; a slow answer is not a Hypothesis error
        phases=[Phase.explicit, Phase.generate],  # no reuse (no database), no shrinking (re-sends requests)
        database=None,
        suppress_health_check=list(HealthCheck),
        verbosity=hypothesis.Verbosity.quiet,
        print_blob=False,
    )


def run_operation(
    schema: Any,
    label: str,
    *,
    checks: Iterable[str] | None = None,
    max_examples: int | None = None,
    seed: int | None = None,
    time_budget_s: float = DEFAULT_TIME_BUDGET_S,
    budget: RequestBudget | None = None,
    session: GuardedSession | None = None,
    secrets: Mapping[str, str] | Iterable[str] = (),
    body_values: Mapping[str, list[Any]] | None = None,
    feedback: RunFeedback | None = None,
) -> OperationOutcome:
    """Fuzz one operation of a ``load_schema`` schema in every configured generation mode.

    ``max_examples`` (per mode) defaults to the schema's; ``seed`` to the schema's seed if
    one was set. For a server (no ``schema.app``) a ``GuardedSession`` on the schema's base
    URL is created unless one is given; pass one ``budget`` to every call to bound a whole run.
    ``secrets``: values (or a header mapping whose values) to redact from the report, in
    addition to the headers configured on the schema. ``body_values``: for valid-data cases,
    JSON body fields drawn from these values instead of from the schema (``model`` -> the
    models the deployment serves): a schema can say "a string", only the kit knows which
    strings name something that exists, and without them every valid case stops at a 404.
    ``feedback``: the run's memory of ids earlier answers carried (one per run, shared by its
    operations), which valid-data cases draw path parameters from (``fuzz.feedback``).
    """
    started = time.monotonic()
    outcome = OperationOutcome(label=label)
    budget = budget or RequestBudget()
    headers = schema.config.headers or {}
    extra = secrets.values() if isinstance(secrets, Mapping) else secrets
    redact = Redactor({*headers.values(), *extra})
    try:
        operation = find_operation(schema, label)
    except Exception as exc:  # schemathesis' own error for an operation it cannot build (dangling refs ...)
        outcome.errors.append(f"schemathesis cannot build {label}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        outcome.elapsed_s = time.monotonic() - started
        return outcome
    if getattr(schema, "app", None) is None and session is None:
        session = GuardedSession(schema.config.base_url, budget)
    run = FuzzRun(schema, operation, checks=select_checks(checks), time_budget_s=time_budget_s,
                        budget=budget, session=session, redact=redact, outcome=outcome, feedback=feedback)
    if seed is None and schema.config.has_explicit_seed:
        seed = schema.config.seed
    settings = _settings(schema, operation, max_examples)
    for mode in schema.config.generation_for(operation=operation).modes:
        if outcome.stopped:
            break
        if GenerationMode(mode) is GenerationMode.NEGATIVE and not can_negate(operation):
            outcome.cases_by_mode.setdefault("negative", 0)  # nothing can be made invalid: no defect of anyone
            continue
        _run_mode(run, operation, GenerationMode(mode), settings, seed, body_values or {})
    outcome.elapsed_s = time.monotonic() - started
    return outcome


def _with_body_values(strategy: Any, values: Mapping[str, list[Any]]) -> Any:
    """Cases whose dict body has one of ``values``' keys get that field drawn from its values."""
    from hypothesis import strategies as st

    def fill(case: Any) -> Any:
        body = getattr(case, "body", None)
        if not isinstance(body, dict):
            return st.just(case)
        keys = [key for key in values if key in body and values[key]]
        if not keys:
            return st.just(case)

        def put(chosen: tuple[Any, ...]) -> Any:
            case.body = {**body, **dict(zip(keys, chosen, strict=True))}
            return case

        return st.tuples(*(st.sampled_from(values[key]) for key in keys)).map(put)

    return strategy.flatmap(fill)


def _run_mode(run: FuzzRun, operation: Any, mode: GenerationMode, settings: hypothesis.settings,
              seed: int | None, body_values: Mapping[str, list[Any]]) -> None:
    sources = run.feedback.for_mode(mode) if run.feedback is not None else None
    strategy = operation.as_strategy(generation_mode=mode, feedback=sources)
    if body_values and mode is GenerationMode.POSITIVE:
        strategy = _with_body_values(strategy, body_values)

    @settings
    @hypothesis.given(case=strategy)
    def fuzz(case: Any) -> None:
        run.one_case(case)

    test = hypothesis.seed(seed)(fuzz) if seed is not None else fuzz
    try:
        test()
    except StopRun:
        return
    except hypothesis.errors.Unsatisfiable:
        if run.outcome.cases_by_mode.get(mode.value, 0) == 0 and mode is GenerationMode.NEGATIVE:
            return  # nothing can be made invalid (no parameters, no body): not a defect of anyone
        run.outcome.errors.append(f"{mode.value} mode: Hypothesis could not generate cases for {operation.label}")
    except Exception as exc:  # a generation error of schemathesis is reported, never raised into the run
        if drifted(exc):  # the cases sent were judged; what is left of this mode's budget is not sent
            run.outcome.ended_early.append(f"{mode.value} mode: Hypothesis ended it after "
                                           f"{run.outcome.cases_by_mode.get(mode.value, 0)} cases, as the "
                                           "deployment's answers changed what the same choices draw")
            return
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        run.outcome.errors.append(f"{mode.value} mode: {type(exc).__name__}: {first_line}")
    finally:
        if run.feedback is not None:
            run.feedback.settle()
