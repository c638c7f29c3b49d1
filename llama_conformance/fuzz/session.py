"""The fuzz suite's state over one target: its schema, request budget and id feedback, once per run.

The HTTP target (``target.RemoteTarget``) knows its document and how to reach it; what the fuzzer
builds on it (the schemathesis schema of the repaired document, the run's request budget, the
ids earlier answers carried) is the fuzzer's, shared by every operation of the run. The levels
of what an operation found are judged here too: a SHOULD-level failure (a schema-valid request
refused: semantic validation is allowed) is a warning, not a failure, unless the run is strict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from llama_conformance.checks import Finding, Level, finding
from llama_conformance.evidence import Inconclusive
from llama_conformance.fuzz.feedback import RunFeedback
from llama_conformance.fuzz.guard import RequestBudget
from llama_conformance.fuzz.ids import check_for_code
from llama_conformance.fuzz.outcome import OperationOutcome
from llama_conformance.fuzz.run import run_operation
from llama_conformance.fuzz.schema import load_schema
from llama_conformance.redact import Redactor

# The wall time of one operation's run, by profile (other profiles: the fast bound).
TIME_BOUND_S = {"fast": 20.0, "thorough": 120.0}


def time_bound(profile: str) -> float:
    return TIME_BOUND_S.get(profile, TIME_BOUND_S["fast"])


@dataclass
class FuzzRun:
    """The schemathesis schema aimed at ``target`` (a ``target.RemoteTarget``), with the run's budget and feedback."""

    target: Any
    schema: Any
    budget: RequestBudget
    feedback: RunFeedback
    seed: int
    time_budget_s: float
    strict: bool = False

    def __repr__(self) -> str:
        """In a line, as its target's (``RemoteTarget.__repr__``): the schema holds the headers too."""
        return f"FuzzRun({self.target!r}, seed={self.seed})"

    @classmethod
    def open(cls, target: Any, *, max_examples: int, seed: int, profile: str, strict: bool) -> FuzzRun:
        """Load the repaired document of ``target`` as a schema (for its ASGI app in-process, else its URL)."""
        aim = {"app": target.app} if target.in_process else {"base_url": target.url}
        schema = load_schema(target.repaired(), headers=target.headers, max_examples=max_examples, seed=seed,
                             request_timeout_s=target.gate.timeout_s, **aim)
        return cls(target=target, schema=schema, budget=RequestBudget(target.client.options.max_requests),
                   feedback=RunFeedback(schema), seed=seed, time_budget_s=time_bound(profile), strict=strict)

    @property
    def redactor(self) -> Redactor:
        return self.target.redactor  # type: ignore[no-any-return]

    def operation(self, label: str, body_values: Mapping[str, list[Any]] | None = None) -> OperationOutcome:
        """Fuzz one operation; its SHOULD-level failures are moved to ``outcome.warnings`` unless strict."""
        mark = self.target.evidence.mark()
        outcome = run_operation(self.schema, label, seed=self.seed, time_budget_s=self.time_budget_s,
                                budget=self.budget, secrets=self.target.headers, body_values=body_values,
                                feedback=self.feedback)
        outcome.warnings = downgrade_should(outcome, strict=self.strict, redact=self.redactor)
        return self._judgeable(outcome, mark)

    def _judgeable(self, outcome: OperationOutcome, mark: int) -> OperationOutcome:
        """``outcome``, unless what the provider raised since ``mark`` was the environment's (a declared package
        missing, a backend down): then its failures are inconclusive, as the same calls are in-process."""
        ids = [failing.check.id for failing in outcome.findings()]
        cause = self.target.evidence.inconclusive_cause(mark, ids) if ids else None
        if cause is not None:
            raise Inconclusive(ids, self.redactor(cause))
        return outcome

    def linked(self, max_scenarios: int) -> OperationOutcome:
        """Chains over the operations the document links (``fuzz.stateful.NoLinks``: there are none)."""
        from llama_conformance.fuzz.stateful import run_linked

        mark = self.target.evidence.mark()
        return self._judgeable(run_linked(self.schema, max_scenarios=max_scenarios, seed=self.seed,
                                          time_budget_s=self.time_budget_s, budget=self.budget,
                                          secrets=self.target.headers), mark)


def downgrade_should(outcome: OperationOutcome, *, strict: bool, redact: Redactor) -> list[Finding]:
    """Take the SHOULD-level failures out of ``outcome`` as findings (warnings); strict: none are taken."""
    if strict:
        return []
    should = [failure for failure in outcome.failures if check_for_code(failure.code).level is not Level.MUST]
    outcome.failures = [failure for failure in outcome.failures if failure not in should]
    return [finding(check_for_code(failure.code), redact(failure.detail())) for failure in should]
