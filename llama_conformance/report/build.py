"""Assemble ``report.json``: facts about the run, every check result, totals and the verdict.

The report is plain JSON data from here on (validated against the shipped schema), so the
renderers, ``llama-conformance report`` and ``diff`` all read the same thing, whether it
was written a second ago or by an older release of the kit.
"""

from __future__ import annotations

import datetime
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from llama_conformance.checks import CHECKS, CheckDef
from llama_conformance.report.applicability import HTTP_TRANSPORTS, IN_PROCESS, applicable_apis, mode_gap
from llama_conformance.report.collect import Collected
from llama_conformance.report.results import CheckResult, aggregate, plan_for, results_of
from llama_conformance.report.schema import KIT_MINOR
from llama_conformance.report.verdict import decide
from llama_conformance.version import __version__

# 1.1: the inconclusive status and verdict, the ``inconclusive`` list; the not-applicable status (a check's
# ``reason``), a failure's ``not_judged`` checks; ``repairs`` only in HTTP runs.
# 1.2: ``run.provider_time``, where the run's time went (``llama_conformance.call_time``).
SCHEMA_VERSION = f"1.{KIT_MINOR}"
STATUSES = ("passed", "failed", "inconclusive", "warned", "skipped", "expected-failure", "not-run", "not-applicable")
# Results that do not show the check was exercisable here: a mode that cannot exercise it makes it not applicable.
_UNEXERCISED = ("not-run", "skipped", "not-applicable")


@dataclass
class RunFacts:
    """What the report says about the run itself; gathered by the plugin, secrets already redacted."""

    target: dict[str, Any]
    contract: dict[str, Any]
    seed: int
    profile: str
    strict: bool
    capabilities: list[str]
    config: dict[str, Any]
    command: str
    duration_s: float
    exit_status: int
    baseline: str | None = None
    selection: str | None = None
    repairs: list[str] | None = None  # None: no test of the run read the deployment's document
    # Checks the run leaves out by its own choice (``collection.out_of_scope``): id -> why.
    out_of_scope: dict[str, str] = field(default_factory=dict)
    # Why Core checks the run could have exercised were left out for want of an install (``verdict.decide``).
    left_out: list[str] = field(default_factory=list)


def _counts() -> dict[str, int]:
    return dict.fromkeys(STATUSES, 0)


