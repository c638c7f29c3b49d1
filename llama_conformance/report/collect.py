"""Gather every test's outcome from pytest's reports, in whichever process writes the summary.

Under pytest-xdist the controller writes the summary and the report but never sees an item:
only ``TestReport`` objects reach it. So everything the report needs comes from those
reports (their outcome, duration, failure text and the kit's ``TestRecord``), and the same
code serves a plain run and a distributed one.

Tests are named here once for every consumer (results, skips, inconclusive, errata, the
terminal's lists): by their path inside the suites package (``files/test_files.py::test_delete``),
whatever pytest's rootdir made of an installed package's path (``.tox/.../site-packages/
llama_conformance_suites/...``).
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from llama_conformance.call_time import Spent, merge
from llama_conformance.evidence import parse_reason
from llama_conformance.report.applicability import not_applicable_reason
from llama_conformance.report.record import TestRecord

SUITES_PACKAGE = "llama_conformance_suites"

_REQUEST_LINE = "request (JSON):"


@dataclass
class TestOutcome:
    """One test, all phases folded: the worst outcome wins (an error in teardown fails it)."""

    nodeid: str
    outcome: str = "passed"  # passed | failed | skipped | expected-failure | inconclusive | not-applicable
    duration_s: float = 0.0
    text: str = ""  # the failure (or expected failure) text, redacted by the plugin
    skip_reason: str = ""
    record: TestRecord | None = None


@dataclass
class Collected:
    tests: dict[str, TestOutcome] = field(default_factory=dict)
    root: Path | None = None  # pytest's rootdir: the node ids of the reports are relative to it

    def add(self, report: pytest.TestReport) -> None:
        nodeid = suite_nodeid(report.nodeid, self.root)
        test = self.tests.setdefault(nodeid, TestOutcome(nodeid=nodeid))
        test.duration_s += float(getattr(report, "duration", 0.0) or 0.0)
        record = TestRecord.from_report(report)
        if record is not None:
            test.record = record
        if hasattr(report, "wasxfail"):
            test.outcome, test.text = "expected-failure", failure_text(report)
        elif report.failed:
            test.outcome, test.text = "failed", failure_text(report)
        elif report.skipped and test.outcome == "passed":
            test.skip_reason = skip_reason(report)
            test.outcome = ("inconclusive" if parse_reason(test.skip_reason)
                            else "not-applicable" if not_applicable_reason(test.skip_reason) else "skipped")

    @property
    def kit_tests(self) -> list[TestOutcome]:
        """Tests of the kit's suites (a provider author's own tests carry no record)."""
        return [test for test in self.tests.values() if test.record is not None]

    @property
    def provider_time(self) -> list[tuple[str, Spent]]:
        """The wall time of the run's calls into provider code, by label, most first."""
        spent = merge([test.record.provider_time for test in self.kit_tests if test.record])
        return sorted(spent.items(), key=lambda item: (-item[1].seconds, item[0]))

    @property
    def repairs(self) -> list[str] | None:
        """The changes made to the deployment's OpenAPI document; None when no test of the run read it (the fuzz
        suite's document test was not selected, or not run for want of the fuzzer), so nothing is claimed of it."""
        read = [test.record.repairs for test in self.kit_tests if test.record and test.record.repairs is not None]
        return [repair for repairs in read for repair in repairs] if read else None


@functools.cache
def suites_dir() -> Path | None:
    """Where the kit's suites package is installed (None when it is not)."""
    spec = importlib.util.find_spec(SUITES_PACKAGE)
    return Path(spec.origin).parent if spec is not None and spec.origin else None


def suite_nodeid(nodeid: str, root: Path | None) -> str:
    """``nodeid`` relative to the suites package for a test of the kit's suites; others unchanged.

    pytest names a test by its path from the rootdir, which for an installed package can run
    through ``.tox/<env>/lib/python3.X/site-packages/llama_conformance_suites/``; a reader wants
    the suite and the test (``files/test_files.py::test_delete``), the same on every machine.
    """
    path, sep, rest = nodeid.partition("::")
    suites = suites_dir()
    if suites is None:
        return nodeid
    candidate = Path(path) if root is None else root / path
    try:
        relative = candidate.resolve().relative_to(suites.resolve())
    except (ValueError, OSError):
        return nodeid
    return f"{relative.as_posix()}{sep}{rest}"


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
