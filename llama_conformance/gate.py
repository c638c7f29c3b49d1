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

In a worker process (``llama_conformance.isolation``) the gate also tells the worker's
``FlightRecorder`` what it calls, so the watchdog bounds calls that never give control back and
the scheduler can name the call if the process dies; a loop found blocked ends the worker at
once, and the provider is rebuilt in a new one. A provider's ``sys.exit()`` or
``KeyboardInterrupt`` would stop the loop thread for good: it becomes ``ProviderExit``, an
ordinary error of that call.

Suites stay synchronous (``gate.call(...)``), which keeps Hypothesis and pytest simple.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import inspect
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, NoReturn, Protocol, TypeVar, overload

from llama_conformance.call_time import CALL_TIMES
from llama_conformance.engine_checks import NO_HANG
from llama_conformance.errors import CallRefused, GateTimeout, ProviderExit


class CallRecorder(Protocol):
    """What the gate tells the worker's flight recorder (``isolation.recorder.FlightRecorder``) of each call.

    Declared here, so the gate does not depend on the isolation layer built on top of it.
    """

    refused: dict[str, dict[str, str]]  # member label -> {"check": id, "test": where it took a worker down}

    def call_started(self, label: str, request: Any, deadline_s: float) -> int: ...

    def call_request(self, token: int, request: Any) -> None: ...

    def call_ended(self, token: int) -> None: ...

    def end_worker(self, why: str, status: str = "wedged") -> NoReturn: ...

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 30.0
_LOOP_PROBE_S = 1.0
_WIND_DOWN_S = 2.0  # what a provider's leftover tasks get to end once cancelled, at session end


def guard_loop(loop: asyncio.AbstractEventLoop, noted: Callable[[ProviderExit], Any] | None = None) -> None:
    """Make ``SystemExit`` / ``KeyboardInterrupt`` in any task of ``loop`` an ordinary ``ProviderExit``.

    asyncio re-raises both out of ``run_forever``, so a provider's ``sys.exit()`` in a task (its own,
    or one a middleware spawned, as Starlette's ``BaseHTTPMiddleware`` does) would end the loop
    thread and every later call with it. Every task's coroutine is wrapped once, at creation;
    ``noted`` hears of each such exit (a 500 is all an HTTP client would see of it).
    """
    if getattr(loop.get_task_factory(), "guards_exits", False):
        return

    async def guarded(coro: Any) -> Any:
        try:
            return await coro
        except (SystemExit, KeyboardInterrupt) as exc:
            error = ProviderExit(f"provider code raised {type(exc).__name__}({exc}) in a task: a provider must "
                                 "never end the process that serves it; raise an error instead.")
            if noted is not None:
                noted(error)
            raise error from exc

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        task = asyncio.Task(guarded(coro), loop=loop, **kwargs)
        if inspect.iscoroutine(coro):  # a task cancelled before its first step never starts ``guarded``:
            task.add_done_callback(lambda _: coro.close())  # close what it wraps ("never awaited" otherwise)
        return task

    factory.guards_exits = True  # type: ignore[attr-defined]
    loop.set_task_factory(factory)  # type: ignore[arg-type]


def request_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """What a call sent, for the record a crash finding shows: the one argument, else all of them."""
    return kwargs or (args[0] if len(args) == 1 else list(args) or None)


def _ignore_stray_alarms() -> None:
    """Provider code runs on the gate's thread, where ``signal.signal`` raises ``ValueError``; a provider
    that arms ``setitimer`` first and installs its handler second (llama-stack 0.2.14's ``time_limit``,
    providers/utils/scoring/basic_scoring_utils.py:21-22, under its math scorer) leaves a timer whose
    SIGALRM, at its default action, would end the kit's process seconds later. The server runs providers
    on its main thread, where that order works: the alarm is the kit's side effect, so it is ignored."""
    import signal

    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGALRM) == signal.SIG_DFL:
        signal.signal(signal.SIGALRM, signal.SIG_IGN)


