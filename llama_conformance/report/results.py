"""From tests to check results: which checks each test judged, and how each came out.

A passing test passes every check it covers, except those it noted a SHOULD finding for
(``warned``). A failing test fails the checks its failure's findings name (``TestRecord.failed``,
carried as data from the exception): a setup step that failed names its own check (a store that could not
be created: ``vector_io.store.create``), so only that check is charged. The other checks it
covers were not judged to the end, so they get no result from it; the failure says which
(``not_judged``). A failure that names no check (the kit's own error) is charged to the
test's first check: hiding it would be worse than blaming the wrong clause. A test the mode
cannot exercise (``applicability.NotApplicable``) gives its checks ``not-applicable``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from llama_conformance.checks import BUILD, CHECKS, CheckDef
from llama_conformance.evidence import parse_reason
from llama_conformance.report.applicability import can_apply, not_applicable_reason
from llama_conformance.report.collect import TestOutcome

# The order in which one check's results decide its status: the first present wins.
# An inconclusive result outranks a pass: one result the kit could not judge leaves the check unproven.
# Not applicable comes last: a check any test could exercise in this mode is judged by that test.
STATUS_ORDER = ("failed", "expected-failure", "inconclusive", "warned", "passed", "skipped", "not-applicable")


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
    not_judged: tuple[str, ...] = ()  # a failure: the test's other checks, which it stopped before judging

    def as_json(self) -> dict[str, object]:
        found: dict[str, object] = {
            "check": self.check, "level": self.level, "test": self.test, "subject": self.subject,
            "outcome": self.outcome, "duration_s": round(self.duration_s, 4), "message": self.message,
            "reproducer": self.reproducer}
        if self.not_judged:
            found["not_judged"] = list(self.not_judged)
        return found


def results_of(test: TestOutcome) -> list[CheckResult]:
    record = test.record
    if record is None:
        return []

    covered = [check_id for check_id in record.checks if check_id in CHECKS]
    test_capability = CHECKS[covered[0]].capability if covered else None

    def result(check_id: str, outcome: str, message: str = "", level: str | None = None,
               not_judged: tuple[str, ...] = ()) -> CheckResult:
        check = CHECKS[check_id]
        return CheckResult(check=check_id, level=level or str(check.level), test=test.nodeid,
                           subject=record.subject, api=check.api or record.api,
                           capability=check.capability or test_capability, outcome=outcome,
                           duration_s=test.duration_s, message=message, reproducer=record.reproducer,
                           not_judged=not_judged)

    # Checks the test found nothing to apply to in this target, whatever became of the others.
    found_nothing = [result(check_id, "not-applicable", test.skip_reason or "the target offers nothing to apply "
                            "it to") for check_id in record.not_applicable if check_id in CHECKS]
    if test.outcome in ("failed", "expected-failure"):
        named: list[tuple[str | None, str, str]] = [
            (noted.level, noted.check, noted.message) for noted in record.failed if noted.check in CHECKS] or [
            (None, covered[0] if covered else BUILD.id, test.text)]
        charged = {check_id for _level, check_id, _message in named}
        unjudged = tuple(check_id for check_id in covered if check_id not in charged)
        return [result(check_id, test.outcome, message, level, unjudged)
                for level, check_id, message in named] + found_nothing
    if test.outcome == "skipped":
        return [result(check_id, "skipped", test.skip_reason) for check_id in covered] + found_nothing
    if test.outcome == "not-applicable":
        why = not_applicable_reason(test.skip_reason) or test.skip_reason
        return [result(check_id, "not-applicable", why) for check_id in covered] + found_nothing
    if test.outcome == "inconclusive":
        return _inconclusive(record.inconclusive, test.skip_reason, covered, result) + found_nothing
    warned = {n.check: n for n in record.noted if not n.erratum and n.check in CHECKS}
    passed = [result(check_id, "passed") for check_id in covered if check_id not in warned]
    return passed + [result(n.check, "warned", n.message, n.level) for n in warned.values()] + found_nothing


def _inconclusive(decided: dict[str, Any] | None, reason: str, covered: list[str],
                  result: Callable[..., CheckResult]) -> list[CheckResult]:
    """The checks the kit could not judge, with the cause; the test's other checks passed (a pass
    resting partly on a stand-in) or were not judged (a failure that stopped the test)."""
    parsed = parse_reason(reason)
    checks, cause = (decided["checks"], decided["cause"]) if decided else (parsed or (covered, reason))
    others = decided.get("others", "not-judged") if decided else "not-judged"
    named = [check_id for check_id in checks if check_id in CHECKS] or covered[:1]
    results = [result(check_id, "inconclusive", cause) for check_id in named]
    if others == "passed":
        results += [result(check_id, "passed") for check_id in covered if check_id not in named]
    return results


def aggregate(outcomes: list[str]) -> str:
    """A check's status from its results: a failure anywhere fails it; no result means not run."""
    for status in STATUS_ORDER:
        if status in outcomes:
            return status
    return "not-run"


def plan_for(apis: list[str]) -> list[CheckDef]:
    """Every check of the published plan that can apply to these APIs: their own checks, and the
    API-neutral ones whose declaration allows one of them (``applicability.can_apply``). Checks of
    other APIs, and families no API of the target has (the embeddings invariants for eval), are
    left out: they are not "not run", they are not about this target."""
    from llama_conformance.report.plan import test_plan

    return [check for check in test_plan() if can_apply(check, apis)]
