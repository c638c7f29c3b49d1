"""From tests to check results: which checks each test judged, and how each came out.

A passing test passes every check it covers, except those it noted a SHOULD finding for
(``warned``). A failing test fails the checks its failure names (``[MUST id]`` in the
rendered findings); the other checks it covers were not judged to the end, so they get no
result from it. A failure that names no check (the kit's own error) is charged to the
test's first check: hiding it would be worse than blaming the wrong clause.
"""

from __future__ import annotations

from dataclasses import dataclass

from llama_conformance.checks import CHECKS, CheckDef
from llama_conformance.report.collect import TestOutcome
from llama_conformance.report.record import failed_checks

# The order in which one check's results decide its status: the first present wins.
STATUS_ORDER = ("failed", "expected-failure", "warned", "passed", "skipped")


@dataclass(frozen=True)
class CheckResult:
    check: str
    level: str
    test: str
    subject: str | None
    api: str | None
    capability: str | None  # the check's own, else that of the test's first check (a stream check in a streaming test)
    outcome: str
    duration_s: float
    message: str
    reproducer: str | None

    def as_json(self) -> dict[str, object]:
        return {"check": self.check, "level": self.level, "test": self.test, "subject": self.subject,
                "outcome": self.outcome, "duration_s": round(self.duration_s, 4), "message": self.message,
                "reproducer": self.reproducer}


def results_of(test: TestOutcome) -> list[CheckResult]:
    record = test.record
    if record is None:
        return []

    covered = [check_id for check_id in record.checks if check_id in CHECKS]
    test_capability = CHECKS[covered[0]].capability if covered else None

    def result(check_id: str, outcome: str, message: str = "", level: str | None = None) -> CheckResult:
        check = CHECKS[check_id]
        return CheckResult(check=check_id, level=level or str(check.level), test=test.nodeid,
                           subject=record.subject, api=check.api or record.api,
                           capability=check.capability or test_capability, outcome=outcome,
                           duration_s=test.duration_s, message=message, reproducer=record.reproducer)

    if test.outcome in ("failed", "expected-failure"):
        named = failed_checks(test.text)
        if named:
            return [result(check_id, test.outcome, message, level) for level, check_id, message in named]
        return [result(covered[0] if covered else "lifecycle.build", test.outcome, test.text)]
    if test.outcome == "skipped":
        return [result(check_id, "skipped", test.skip_reason) for check_id in covered]
    warned = {n.check: n for n in record.noted if not n.erratum and n.check in CHECKS}
    passed = [result(check_id, "passed") for check_id in covered if check_id not in warned]
    return passed + [result(n.check, "warned", n.message, n.level) for n in warned.values()]


def aggregate(outcomes: list[str]) -> str:
    """A check's status from its results: a failure anywhere fails it; no result means not run."""
    for status in STATUS_ORDER:
        if status in outcomes:
            return status
    return "not-run"


def plan_for(apis: list[str]) -> list[CheckDef]:
    """Every check of the published plan that can apply to these APIs (API-neutral ones too)."""
    from llama_conformance.report.plan import test_plan

    return [check for check in test_plan() if check.api is None or check.api in apis]