class HandOff:
    """One call's trip to the loop thread and back, at about 0.7x the cost of ``run_coroutine_threadsafe``.

    The loop stays on its one thread (providers keep thread-bound state across an ``await``: SQLAlchemy's
    asyncio sessions run on greenlets of that thread). What is saved is around the hop: the coroutine
    starts eagerly (3.12's ``eager_start``) inside the callback that brings it to the loop, so a call that
    never suspends needs no second loop iteration; and the caller waits on a plain lock instead of a
    ``concurrent.futures.Future`` chained to an asyncio one. ``benchmarks/bench_gate.py`` measures it.
    """

    __slots__ = ("_coro", "_done", "_error", "_task", "_value")

    def __init__(self, coro: Coroutine[Any, Any, Any]) -> None:
        self._coro = coro
        self._done = threading.Lock()
        self._done.acquire()
        self._task: asyncio.Task[Any] | None = None
        self._value: Any = None
        self._error: BaseException | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the loop thread: run the coroutine until it first suspends (or ends)."""
        try:
            self._task = task = asyncio.Task(self._coro, loop=loop, eager_start=True)
        except BaseException as exc:  # the caller must hear of it, not wait for its deadline
            self._error = exc
            self._done.release()
            return
        if task.done():
            self._finish(task)
        else:
            task.add_done_callback(self._finish)

    def _finish(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            self._error = concurrent.futures.CancelledError()
        else:
            self._error = task.exception()
            self._value = None if self._error is not None else task.result()
        self._done.release()

    def cancel(self) -> None:
        """On the loop thread, after ``start`` (both are scheduled in order): cancel the call's task."""
        if self._task is not None:
            self._task.cancel()

    def result(self, timeout: float) -> Any:
        """The call's value or its exception; ``concurrent.futures.TimeoutError`` past ``timeout``."""
        if not self._done.acquire(timeout=timeout):
            raise concurrent.futures.TimeoutError
        if self._error is not None:
            raise self._error
        return self._value


