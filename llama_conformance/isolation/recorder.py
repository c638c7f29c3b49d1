"""What a worker is running, kept on disk, and the hard deadline of every call.

The scheduling process cannot ask a dead worker what it was doing, so the worker says it
first: before each call into provider code it writes the member, the request (redacted,
truncated) and the deadline to ``<run dir>/<worker>.call.json``, and before each test the test
and the checks it covers to ``<worker>.test.json``. ``crash`` reads them back when the worker
died.

The hard deadline is ``faulthandler``'s: a C watchdog thread that needs no GIL, so it fires
while provider code spins in C holding it, writes every thread's stack to
``<worker>.trace.txt`` and ends the process. The same file gets the stacks of a fatal signal
(a segfault in a C extension). Calls may nest (a gated call into the ASGI app, whose
middleware records the HTTP request) and overlap (a stress batch): the watchdog is armed for
the earliest deadline of the calls in flight.

Arming ``faulthandler`` starts its C thread and cancelling joins it (about 35 us of CPU, most
of what isolation cost per call). So the watchdog is armed with slack, at 1.5x to 1.75x the
deadline, and a call whose deadline falls inside the armed window does not re-arm it; back to
back calls re-arm it about once per quarter deadline. A call that ends does not cancel it
either while it is still seconds off: the keeper thread cancels it once the worker has been
idle for a tick (where no keeper can run, the call cancels it), so an idle worker is not ended
by a call that has finished unless something holds the GIL for seconds between calls. Around
each test pytest may arm and cancel the same process-wide timer (``faulthandler_timeout``), so
at a test's start and end the recorder forgets what it armed (``_UNKNOWN``).
"""

from __future__ import annotations

import faulthandler
import itertools
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NoReturn

from llama_conformance.redact import Redactor

RUN_DIR_KEY = "llama_conformance_run_dir"  # xdist workerinput: where the workers' records go
REFUSED_FILE = "refused.json"  # members that took a worker down: later workers refuse them at once
HARD_DEADLINE_FACTOR = 1.5  # the watchdog fires at 1.5 x the call's deadline at the earliest,
SLACK_FACTOR = 0.25  # and at (1.5 + 0.25) x at the latest: the window that spares a re-arm per call
_KEEPER_TICK_S = 0.5  # how often the keeper looks for an idle worker with the watchdog armed
_LEFT_ARMED_S = 5.0  # a call ends with the watchdog further off than this: the keeper cancels it, not the call
_UNKNOWN = float("-inf")  # ``_armed_at`` when the timer may have been changed behind the recorder's back
WEDGED_EXIT_CODE = 70  # os._exit status of a worker that ended itself over a blocked loop
_REQUEST_CHARS = 2_000


@dataclass
class CallInFlight:
    label: str
    request: str | None
    deadline_s: float
    hard_at: float  # time.monotonic() from when the watchdog may end the worker (until ``latest_fire``)
    started_at: float = 0.0  # time.time() when it started: what it cost if the worker dies in it (``call_time``)

    @property
    def latest_fire(self) -> float:
        """The latest the watchdog may fire for this call (its window: ``hard_at`` to this)."""
        return self.hard_at + self.deadline_s * SLACK_FACTOR

    def record(self) -> dict[str, Any]:
        return dict(vars(self))  # its fields are plain values: ``asdict``'s deep copy is not needed


def describe_request(request: Any, redact: Redactor | None = None) -> str | None:
    """A short, redacted text of what was sent: JSON of a model, else its repr; None for nothing."""
    if request is None:
        return None
    try:
        dump = getattr(request, "model_dump_json", None)
        text = dump(exclude_none=True) if callable(dump) else request if isinstance(request, str) else repr(request)
    except Exception:  # a request that cannot even be shown: its type says enough
        text = f"<{type(request).__name__}>"
    if redact:  # before cutting: a secret cut in two would escape the redactor
        text = redact(text)
    if len(text) > _REQUEST_CHARS:
        text = f"{text[:_REQUEST_CHARS]}... ({len(text)} characters)"
    return text


