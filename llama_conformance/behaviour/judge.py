"""Turn what a call did into check results: fail a MUST, warn on SHOULD, skip an undeclared capability.

``CheckFailed`` is an ``AssertionError`` so Hypothesis treats it as a failing example and
shrinks it; its message is the rendered finding (check id, level, what happened).
Warnings and errata gathered across examples are deduplicated and reach the terminal
summary once per test.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import NoReturn

import pytest

from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.capabilities import Manifest
from llama_conformance.checks import CheckRef, Finding, Level, finding
from llama_conformance.errors import ProviderExit
from llama_conformance.evidence import EvidenceLog, Inconclusive


class CheckFailed(AssertionError):
    """A MUST check failed; carries the findings."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__("\n".join(f.render() for f in findings))


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

    def fail(self, check: CheckRef, message: str) -> NoReturn:
        self._raise([finding(check, message)])

    def _raise(self, failures: list[Finding]) -> NoReturn:
        if self.known_cause is not None:
            raise Inconclusive([f.check.id for f in failures], self.known_cause)
        if self.evidence is not None:
            cause = self.evidence.inconclusive_cause(self.mark, [f.check.id for f in failures])
            if cause is not None:
                raise Inconclusive([f.check.id for f in failures], cause)
        raise CheckFailed(failures)

    def check(self, condition: bool, check: CheckRef, message: str) -> None:
        """Record ``message`` under ``check`` unless ``condition`` holds (MUST raises)."""
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
            if item.erratum:
                self.errata.setdefault(item.erratum, item)
            elif item.level is Level.MUST or (self.strict and item.level is Level.SHOULD):
                failures.append(item)
            else:  # one warning per check and test; drawn examples would repeat it endlessly
                self.warnings.setdefault(item.check.id, item)
                self.repeats[item.check.id] = self.repeats.get(item.check.id, 0) + 1
        return failures

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
        self.no_hang(outcome)
        if outcome.error is None:
            return
        if outcome.answer is not None and outcome.answer.not_implemented and capability:
            self.not_implemented(capability, outcome)
        self.fail(check, f"{outcome.member} raised {outcome.describe_error()} on a valid request "
                            "the minimal contract says it must answer.")

    def not_implemented(self, capability: str, outcome: Outcome) -> NoReturn:
        if self.manifest.declares(capability):
            self.fail("capability.declared-implemented",
                      f"{outcome.member} raised {outcome.describe_error()}, but the provider declares "
                      f"the `{capability}` capability.")
        pytest.skip(f"capability `{capability}` not declared, and {outcome.member} raises "
                    f"NotImplementedError (declare it with --llama-capability={capability} to require it)")

    def no_hang(self, outcome: Outcome) -> None:
        """The call ended, on its own, within the deadline and the memory ceiling, and kept the process."""
        if outcome.timed_out:
            self.fail(outcome.hang_check, outcome.timed_out)
        if isinstance(outcome.error, ProviderExit):
            self.fail("call.no-crash", f"{outcome.member}: {outcome.error}")
        if isinstance(outcome.error, MemoryError):
            self.fail("call.resource-bound",
                      f"{outcome.member} ran out of memory ({outcome.describe_error()}): the provider went past "
                      "the kit's memory ceiling (--llama-memory-limit) on one request. It must refuse sizes it "
                      "cannot serve with a 4xx, or bound what it builds.")
        if outcome.cut:
            self.fail("call.resource-bound", f"{outcome.member}: {outcome.cut}. A stream must end.")

    def typed_rejection(self, outcome: Outcome) -> None:
        """A failed call must fail the way a client can act on: a 4xx (or 501)."""
        self.no_hang(outcome)
        answer = outcome.answer
        if outcome.error is not None and answer is not None and answer.server_error:
            self.fail("call.typed-error",
                      f"{outcome.member} raised {outcome.describe_error()}: the server turns that into a "
                      f"{answer.status}. Raise ValueError or the API package's typed error for a bad "
                      "request, so the client gets a 4xx it can act on.")


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
