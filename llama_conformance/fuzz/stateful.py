"""Chained cases over the deployment's linked operations: use-after-free and resource availability.

Per-operation runs send independent cases, so ``fuzz.use-after-free`` and
``fuzz.resource-availability`` never fire there: they judge an answer against the chain of
cases before it (a DELETE of the resource, the POST that created it). Neither server
document declares links, but schemathesis infers them from the document (dependency
analysis: ``POST /v1/files`` answers an ``id`` that ``GET /v1/files/{file_id}`` takes).
``run_linked`` runs schemathesis' state machine over those links with the same guards as a
per-operation run (one host, the request budget, a time bound, every distinct failure kept
with a ``curl``) and no shrinking (it would re-send requests). When Hypothesis stops the machine
because the deployment's answers changed what a scenario draws (``fuzz.drift``), the scenarios left
run again in a fresh Hypothesis run, up to ``DRIFT_RERUNS`` times: the next seed, and the next order of
the root rules (schemathesis' ``rule_order_seed``, as its own suites vary theirs), since every Hypothesis
run opens with its simplest scenario whatever the seed. If the reruns drift too and fewer than half the
scenarios ran, the chains could not be run against this deployment's state: ``OperationOutcome.incomplete``
says so, and the checks are not judged.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase

from llama_conformance.fuzz.checks import select_checks
from llama_conformance.fuzz.drift import drifted
from llama_conformance.fuzz.guard import GuardedSession, RequestBudget
from llama_conformance.fuzz.outcome import OperationOutcome
from llama_conformance.fuzz.run import DEFAULT_TIME_BUDGET_S, FuzzRun, StopRun
from llama_conformance.redact import Redactor

LABEL = "linked operations (stateful)"
# What a chain can show that a single case cannot, plus what any answer must be: no 5xx and
# the documented schema (status codes and content types are judged per operation already).
CHAIN_CHECKS = ("not_a_server_error", "response_schema_conformance", "use_after_free",
                "ensure_resource_availability")
STEPS_PER_SCENARIO = 6
DRIFT_RERUNS = 3


class NoLinks(Exception):
    """The document links no operations and schemathesis infers none: there is nothing to chain."""


def run_linked(
    schema: Any,
    *,
    max_scenarios: int = 10,
    seed: int | None = None,
    time_budget_s: float = DEFAULT_TIME_BUDGET_S,
    budget: RequestBudget | None = None,
    session: GuardedSession | None = None,
    secrets: Mapping[str, str] | Iterable[str] = (),
    checks: Iterable[str] = CHAIN_CHECKS,
) -> OperationOutcome:
    """Run up to ``max_scenarios`` chains of up to ``STEPS_PER_SCENARIO`` linked calls.

    Raises ``NoLinks`` when there is nothing to chain (the caller skips, with that reason).
    """
    started = time.monotonic()
    outcome = OperationOutcome(label=LABEL)
    try:
        machine = schema.as_state_machine()
    except Exception as exc:  # schemathesis says why it cannot build one (no links, unusable bodies)
        raise NoLinks(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    budget = budget or RequestBudget()
    headers = schema.config.headers or {}
    extra = secrets.values() if isinstance(secrets, Mapping) else secrets
    if getattr(schema, "app", None) is None and session is None:
        session = GuardedSession(schema.config.base_url, budget)
    run = FuzzRun(schema, None, checks=select_checks(checks), time_budget_s=time_budget_s, budget=budget,
                  session=session, redact=Redactor({*headers.values(), *extra}), outcome=outcome)

    # Scenarios whose machine was torn down with every answer kept. Hypothesis tears down the scenario a drift
    # stopped too (``hypothesis/stateful.py``: teardown in a ``finally``), so each drift counts one too many.
    completed = [0]

    class Guarded(machine):  # type: ignore[valid-type, misc]
        """The inferred machine, sending through the run's guards and keeping failures instead of raising."""

        lost_an_answer = False

        def call(self, case: Any, **kwargs: Any) -> Any:
            response = run.deliver(case)
            if response is None:  # no answer (kept as a failure): this chain cannot go on
                self.lost_an_answer = True
                hypothesis.reject()
            return response

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
            run.judge(case, response, recorder=getattr(self, "recorder", None))

        def teardown(self) -> None:
            if not self.lost_an_answer:
                completed[0] += 1
            super().teardown()

    if seed is None and schema.config.has_explicit_seed:
        seed = schema.config.seed
    drifts = 0
    while (ran := max(completed[0] - drifts, 0)) < max_scenarios:
        if seed is not None:  # what @hypothesis.seed sets on a machine class
            Guarded._hypothesis_internal_use_seed = seed + drifts
        if drifts:  # a rerun opens with another first step (the first run keeps schemathesis' own order)
            Guarded.rule_order_seed = (seed or 0) + drifts
        try:
            Guarded.run(settings=_settings(max_scenarios - ran))
        except StopRun:
            pass
        except hypothesis.errors.Unsatisfiable:
            outcome.errors.append("no chain could be completed: every scenario lost an answer on the way")
        except Exception as exc:  # schemathesis / Hypothesis problems are reported, never raised into the run
            if drifted(exc):
                drifts += 1
                if drifts <= DRIFT_RERUNS:
                    continue
                break
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            if type(exc).__name__ == "NoLinksFound":  # schemathesis learns there is nothing to chain only here
                raise NoLinks(first_line) from None
            outcome.errors.append(f"stateful run: {type(exc).__name__}: {first_line}")
        break
    if drifts:
        ran = max(completed[0] - drifts, 0)
        why = (f"Hypothesis stopped the chains {drifts} time(s) because the deployment's answers changed what "
               "later scenarios draw (it keeps what earlier ones made)")
        spent = f"after {DRIFT_RERUNS} reruns, {ran} of {max_scenarios} scenarios had run to their end"
        if drifts > DRIFT_RERUNS and ran * 2 < max_scenarios:  # most of the budget went unspent: not judged
            outcome.incomplete = (f"{why}; {spent}. Whoever runs the kit must act: fuzz a fresh deployment (one "
                                  "that holds no resources of earlier runs)")
        else:
            outcome.ended_early.append(f"{why}; " + (spent if drifts > DRIFT_RERUNS else
                                                     "each time, the scenarios left ran again with the next seed"))
    outcome.elapsed_s = time.monotonic() - started
    return outcome


def _settings(max_scenarios: int) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=max_scenarios,
        stateful_step_count=STEPS_PER_SCENARIO,
        deadline=None,
        phases=[Phase.generate],  # no shrinking: it re-sends requests
        database=None,
        suppress_health_check=list(HealthCheck),
        verbosity=hypothesis.Verbosity.quiet,
        print_blob=False,
    )