def build_report(facts: RunFacts, collected: Collected) -> dict[str, Any]:
    apis = list(facts.target["apis"])
    transport = str(facts.target.get("transport") or IN_PROCESS)
    plan = plan_for(apis)  # first: it registers every check (an xdist controller imported no suite)
    results: list[CheckResult] = [r for test in collected.kit_tests for r in results_of(test)]
    by_check: dict[str, list[str]] = {}
    by_api_check: dict[tuple[str, str], list[str]] = {}
    failed_levels: dict[str, set[str]] = {}
    failed_in: dict[str, set[str | None]] = {}  # check id -> capabilities of the tests it failed in
    causes: dict[str, str] = {}  # check id -> why it could not be judged
    why_not: dict[str, str] = {}  # check id -> why it is not applicable
    for result in results:
        by_check.setdefault(result.check, []).append(result.outcome)
        api = result.api or (apis[0] if apis else "-")
        by_api_check.setdefault((api, result.check), []).append(result.outcome)
        if result.outcome == "inconclusive":
            causes.setdefault(result.check, result.message)
        if result.outcome == "not-applicable":
            why_not.setdefault(result.check, result.message)
        if result.outcome in ("failed", "expected-failure"):
            failed_levels.setdefault(result.check, set()).add(result.level)
            failed_in.setdefault(result.check, set()).add(result.capability)
    plan_ids = {check.id for check in plan}
    plan += [CHECKS[check_id] for check_id in sorted(by_check) if check_id not in plan_ids]

    def judged(check: CheckDef, outcomes: list[str]) -> str:
        """The check's status from its results, unless this mode could not exercise it at all."""
        status = aggregate(outcomes)
        gap = mode_gap(check, transport) or facts.out_of_scope.get(check.id)
        if gap is not None and status in _UNEXERCISED:
            why_not.setdefault(check.id, gap)
            return "not-applicable"
        return status

    statuses = {check.id: judged(check, by_check.get(check.id, [])) for check in plan}
    verdict, reasons = decide(statuses, set(facts.capabilities), strict=facts.strict,
                              failed_levels=failed_levels, failed_in=failed_in, selection=facts.selection,
                              causes=causes, left_out=facts.left_out)
    return {
        "schema_version": SCHEMA_VERSION,
        "kit": {"name": "llama-conformance", "version": __version__},
        "generated_at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "target": facts.target,
        "contract": facts.contract,
        "environment": {"python": platform.python_version(), "platform": platform.platform()},
        "run": {"seed": facts.seed, "profile": facts.profile, "strict": facts.strict,
                "capabilities_declared": sorted(facts.capabilities), "config": facts.config,
                "command": facts.command, "duration_s": round(facts.duration_s, 3),
                "exit_status": facts.exit_status, "baseline": facts.baseline,
                "provider_time": [{"call": label, "calls": spent.calls, "seconds": round(spent.seconds, 3),
                                   "longest_s": round(spent.longest_s, 3)}
                                  for label, spent in collected.provider_time]},
        "verdict": verdict,
        "verdict_reasons": reasons,
        "totals": _totals(plan, statuses, lambda check, api: judged(check, by_api_check.get((api, check.id), [])),
                          apis),
        "checks": [{"id": check.id, "level": str(check.level), "api": check.api, "capability": check.capability,
                    "scope": check.scope, "title": check.title, "reference": check.reference,
                    "status": statuses[check.id], "results": len(by_check.get(check.id, [])),
                    **({"reason": why_not[check.id]} if statuses[check.id] == "not-applicable" else {})}
                   for check in plan],
        "results": [result.as_json() for result in results],
        "skips": [{"test": test.nodeid, "reason": test.skip_reason, "checks": list(test.record.checks)}
                  for test in collected.kit_tests if test.outcome == "skipped" and test.record],
        "inconclusive": [{"test": test.nodeid, "checks": list(_unjudged(test)), "cause": _cause(test)}
                         for test in collected.kit_tests if test.outcome == "inconclusive" and test.record],
        "errata": _errata(collected),
        # Only an HTTP run reads a deployment's OpenAPI document (in-process there is nothing to repair), and only
        # when its document test ran: otherwise an empty list would read as "the document needed no change".
        **({"repairs": list(facts.repairs)} if transport in HTTP_TRANSPORTS and facts.repairs is not None else {}),
    }


def _unjudged(test: Any) -> list[str]:
    decided = test.record.inconclusive if test.record else None
    return list(decided["checks"]) if decided else [r.check for r in results_of(test) if r.outcome == "inconclusive"]


def _cause(test: Any) -> str:
    decided = test.record.inconclusive if test.record else None
    return str(decided["cause"]) if decided else test.skip_reason


def _totals(plan: list[CheckDef], statuses: dict[str, str], status_in: Callable[[CheckDef, str], str],
            apis: list[str]) -> dict[str, Any]:
    """Check counts by status: overall and per level count each check once; per API, once per API it can
    apply to (``status_in``: the check's status from that API's results)."""
    overall, by_level = _counts(), {level: _counts() for level in ("MUST", "SHOULD", "MAY")}
    for check in plan:
        overall[statuses[check.id]] += 1
        by_level[str(check.level)][statuses[check.id]] += 1
    by_api: dict[str, dict[str, dict[str, int]]] = {}
    for check in plan:
        for api in applicable_apis(check, apis) or ([check.api] if check.api else apis):
            status = status_in(check, api)
            by_api.setdefault(api, {}).setdefault(str(check.level), _counts())[status] += 1
    return {"overall": overall, "by_level": {k: v for k, v in by_level.items() if any(v.values())},
            "by_api": by_api}


def _errata(collected: Collected) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for test in collected.kit_tests:
        for noted in test.record.noted if test.record else []:
            if noted.erratum:
                entry = seen.setdefault((noted.erratum, noted.check), {
                    "erratum": noted.erratum, "check": noted.check, "message": noted.message, "tests": []})
                entry["tests"].append(test.nodeid)
    return list(seen.values())