class CallGate:
    """Runs provider coroutines on a private loop, each with a deadline."""

    def __init__(self, timeout_s: float = DEFAULT_TIMEOUT_S, name: str = "provider") -> None:
        self.timeout_s = timeout_s
        self.name = name
        _ignore_stray_alarms()
        # What a 500 would hide from the call that caused it: ``sys.exit()`` (``guard_loop``), and a
        # ``MemoryError`` inside an HTTP request (``isolation.asgi_deadline``).
        self.hidden_errors: list[Exception] = []
        # The loop and its thread start with the first call: an isolated run's scheduling process prepares
        # the provider but never calls it, and forks its workers only while it has no thread
        # (``isolation.zygote``).
        self._started: tuple[asyncio.AbstractEventLoop, threading.Thread] | None = None
        self._starting = threading.Lock()
        self._closed = False
        self._timed_out: dict[str, float] = {}
        self._wedged_by: str | None = None
        # Set in a worker process: records each call and arms the hard deadline (``isolation``).
        self.recorder: CallRecorder | None = None

    @overload
    def run(self, label: str, make: Callable[[], Awaitable[T]], timeout_s: float | None = None,
            request: Any = None) -> T: ...

    @overload
    def run(self, label: str, make: Callable[[], T], timeout_s: float | None = None, request: Any = None) -> T: ...

    def run(self, label: str, make: Callable[[], Any], timeout_s: float | None = None, request: Any = None) -> Any:
        """Run ``make()`` on the provider loop; await its result if it is awaitable.

        ``label`` names the member for messages and for the fail-fast memory. ``make`` is
        called on the loop thread too, so a synchronous factory that blocks is also caught.
        ``request`` is what a finding shows if the call takes the worker down.
        """
        limit = self.timeout_s if timeout_s is None else timeout_s
        if self._closed:  # a kit defect, said as such before anything is recorded or created
            raise RuntimeError(f"`{label}` was called through a gate that is already closed")
        self._refuse_if_known_to_hang(label)
        loop = self._loop()

        async def invoke() -> Any:
            try:
                result = make()
                if inspect.isawaitable(result):
                    return await result
                return result
            except (SystemExit, KeyboardInterrupt) as exc:  # would end the loop thread (asyncio re-raises them)
                raise ProviderExit(f"`{label}` raised {type(exc).__name__}({exc}) inside the call: a provider "
                                   "must never end the process that serves it; raise an error instead.") from exc

        recorder = self.recorder
        token = recorder.call_started(label, request, limit) if recorder is not None else None
        trip = HandOff(invoke())
        started = time.perf_counter()
        loop.call_soon_threadsafe(trip.start, loop)
        try:
            return trip.result(timeout=limit)
        except concurrent.futures.TimeoutError:
            loop.call_soon_threadsafe(trip.cancel)
            self._timed_out[label] = limit
            wedged = not self._loop_responds()
            if wedged:
                self._wedged_by = label
                if recorder is not None:  # nothing inside this process can stop it: end the worker
                    recorder.end_worker("synchronous code or a CPU loop inside an async method")
            raise GateTimeout(timeout_message(label, limit, wedged)) from None
        finally:
            # a timed-out call cost its whole limit (and the probe of the loop after it)
            CALL_TIMES.add(label, time.perf_counter() - started)
            if recorder is not None and token is not None:
                recorder.call_ended(token)

    def call(self, label: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call ``func(*args, **kwargs)`` through the gate (see ``run``)."""
        return self.run(label, lambda: func(*args, **kwargs), request=request_of(args, kwargs))

    def close(self) -> None:
        """End the loop as ``asyncio.run`` does: cancel what the provider left running, finish its
        unfinished async generators, stop, close. A wedged loop is abandoned (its thread is a daemon).

        Stopping alone left the provider's pending tasks (a stream's cleanup, a client's background
        refresh) on a loop the garbage collector closed later: their first step was dropped with a
        "coroutine ... was never awaited" warning, and their ``finally`` blocks never ran. Each stage
        is bounded, so a provider that ignores cancellation costs ``_WIND_DOWN_S`` at most."""
        if self._started is None:
            self._closed = True
            return
        if self._wedged_by is not None or not self._started[0].is_running():
            return
        loop, thread = self._started
        wind_down = asyncio.run_coroutine_threadsafe(_cancel_leftovers(_WIND_DOWN_S), loop)
        with contextlib.suppress(Exception):  # a provider's task that fails while cancelled is not the kit's
            wind_down.result(timeout=_WIND_DOWN_S + _LOOP_PROBE_S)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=_LOOP_PROBE_S)
        if not thread.is_alive():
            loop.close()
            self._closed = True

    def _loop(self) -> asyncio.AbstractEventLoop:
        """The gate's loop, running on its own thread from the first call on."""
        started = self._started
        if started is None:
            with self._starting:
                if self._started is None:
                    loop = asyncio.new_event_loop()
                    guard_loop(loop, self.hidden_errors.append)
                    thread = threading.Thread(target=loop.run_forever, name=f"llama-conformance-{self.name}",
                                              daemon=True)
                    thread.start()
                    self._started = (loop, thread)
                started = self._started
        return started[0]

    def _refuse_if_known_to_hang(self, label: str) -> None:
        refused = self.recorder.refused.get(label) if self.recorder is not None else None
        if refused:
            raise CallRefused(f"Not called: `{label}` took down an earlier worker process in this run "
                              f"({refused['check']} in {refused['test']}), so the kit does not call it again.",
                              refused["check"])
        if self._wedged_by is not None:
            raise GateTimeout(
                f"Not called: the provider blocked its event loop during `{self._wedged_by}` "
                "and never released it, so no further call can run. Look for blocking "
                "(synchronous) I/O or sleep inside an async method."
            )
        if label in self._timed_out:
            raise CallRefused(
                f"Not called: `{label}` already exceeded the {self._timed_out[label]:g} s "
                "timeout once in this run, so the kit fails it at once instead of waiting again.",
                NO_HANG.id,
            )

    def _loop_responds(self) -> bool:
        probe = asyncio.run_coroutine_threadsafe(asyncio.sleep(0), self._loop())
        try:
            probe.result(timeout=_LOOP_PROBE_S)
            return True
        except concurrent.futures.TimeoutError:
            return False


async def _cancel_leftovers(limit_s: float) -> None:
    """On the gate's loop: cancel every task but this one and wait (``limit_s`` at most) for them and
    for the async generators left open (a stream the test stopped reading) to finish."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s  # one budget for both stages
    leftovers = asyncio.all_tasks(loop) - {asyncio.current_task(loop)}
    for task in leftovers:
        task.cancel()
    if leftovers:
        done, _ = await asyncio.wait(leftovers, timeout=limit_s)
        for task in done:  # read, so none is logged later as "exception was never retrieved"
            if not task.cancelled():
                task.exception()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(loop.shutdown_asyncgens(), timeout=max(deadline - loop.time(), 0.05))


def timeout_message(label: str, limit: float, wedged: bool = False, how: str = "") -> str:
    """What a call past the deadline is told: the gate's, or the kit's server's 504 (``how`` says which)."""
    how = how or ("and blocked the event loop (synchronous code inside an async method)" if wedged
                  else "without returning")
    return (f"`{label}` ran for {limit:g} s {how}. A provider must answer or fail within "
            "the timeout; raise the limit with --llama-timeout if the call is legitimately slow.")
