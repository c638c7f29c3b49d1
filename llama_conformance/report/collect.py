"""Gather every test's outcome from pytest's reports, in whichever process writes the summary.

Under pytest-xdist the controller writes the summary and the report but never sees an item:
only ``TestReport`` objects reach it. So everything the report needs comes from those
reports (their outcome, duration, failure text and the kit's ``TestRecord``), and the same
code serves a plain run and a distributed one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from llama_conformance.report.record import TestRecord

_REQUEST_LINE = "request (JSON):"


@dataclass
class TestOutcome:
    """One test, all phases folded: the worst outcome wins (an error in teardown fails it)."""

    nodeid: str
    outcome: str = "passed"  # passed | failed | skipped | expected-failure
    duration_s: float = 0.0
    text: str = ""  # the failure (or expected failure) text, redacted by the plugin
    skip_reason: str = ""
    record: TestRecord | None = None


@dataclass
class Collected:
    tests: dict[str, TestOutcome] = field(default_factory=dict)

    def add(self, report: pytest.TestReport) -> None:
        test = self.tests.setdefault(report.nodeid, TestOutcome(nodeid=report.nodeid))
        test.duration_s += float(getattr(report, "duration", 0.0) or 0.0)
        record = TestRecord.from_report(report)
        if record is not None:
            test.record = record
        if hasattr(report, "wasxfail"):
            test.outcome, test.text = "expected-failure", failure_text(report)
        elif report.failed:
            test.outcome, test.text = "failed", failure_text(report)
        elif report.skipped and test.outcome == "passed":
            test.outcome, test.skip_reason = "skipped", skip_reason(report)

    @property
    def kit_tests(self) -> list[TestOutcome]:
        """Tests of the kit's suites (a provider author's own tests carry no record)."""
        return [test for test in self.tests.values() if test.record is not None]

    @property
    def repairs(self) -> list[str]:
        return [repair for test in self.kit_tests if test.record for repair in test.record.repairs]


def failure_text(report: pytest.TestReport) -> str:
    """The exception's message (not the traceback), plus the shrunk request when one was shown."""
    longrepr = report.longrepr
    crash = getattr(longrepr, "reprcrash", None)
    full = report.longreprtext or ""
    message = crash.message if crash is not None and crash.message else full
    requests = [line.strip() for line in full.splitlines() if line.strip().startswith(_REQUEST_LINE)]
    return "\n".join([message, *requests[-1:]]) if requests else message


def skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")
