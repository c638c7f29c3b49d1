"""Turn what a call did into check results: fail a MUST, warn on SHOULD, skip an undeclared capability.

``CheckFailed`` is an ``AssertionError`` so Hypothesis treats it as a failing example and
shrinks it; its message is the rendered finding (check id, level, what happened), and its
``findings`` are what the report reads (``pytest_plugin.reporting``: data, never the text).
Warnings and errata gathered across examples are deduplicated and reach the terminal
summary once per test.

The judge records every check it evaluates: ``asked`` (the checks a test put to it by name:
``check``, ``fail``, ``answered`` ...) and ``found`` (the checks the engine judged on every call,
such as ``Kit.call_request``'s request-unchanged, and every check a finding it saw belongs to).
A test's record covers its ``checks`` marker and these; a test that asks about a check its
marker does not name is a defect of the kit's suites (``LLAMA_CONFORMANCE_VERIFY_MARKERS``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import NoReturn

import pytest

from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.capabilities import Manifest
from llama_conformance.checks import CheckRef, Finding, Level, check_id, finding
from llama_conformance.engine_checks import (
    DECLARED_IMPLEMENTED,
    NO_CRASH,
    RESOURCE_BOUND,
    TYPED_ERROR,
    VALID_REQUEST_ACCEPTED,
)
from llama_conformance.errors import ProviderExit
from llama_conformance.evidence import EvidenceLog, Inconclusive


class CheckFailed(AssertionError):
    """A MUST check failed; carries the findings."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__("\n".join(f.render() for f in findings))


def kit_frames_hidden(excinfo: pytest.ExceptionInfo[BaseException] | None) -> bool:
    """``__tracebackhide__`` of the modules between a suite's line and the judge's ``raise``.

    A check's failure is read from the suite's line that asked for it and from the findings; the
    frames of the engine below it (``Kit.accept`` -> ``Judge.take`` -> ``Judge._raise``, Hypothesis's
    example loop), each shown with its ``self`` and arguments, told an author nothing, and pytest
    parsed each of their files to print them (a tenth of a failing run's CPU). Any other exception
    raised there (a defect of the kit itself) keeps every frame; ``--full-trace`` shows them all. A group
    (Hypothesis reporting several distinct failures) is a check's failure when all it holds are.
    """
    if excinfo is None:
        return False
    value = excinfo.value
    if isinstance(value, BaseExceptionGroup):
        return value.split(CheckFailed)[1] is None
    return isinstance(value, CheckFailed)


__tracebackhide__ = kit_frames_hidden


