"""Where a run's time went: the wall time of every call into provider code, by what was called.

A run's length is the kit's own work (start-up, drawing examples, validating answers, which
``benchmarks/README.md`` predicts per example and per case) plus the time the provider takes to
answer. The second can dominate: ogx 1.5's ``inline::milvus`` takes about a second to register each
vector store (pymilvus polls milvus-lite until the new collection is loaded), so its default run takes
over two minutes of wall time, 122 s of them in 119 registrations, while the kit's processes use about
14 s of CPU. Without this tally a provider author sees a slow run and cannot tell whose time it was; with
it the summary names the members that took it.

Every ``CallGate`` of the process adds to one ledger (``CALL_TIMES``), and so does every fuzz case
(``fuzz.run.FuzzRun.send``, which schemathesis sends without the gate): a test's calls may go through
several gates (the provider under test, the stand-ins it depends on, an HTTP client's), and the plugin
takes the ledger's entries after each test, so each test's report carries what it spent (under
pytest-xdist, the reports are what reach the summary process). The labels say whose code ran: a member
of the provider, or a step naming the kit's stand-in.

When provider code takes an isolation worker down, the worker's ledger goes with it: the scheduler puts
the call it died in on the test's record, with the time from its start to the crash (a hang's whole
wait), and the test's earlier calls are lost. Nor does any record carry the calls after the last test's
teardown (the provider's ``shutdown``, closing an HTTP client). Building the provider counts for the
first test.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Spent:
    """What the calls with one label took: how many, their wall seconds, the longest one."""

    calls: int = 0
    seconds: float = 0.0
    longest_s: float = 0.0

    def add(self, seconds: float, calls: int = 1, longest_s: float | None = None) -> None:
        self.calls += calls
        self.seconds += seconds
        self.longest_s = max(self.longest_s, seconds if longest_s is None else longest_s)

    def as_row(self) -> list[float]:
        """The compact form a test's record carries: [calls, seconds, longest seconds]."""
        return [self.calls, round(self.seconds, 4), round(self.longest_s, 4)]


class CallTimes:
    """A ledger of call times by label, safe to add to from any thread (gates are called from several)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spent: dict[str, Spent] = {}

    def add(self, label: str, seconds: float) -> None:
        with self._lock:
            spent = self._spent.get(label)
            if spent is None:
                spent = self._spent[label] = Spent()
            spent.add(seconds)

    def take(self) -> dict[str, list[float]]:
        """Everything added since the last take, as rows; the ledger starts again empty."""
        with self._lock:
            taken, self._spent = self._spent, {}
        return {label: spent.as_row() for label, spent in taken.items()}


CALL_TIMES = CallTimes()


def merge(rows: list[dict[str, list[float]]]) -> dict[str, Spent]:
    """The rows of many tests added up, by label."""
    total: dict[str, Spent] = {}
    for row in rows:
        for label, (calls, seconds, longest_s) in row.items():
            total.setdefault(label, Spent()).add(seconds, int(calls), longest_s)
    return total
