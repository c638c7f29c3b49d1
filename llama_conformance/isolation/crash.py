"""Turn what a dead worker left behind into a finding that names the method and the request.

Read in the scheduling process when pytest-xdist reports a worker gone (``recorder`` wrote
the files). How it ended decides the check:

* the worker ended itself over a blocked event loop, or the watchdog fired: ``call.no-hang``
  (the provider never gave control back within the deadline);
* a fatal signal (faulthandler wrote "Fatal Python error: Segmentation fault"), or an end with
  no Python error at all (``os._exit``, SIGKILL, the kernel's OOM killer): ``call.no-crash``.

The stack lines that belong to neither the kit nor the standard library say where the
provider was.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llama_conformance.checks import Finding, finding
from llama_conformance.engine_checks import NO_CRASH, NO_HANG, RESOURCE_BOUND
from llama_conformance.isolation.recorder import HARD_DEADLINE_FACTOR, read_slot
from llama_conformance.redact import Redactor

_FATAL = re.compile(r"Fatal Python error: ([^\n]+)")
_FRAME = re.compile(r'File "([^"]+)", line (\d+) in (\S+)')
_THREAD = re.compile(r"(Current thread|Thread) 0x[0-9a-f]+")  # faulthandler's heading of each thread's stack
# A frame of the forked worker's start (``isolation.zygote``): what lies below it is the scheduler's stack.
_WORKER_START = re.compile(r'[/\\]llama_conformance[/\\]isolation[/\\]zygote\.py", line')
# Frames that say nothing about the provider: the kit, the interpreter's machinery, the test runner.
_NOT_PROVIDER = re.compile(
    r"[/\\](llama_conformance|asyncio|threading|concurrent|selectors|_pytest|pluggy|xdist|execnet|anyio|"
    r"starlette|fastapi|httpx|hypothesis|schemathesis|contextlib|runpy)[/\\.]"
)


@dataclass
class WorkerRemains:
    """What a worker wrote before it died."""

    nodeid: str | None = None
    record: dict[str, Any] | None = None
    status: str = "idle"
    calls: list[dict[str, Any]] = field(default_factory=list)
    last: dict[str, Any] | None = None
    why: str | None = None
    trace: str = ""
    error: str | None = None  # what xdist saw end the worker, e.g. "MemoryError: ..."
    started_at: float | None = None  # time.time() when the test's setup began
    call_at: float | None = None  # time.time() when its call phase began (None: it died in setup)

    @property
    def call(self) -> dict[str, Any] | None:
        """The call to blame: when the watchdog fired, the one whose deadline it was (the earliest);
        else the innermost in flight (the latest deadline); else the last one that ran."""
        if self.calls and self.watchdog_fired:
            return min(self.calls, key=lambda call: float(call.get("hard_at", 0.0)))
        return self.calls[0] if self.calls else self.last

    @property
    def watchdog_fired(self) -> bool:
        return self.trace.lstrip().startswith("Timeout (")


def read_remains(run_dir: Path, worker: str) -> WorkerRemains:
    remains = WorkerRemains()
    test = _as_dict(read_slot(run_dir / f"{worker}.test.json"))
    if test:
        remains.nodeid, remains.record = test.get("nodeid"), test.get("record")
        remains.started_at, remains.call_at = _time(test.get("started_at")), _time(test.get("call_at"))
    call = _as_dict(read_slot(run_dir / f"{worker}.call.json"))
    if call:
        remains.status = str(call.get("status", "idle"))
        remains.calls = list(call.get("calls") or [])
        remains.last = call.get("last")
        remains.why = call.get("why")
    with contextlib.suppress(OSError):
        remains.trace = (run_dir / f"{worker}.trace.txt").read_text(errors="replace")
    return remains


def _time(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _worker_frames(trace: str) -> str:
    """Each thread's stack without what lies below a forked worker's start (``zygote.become_worker``):
    those frames are the scheduling process's, where the worker was forked, never the provider's."""
    kept, below_worker = [], False
    for line in trace.splitlines():
        if _THREAD.match(line):
            below_worker = False
        elif _WORKER_START.search(line):
            below_worker = True
        if not below_worker:
            kept.append(line)
    return "\n".join(kept)


def provider_frames(trace: str, most: int = 3) -> list[str]:
    """The innermost stack lines outside the kit and the standard machinery, innermost first."""
    frames = []
    for path, line, function in _FRAME.findall(_worker_frames(trace)):
        standard_library = "/lib/python3" in path and "site-packages" not in path
        if path.startswith("<") or _NOT_PROVIDER.search(path) or standard_library:
            continue
        text = f"{path}:{line} in {function}"
        if text not in frames:
            frames.append(text)
        if len(frames) == most:
            break
    return frames


def crash_finding(remains: WorkerRemains, redact: Redactor | None = None) -> Finding:
    """The finding of a worker that died with these remains: the check its way of dying broke."""
    call = remains.call or {}
    label = call.get("label") or "an unknown member"
    deadline = call.get("deadline_s")
    request = call.get("request")
    fatal = _FATAL.search(remains.trace)
    if remains.status == "wedged":
        check_id = NO_HANG.id
        what = (f"`{label}` ran past the {deadline:g} s deadline and kept the provider's event loop blocked "
                f"({remains.why or 'synchronous code inside an async method'}), so the kit ended the worker "
                "process that ran it")
    elif remains.watchdog_fired:
        check_id = NO_HANG.id
        what = (f"`{label}` did not give control back for {deadline * HARD_DEADLINE_FACTOR:g} s or more "
                f"({HARD_DEADLINE_FACTOR:g} x the {deadline:g} s "
                "deadline): code that never yields, such as a loop in C holding the GIL, so the kit's "
                "watchdog ended the worker process that ran it") if deadline else \
            f"`{label}` never gave control back, so the kit's watchdog ended the worker process that ran it"
    elif remains.status == "memory" or (remains.error and "MemoryError" in remains.error):
        check_id = RESOURCE_BOUND.id
        what = (f"the worker process ran out of memory during `{label}`: the provider filled the memory ceiling "
                "(--llama-memory-limit) and the process could not go on")
    elif fatal:
        check_id = NO_CRASH.id
        what = f"`{label}` crashed the process that ran it: {fatal.group(1).strip()}"
    elif remains.calls:
        check_id = NO_CRASH.id
        what = (f"the process that ran `{label}` ended during the call without a Python error: os._exit(), "
                "a signal such as SIGKILL, or the kernel's out-of-memory killer")
    else:
        check_id = NO_CRASH.id
        what = ("the worker process ended between calls without a Python error (a thread the provider "
                f"started, a finalizer, os._exit); the last call was `{label}`")
    parts = [what + "."]
    if request:
        parts.append(f"Request: {request}")
    frames = provider_frames(remains.trace)
    if frames:
        parts.append("Where: " + "; ".join(frames))
    parts.append("A server process would have gone down with it and every client's request with it: the "
                 "provider must bound and fail the call itself. The kit rebuilt the provider in a new worker "
                 "and ran the remaining tests; later calls of this member were not made.")
    text = " ".join(parts)
    if redact:
        text = redact(text)
    return finding(check_id, text)


def _as_dict(data: Any) -> dict[str, Any] | None:
    return data if isinstance(data, dict) else None