@dataclass
class Judge:
    """Collects one test's findings and decides its outcome."""

    manifest: Manifest
    strict: bool = False  # --llama-strict: SHOULD findings fail like MUST ones
    warnings: dict[str, Finding] = field(default_factory=dict)
    errata: dict[str, Finding] = field(default_factory=dict)
    repeats: dict[str, int] = field(default_factory=dict)
    # What the provider's calls saw since this test started (``evidence.mark()``): a failure
    # resting on an unreachable backend or a stand-in's answer is inconclusive, not failed.
    evidence: EvidenceLog | None = None
    mark: int = 0
    # An environment problem found outside this test's calls that its checks rest on (the
    # served models could not be listed: the backend was unreachable).
    known_cause: str | None = None
    # Every check evaluated (dicts: ordered, no repeats): put to the judge by name, or found.
    asked: dict[str, None] = field(default_factory=dict)
    found: dict[str, None] = field(default_factory=dict)

    def ask(self, check: CheckRef) -> None:
        """Record that the test evaluates ``check`` (its result follows from what it does next)."""
        self.asked.setdefault(check_id(check), None)

    @property
    def evaluated(self) -> list[str]:
        """Every check this judge evaluated: asked by name, or named by a finding (errata aside)."""
        return list(dict.fromkeys([*self.asked, *self.found]))

    def fail(self, check: CheckRef, message: str) -> NoReturn:
        self.ask(check)
        self._fail_found(check, message)

    def _fail_found(self, check: CheckRef, message: str) -> NoReturn:
        """Fail ``check``, a check the engine found broken (how a call ended), not one the test asked."""
        failure = finding(check, message)
        self.found.setdefault(failure.check.id, None)
        self._raise([failure])

    def _raise(self, failures: list[Finding]) -> NoReturn:
        if self.known_cause is not None:
            raise Inconclusive([f.check.id for f in failures], self.known_cause)
        if self.evidence is not None:
            cause = self.evidence.inconclusive_cause(self.mark, [f.check.id for f in failures])
            if cause is not None:
                raise Inconclusive([f.check.id for f in failures], cause)
        raise CheckFailed(failures)

    def check(self, condition: bool, check: CheckRef, message: str, *, asked: bool = True) -> None:
        """Record ``message`` under ``check`` unless ``condition`` holds (MUST raises).

        ``asked=False``: the engine judges ``check`` on every call of its kind, whatever the test
        is about (``found``: covered by the test's record, not required of its marker)."""
        if asked:
            self.ask(check)
        else:
            self.found.setdefault(check_id(check), None)
        if not condition:
            self.take([finding(check, message)])

    def take(self, findings: Iterable[Finding]) -> None:
        """Fail on MUST findings; keep SHOULD/MAY as warnings and errata as errata."""
        failures = self._sort(findings)
        if failures:
            self._raise(failures)

    def fail_regardless(self, findings: Iterable[Finding]) -> NoReturn:
        """Fail on ``findings`` even when this test's evidence shows an environment problem.

        A secret in an error is a leak whatever made the error (a backend that was down
        included): its check is ``environment_proof``, which ``pytest_plugin.inconclusive``
        never turns into inconclusive; raising here skips the evidence lookup ``fail`` makes.
        """
        raise CheckFailed(self._sort(findings))

    def _sort(self, findings: Iterable[Finding]) -> list[Finding]:
        """The failures among ``findings``; warnings and errata are kept for the summary."""
        failures = []
        for item in findings:
            if not item.erratum:
                self.found.setdefault(item.check.id, None)
            if item.erratum:
                self.errata.setdefault(item.erratum, item)
            elif item.level is Level.MUST or (self.strict and item.level is Level.SHOULD) or self._unjudgeable(item):
                failures.append(item)  # an unjudgeable warning too: ``_raise`` makes it inconclusive
            else:  # one warning per check and test; drawn examples would repeat it endlessly
                self.warnings.setdefault(item.check.id, item)
                self.repeats[item.check.id] = self.repeats.get(item.check.id, 0) + 1
        return failures

    def _unjudgeable(self, item: Finding) -> bool:
        """A warning resting on calls whose evidence shows an environment problem or a gap of the kit's
        stand-in: no more the provider's than a failure would be."""
        if self.known_cause is not None:
            return True
        return self.evidence is not None and self.evidence.inconclusive_cause(self.mark, [item.check.id]) is not None

    def noted(self) -> list[Finding]:
        """Warnings (with how often each recurred) and errata, for the terminal summary."""
        warnings = [
            replace(f, message=f"{f.message} (and {self.repeats[key] - 1} more like it)")
            if self.repeats.get(key, 1) > 1 else f
            for key, f in self.warnings.items()
        ]
        return [*warnings, *self.errata.values()]

    def answered(self, outcome: Outcome, check: CheckRef, capability: str | None = None) -> None:
        """The call must have succeeded; a 501 for an undeclared capability skips the test."""
        self.ask(check)
        self.no_hang(outcome)
        if outcome.error is None:
            return
        if outcome.answer is not None and outcome.answer.not_implemented and capability:
            self.not_implemented(capability, outcome)
        refusal = self.stand_in_refusal(outcome)
        if refusal is not None:
            raise Inconclusive([check_id(check)], refusal)
        self.fail(check, f"{outcome.member} raised {outcome.describe_error()} on a valid request "
                            "the minimal contract says it must answer.")

    def stand_in_refusal(self, outcome: Outcome) -> str | None:
        """Why ``outcome``'s error is the kit's stand-in's, not the provider's, if it is.

        The kit's stand-in inference serves only its own models. A provider that asks it to generate
        with a model of its own choosing (llama-guard's shield model, an LLM-as-judge function's
        ``judge_model``) gets the stand-in's model-not-found error and passes it on: a deployment would
        have registered that model, the kit cannot, so the call says nothing about the provider. Only
        when the provider asked a stand-in to generate in this test (``evidence``) and the error was
        raised inside the kit's stand-in code: a provider raising model-not-found itself stays judged.
        """
        if self.evidence is None or outcome.error is None:
            return None
        asked = self.evidence.since(self.mark, "stand-in")
        if not asked or not _raised_by_stand_in(outcome.error):
            return None
        return (f"{asked[-1].member}: the provider asked the kit's stand-in for a model it does not serve "
                f"({outcome.describe_error()}); the stand-in serves only the kit's own models, so the model the "
                "provider chose must come from a real dependency: give it with --llama-stack-config RUN.yaml")

    def not_implemented(self, capability: str, outcome: Outcome) -> NoReturn:
        if self.manifest.declares(capability):
            self.fail(DECLARED_IMPLEMENTED,
                      f"{outcome.member} raised {outcome.describe_error()}, but the provider declares "
                      f"the `{capability}` capability.")
        pytest.skip(f"capability `{capability}` not declared, and {outcome.member} raises "
                    f"NotImplementedError (declare it with --llama-capability={capability} to require it)")

    def no_hang(self, outcome: Outcome) -> None:
        """The call ended, on its own, within the deadline and the memory ceiling, and kept the process."""
        if outcome.timed_out:
            self._fail_found(outcome.hang_check, outcome.timed_out)
        if isinstance(outcome.error, ProviderExit):
            self._fail_found(NO_CRASH, f"{outcome.member}: {outcome.error}")
        if isinstance(outcome.error, MemoryError):
            self._fail_found(RESOURCE_BOUND,
                      f"{outcome.member} ran out of memory ({outcome.describe_error()}): the provider went past "
                      "the kit's memory ceiling (--llama-memory-limit) on one request. It must refuse sizes it "
                      "cannot serve with a 4xx, or bound what it builds.")
        if outcome.cut:
            self._fail_found(RESOURCE_BOUND, f"{outcome.member}: {outcome.cut}. A stream must end.")

    def typed_rejection(self, outcome: Outcome) -> None:
        """A failed call must fail the way a client can act on: a 4xx (or 501)."""
        self.ask(TYPED_ERROR)
        self.no_hang(outcome)
        answer = outcome.answer
        if outcome.error is not None and answer is not None and answer.server_error:
            self.fail(TYPED_ERROR,
                      f"{outcome.member} raised {outcome.describe_error()}: the server turns that into a "
                      f"{answer.status}. Raise ValueError or the API package's typed error for a bad "
                      "request, so the client gets a 4xx it can act on.")

    def mostly_accepted(self, member: str, tally: dict[str, int]) -> None:
        """call.valid-request-accepted over a run of drawn valid requests: a provider may refuse
        some on semantic grounds (a typed 4xx), but one that refuses most is not usable."""
        total = tally["answered"] + tally["rejected"]
        self.check(total == 0 or tally["answered"] * 2 >= total, VALID_REQUEST_ACCEPTED,
                   f"{member} rejected {tally['rejected']} of {total} valid drawn requests "
                   "with typed errors: most valid requests should be answered.")


