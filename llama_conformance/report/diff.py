"""Compare two reports: what got worse is a regression (exit 1), what got better is listed too.

A regression is a check that passed (or only warned) before and now fails, is expected to
fail, or was dropped to skipped; a check new in the plan that fails; or a lower verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llama_conformance.report.verdict import VERDICTS

GOOD = ("passed", "warned")
BAD = ("failed", "expected-failure")


@dataclass
class ReportDiff:
    regressions: list[str] = field(default_factory=list)
    improvements: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    def render(self) -> str:
        lines = []
        for title, items in (("Regressions", self.regressions), ("Improvements", self.improvements),
                             ("Other changes", self.changes)):
            if items:
                lines.append(f"{title} ({len(items)}):")
                lines += [f"  {item}" for item in items]
        return "\n".join(lines) if lines else "No change in the verdict or any check's status."


def diff_reports(old: dict[str, Any], new: dict[str, Any]) -> ReportDiff:
    result = ReportDiff()
    if old["verdict"] != new["verdict"]:
        line = f"verdict: {old['verdict']} -> {new['verdict']}"
        worse = VERDICTS.index(new["verdict"]) > VERDICTS.index(old["verdict"])
        (result.regressions if worse else result.improvements).append(line)
    before = {check["id"]: check["status"] for check in old["checks"]}
    after = {check["id"]: check["status"] for check in new["checks"]}
    for check_id in sorted(before.keys() | after.keys()):
        was, now = before.get(check_id, "absent"), after.get(check_id, "absent")
        if was == now:
            continue
        line = f"{check_id}: {was} -> {now}"
        if (now in BAD and was not in BAD) or (was in GOOD and now == "skipped"):
            result.regressions.append(line)
        elif (was in BAD and now not in BAD) or (was == "warned" and now == "passed"):
            result.improvements.append(line)
        else:
            result.changes.append(line)
    return result
