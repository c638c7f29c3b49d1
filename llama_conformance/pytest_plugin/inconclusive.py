"""Turn a test whose evidence was an environment problem into an *inconclusive* report.

The judge already raises ``Inconclusive`` where a failure rests on such evidence; this
module covers the rest, on the call phase's report:

* a failure the judge did not see (provider code called directly by the kit, a helper that
  raised the provider's own ``ConnectError``): inconclusive when the exception's chain, or
  any call of the test, shows the backend was unreachable;
* a pass: a pass resting on an unreachable backend is not earned either (every check of the
  test is inconclusive), and a pass whose semantic checks rest on a stand-in's generated
  answer leaves those checks inconclusive while the provider-alone ones keep their pass.

The decision is stashed on the item (``INCONCLUSIVE``) for the test's record; the report
becomes a skip whose reason starts with ``INCONCLUSIVE [checks]: cause``, so JUnit shows
the cause and every process (xdist's controller too) recognises it from the report alone.
"""

from __future__ import annotations

from typing import Any

import pytest

from llama_conformance.checks import BUILD
from llama_conformance.evidence import (
    EvidenceLog,
    Inconclusive,
    environment_cause,
    inconclusive_reason,
    is_semantic,
    parse_reason,
)
from llama_conformance.pytest_plugin.verdict import findings_of
from llama_conformance.report.record import INCONCLUSIVE, covered_checks

EVIDENCE_MARK = pytest.StashKey[tuple[EvidenceLog, int]]()  # the log a test's calls write to, and where it began


def start(item: pytest.Item, log: EvidenceLog) -> None:
    """Remember where ``item``'s evidence begins (the behavioural fixture calls it)."""
    item.stash[EVIDENCE_MARK] = (log, log.mark())


def decide(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    """Make ``report`` (the call phase's) inconclusive where its evidence says so."""
    if report.when != "call":
        return
    excinfo = call.excinfo
    if excinfo is not None and isinstance(excinfo.value, Inconclusive):
        item.stash[INCONCLUSIVE] = {"checks": excinfo.value.check_ids, "cause": excinfo.value.cause,
                                    "others": "not-judged"}
        return
    log, mark = item.stash.get(EVIDENCE_MARK, (None, 0))
    environment = log.since(mark, "environment") if log is not None else []
    covered = covered_checks(item)
    if report.failed and excinfo is not None and not hasattr(report, "wasxfail"):
        cause = environment_cause(excinfo.value)
        if cause is None and environment:
            cause = f"{environment[-1].member}: {environment[-1].cause}"
        if cause is None:
            return
        found = findings_of(excinfo.value)
        if found and all(finding.check.environment_proof for finding in found):
            return  # a leak or a crash is the provider's whatever its backend did
        named = list(dict.fromkeys(finding.check.id for finding in found))
        _mark(item, report, named or covered[:1] or [BUILD.id], cause, "not-judged")
    elif report.passed and log is not None:
        if environment:
            _mark(item, report, covered, f"{environment[-1].member}: {environment[-1].cause}", "passed")
            return
        stand_ins = log.since(mark, "stand-in")
        semantic = _resting_on(stand_ins[-1].member, covered) if stand_ins else []
        if semantic:
            _mark(item, report, semantic, f"{stand_ins[-1].member}: {stand_ins[-1].cause}", "passed")


def _resting_on(member: str, covered: list[str]) -> list[str]:
    """The semantic checks of ``covered`` that judge ``member`` (``safety.run_shield`` ->
    ``safety.run-shield.*``); all semantic ones when none is named after it."""
    semantic = [check_id for check_id in covered if is_semantic(check_id)]
    name = member.rsplit(".", 1)[-1].replace("_", "-")
    named = [check_id for check_id in semantic if name in check_id.replace("_", "-")]
    return named or semantic


def _mark(item: pytest.Item, report: pytest.TestReport, checks: list[str], cause: str, others: str) -> None:
    item.stash[INCONCLUSIVE] = {"checks": checks, "cause": cause, "others": others}
    report.outcome = "skipped"
    report.longrepr = (str(item.path), (item.location[1] or 0) + 1, f"Skipped: {inconclusive_reason(checks, cause)}")


def is_inconclusive(report: Any) -> bool:
    """A report the kit made inconclusive (from its reason alone: works on xdist's controller)."""
    if not getattr(report, "skipped", False):
        return False
    longrepr = getattr(report, "longrepr", None)
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr or "")
    return parse_reason(str(reason)) is not None
