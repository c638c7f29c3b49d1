"""The one gate every call into provider code goes through, with a timeout.

Provider coroutines run on an event loop in a daemon thread owned by the gate; tests wait
on the result with a deadline. That buys three things ``asyncio.wait_for`` in the test's
own loop cannot:

* a provider that blocks its loop synchronously (``time.sleep`` inside ``async def``, a
  blocking socket) still times out, because the waiting side is another thread;
* after one timeout of a member, later calls to that member fail at once, so a hanging
  provider costs one timeout per member, not one per Hypothesis example;
* if the loop itself is wedged, every later call fails at once with that diagnosis, and
  the daemon thread never keeps the test process alive.

Suites stay synchronous (``gate.call(...)``), which keeps Hypothesis and pytest simple.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

from llama_conformance.errors import GateTimeout

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 30.0
_LOOP_PROBE_S = 1.0


class CallGate:
    """Runs provider coroutines on a private loop, each with a deadline."""

    def __init__(self, timeout_s: float = DEFAULT_TIMEOUT_S, name: str = "provider") -> None:
        self.timeout_s = timeout_s
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name=f"llama-conformance-{name}", daemon=True
        )
        self._thread.start()
        self._timed_out: dict[str, float] = {}
        self._wedged_by: str | None = None

    @overload
    def run(self, label: str, make: Callable[[], Awaitable[T]], timeout_s: float | None = None) -> T: ...

    @overload
    def run(self, label: str, make: Callable[[], T], timeout_s: float | None = None) -> T: ...

    def run(self, label: str, make: Callable[[], Any], timeout_s: float | None = None) -> Any:
        """Run ``make()`` on the provider loop; await its result if it is awaitable.

        ``label`` names the member for messages and for the fail-fast memory. ``make`` is
        called on the loop thread too, so a synchronous factory that blocks is also caught.
        """
        limit = self.timeout_s if timeout_s is None else timeout_s
        self._refuse_if_known_to_hang(label)

        async def invoke() -> Any:
            result = make()
            if inspect.isawaitable(result):
                return await result
            return result

        future = asyncio.run_coroutine_threadsafe(invoke(), self._loop)
        try:
            return future.result(timeout=limit)
        except concurrent.futures.TimeoutError:
            future.cancel()
            self._timed_out[label] = limit
            wedged = not self._loop_responds()
            if wedged:
                self._wedged_by = label
            raise GateTimeout(self._timeout_message(label, limit, wedged)) from None

    def call(self, label: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call ``func(*args, **kwargs)`` through the gate (see ``run``)."""
        return self.run(label, lambda: func(*args, **kwargs))

    def close(self) -> None:
        """Stop the loop; a wedged loop is abandoned (its thread is a daemon)."""
        if self._wedged_by is None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=_LOOP_PROBE_S)

    def _refuse_if_known_to_hang(self, label: str) -> None:
        if self._wedged_by is not None:
            raise GateTimeout(
                f"Not called: the provider blocked its event loop during `{self._wedged_by}` "
                "and never released it, so no further call can run. Look for blocking "
                "(synchronous) I/O or sleep inside an async method."
            )
        if label in self._timed_out:
            raise GateTimeout(
                f"Not called: `{label}` already exceeded the {self._timed_out[label]:g} s "
                "timeout once in this run, so the kit fails it at once instead of waiting again."
            )

    def _loop_responds(self) -> bool:
        probe = asyncio.run_coroutine_threadsafe(asyncio.sleep(0), self._loop)
        try:
            probe.result(timeout=_LOOP_PROBE_S)
            return True
        except concurrent.futures.TimeoutError:
            return False

    @staticmethod
    def _timeout_message(label: str, limit: float, wedged: bool) -> str:
        how = (
            "and blocked the event loop (synchronous code inside an async method)"
            if wedged
            else "without returning"
        )
        return (
            f"`{label}` ran for {limit:g} s {how}. A provider must answer or fail within "
            "the timeout; raise the limit with --llama-timeout if the call is legitimately slow."
        )