class FlightRecorder:
    """One per worker process: the calls in flight, the current test, the watchdog."""

    def __init__(self, run_dir: Path, worker: str, redact: Redactor | None = None) -> None:
        self.run_dir = run_dir
        self.worker = worker
        self.redact = redact
        self._call_slot = Slot(run_dir / f"{worker}.call.json")
        self._test_slot = Slot(run_dir / f"{worker}.test.json")
        self.trace_path = run_dir / f"{worker}.trace.txt"
        self._trace: IO[str] = self.trace_path.open("w")
        self._lock = threading.Lock()
        self._tokens = itertools.count()
        self._in_flight: dict[int, CallInFlight] = {}
        self._last: CallInFlight | None = None
        self._test: dict[str, Any] | None = None
        self.refused = read_refused(run_dir)
        self._armed_at: float | None = None  # time.monotonic() when the armed watchdog fires; None: not armed
        self._idle_since: float | None = None  # no call in flight since then, with the watchdog still armed
        self._keeper: threading.Thread | None = None
        self._closed = threading.Event()

    def test_started(self, nodeid: str, record: dict[str, Any]) -> None:
        # Fatal signals' stacks to the trace file: set per test because pytest's faulthandler plugin
        # points faulthandler at stderr after the kit configured the worker.
        with self._lock:
            self._last = None  # a death between calls of this test is not an earlier test's call
            faulthandler.enable(file=self._trace, all_threads=True)
            self._forget_arming()
            # Wall-clock time, not monotonic: the scheduling process reads it to give the report of a
            # test that took its worker down the time it really ran (xdist reports 0 s for it).
            self._test = {"nodeid": nodeid, "record": record, "started_at": time.time()}
            self._test_slot.write(self._test)

    def test_ended(self) -> None:
        """After a test's protocol (and pytest's own faulthandler wrapper, which cancels the timer): the next
        call, even the session's last ones (the provider's shutdown), arms it again."""
        with self._lock:
            self._forget_arming()

    def _forget_arming(self) -> None:
        """pytest's faulthandler plugin (``faulthandler_timeout``) arms and cancels the one process-wide timer
        around each test, so what the recorder armed may be gone: with a call in flight, the next publish arms
        it again; with none, it is cancelled now (one cancel per test, not per call)."""
        if self._armed_at is None:
            return
        if self._in_flight:
            self._armed_at = _UNKNOWN
        else:
            self._disarm()

    def call_phase_started(self) -> None:
        """The test's setup is over (its report already sent): a crash from here is charged to the call."""
        with self._lock:
            if self._test is not None:
                self._test = {**self._test, "call_at": time.time()}
                self._test_slot.write(self._test)

    def call_started(self, label: str, request: Any, deadline_s: float) -> int:
        """Record the call and arm the watchdog; never raises (a call without a watchdog beats no call)."""
        call = CallInFlight(label, describe_request(request, self.redact), deadline_s,
                            time.monotonic() + deadline_s * HARD_DEADLINE_FACTOR, time.time())
        with self._lock:
            token = next(self._tokens)
            self._in_flight[token] = call
            if not self._publish():
                del self._in_flight[token]  # not armed for it: it must not arm a later call's watchdog
        return token

    def call_request(self, token: int, request: Any) -> None:
        """What a call sent, once known (an HTTP body arrives after the call started)."""
        with self._lock:
            call = self._in_flight.get(token)
            if call is not None:
                call.request = describe_request(request, self.redact)
                self._publish()

    def call_ended(self, token: int) -> None:
        with self._lock:
            self._last = self._in_flight.pop(token, None) or self._last
            self._publish()

    def end_worker(self, why: str, status: str = "wedged") -> NoReturn:
        """The provider holds the loop (``wedged``) or the memory (``memory``) and cannot be stopped from
        inside: say so, dump the stacks, exit. Nothing here allocates much: it must work at the ceiling."""
        with self._lock:
            calls = [call.record() for call in self._in_flight.values()]
            self._call_slot.write({"status": status, "why": why, "calls": calls[::-1],
                                   "last": self._last.record() if self._last else None})
        faulthandler.dump_traceback(file=self._trace, all_threads=True)
        self._trace.flush()
        os._exit(WEDGED_EXIT_CODE)

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            self._in_flight.clear()
            self._armed_at = None
        faulthandler.cancel_dump_traceback_later()
        if faulthandler.is_enabled():
            faulthandler.disable()
        self._trace.close()
        self._call_slot.close()
        self._test_slot.close()

    def _publish(self) -> bool:
        """Rewrite the call file and keep the watchdog armed inside the window of the calls in flight (from the
        earliest ``hard_at`` to the earliest ``CallInFlight.latest_fire``), re-arming it only when it is not.

        False when it could not (a full disk; no thread left for the watchdog at the memory
        ceiling): the watchdog is then off, never left armed for a call that has ended.
        """
        calls = sorted(self._in_flight.values(), key=lambda call: call.hard_at)
        try:
            self._call_slot.write({"status": "running" if calls else "idle",
                                   "calls": [call.record() for call in reversed(calls)],
                                   "last": self._last.record() if self._last else None})
            now = time.monotonic()
            if calls:
                self._idle_since = None
                # The window: no earlier than the earliest hard deadline, no later than any call's latest fire
                # (an overlapping call with a shorter deadline may end before the earliest one's window).
                latest = min(call.latest_fire for call in calls)
                if self._armed_at is None or not calls[0].hard_at <= self._armed_at <= latest:
                    remaining = max(latest - now, 0.05)
                    faulthandler.dump_traceback_later(remaining, exit=True, file=self._trace)
                    self._armed_at = now + remaining
            elif self._armed_at is not None:
                if self._armed_at - now < _LEFT_ARMED_S or not self._keeper_running():
                    self._disarm()
                else:  # seconds off: the keeper cancels it if no call comes first
                    self._idle_since = now
            return True
        except (OSError, RuntimeError, ValueError, MemoryError):
            self._disarm()
            return False

    def _disarm(self) -> None:
        faulthandler.cancel_dump_traceback_later()
        self._armed_at = self._idle_since = None

    def _keeper_running(self) -> bool:
        """The keeper is alive (started now if it is not); False when no thread can be started (the memory ceiling)."""
        if self._keeper is not None and self._keeper.is_alive():
            return True
        keeper = threading.Thread(target=self._keep, name="llama-conformance-watchdog-keeper", daemon=True)
        try:
            keeper.start()
        except RuntimeError:
            return False
        self._keeper = keeper
        return True

    def _keep(self) -> None:
        """Cancel the watchdog once the worker has been idle for a tick: it was armed for calls that ended."""
        while not self._closed.wait(_KEEPER_TICK_S):
            try:
                with self._lock:
                    idle_since = self._idle_since
                    if idle_since is not None and not self._in_flight and \
                            time.monotonic() - idle_since >= _KEEPER_TICK_S:
                        self._disarm()
            except Exception:  # a MemoryError at the ceiling: the keeper must outlive it, and look again
                continue


