"""One progress line for ``llama-conformance run``: checks done, failures so far, the test running."""

from __future__ import annotations

import sys

import pytest


class ProgressLine:
    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self.failed = 0
        self.tty = sys.stderr.isatty()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = len(session.items)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            self.failed += 1
        if report.when != "teardown":
            return
        self.done += 1
        line = f"[{self.done}/{self.total or '?'}] {self.failed} failed  {report.nodeid.split('::')[-1]}"
        if self.tty:
            sys.stderr.write("\r\033[K" + line[:120])
        elif self.done == self.total or self.done % 10 == 0:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def pytest_sessionfinish(self) -> None:
        if self.tty:
            sys.stderr.write("\n")