# Where the kit's stand-in dependencies live (``llama_conformance_fixtures.reference``); the error type
# is matched by name, as the API packages each define their own ModelNotFoundError.
_STAND_IN_MODULES = "llama_conformance_fixtures.reference."
_MODEL_NOT_FOUND = "ModelNotFoundError"


def _raised_by_stand_in(error: BaseException) -> bool:
    """A model-not-found error in ``error``'s chain that a frame of the kit's stand-in code raised."""
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if any(c.__name__ == _MODEL_NOT_FOUND for c in type(link).__mro__):
            tb = link.__traceback__
            while tb is not None:
                if str(tb.tb_frame.f_globals.get("__name__", "")).startswith(_STAND_IN_MODULES):
                    return True
                tb = tb.tb_next
        link = link.__cause__ or link.__context__
    return False


def as_capability(findings: Iterable[Finding], capability: str, manifest: Manifest) -> list[Finding]:
    """Findings about an optional capability: binding when declared, warnings when not.

    A provider that does not declare ``stream-usage`` but streams usage wrongly is told so,
    without failing a capability it never claimed.
    """
    if manifest.declares(capability):
        return list(findings)
    return [
        Finding(check=f.check, level=Level.SHOULD, erratum=f.erratum,
                message=f"(capability `{capability}` not declared) {f.message}")
        if f.level is Level.MUST else f
        for f in findings
    ]