class Slot:
    """A file rewritten in place before every call: one ``pwrite`` of a length-prefixed JSON document.

    A write-and-rename costs about 250 us (measured), which the gate would pay twice per call;
    ``pwrite`` costs about 6 us. The length prefix makes a longer earlier document left behind
    the new one harmless, and a process killed during the system call leaves the old or the new.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)

    def write(self, data: Any) -> None:
        body = json.dumps(data).encode()
        os.pwrite(self._fd, b"%010d\n" % len(body) + body, 0)

    def close(self) -> None:
        os.close(self._fd)


def read_slot(path: Path) -> Any:
    """What ``Slot.write`` wrote last, or None."""
    try:
        raw = path.read_bytes()
        size, _, rest = raw.partition(b"\n")
        return json.loads(rest[: int(size)])
    except (OSError, ValueError):
        return None


def read_refused(run_dir: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((run_dir / REFUSED_FILE).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(label): {"check": str(entry.get("check")), "test": str(entry.get("test"))}
            for label, entry in data.items() if isinstance(entry, dict)}


def add_refused(run_dir: Path, label: str, check: str, test: str) -> None:
    """Later workers refuse ``label`` at once: it took a worker down in ``test``, judged under ``check``."""
    refused = read_refused(run_dir)
    refused[label] = {"check": check, "test": test}
    _write_json(run_dir / REFUSED_FILE, refused)


def _write_json(path: Path, data: Any) -> None:
    """Whole or not at all: a worker killed mid-write leaves the previous file, never half of one."""
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(data))
    os.replace(partial, path)
