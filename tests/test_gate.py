"""The call gate: deadlines hold even for blocking code, and a hang costs one timeout per member."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from typing import Any

import pytest

from llama_conformance.errors import GateTimeout
from llama_conformance.gate import CallGate


async def _value() -> int:
    return 7


async def _hang() -> None:
    await asyncio.sleep(3600)


def test_results_come_back() -> None:
    gate = CallGate(timeout_s=2)
    assert gate.call("value", _value) == 7
    gate.close()


def test_member_that_timed_out_once_fails_at_once_afterwards() -> None:
    gate = CallGate(timeout_s=0.3)
    entered: list[str] = []

    async def hang() -> None:
        entered.append("hang")
        await _hang()

    with pytest.raises(GateTimeout, match=r"ran for 0\.3 s without returning"):
        gate.call("files.openai_list_files", hang)
    with pytest.raises(GateTimeout, match="already exceeded"):
        gate.call("files.openai_list_files", hang)
    assert entered == ["hang"]  # the second call never reached the provider, so it waited for nothing
    assert gate.call("other", _value) == 7  # other members still run
    gate.close()


def test_blocked_loop_is_diagnosed_and_later_calls_fail_fast() -> None:
    gate = CallGate(timeout_s=0.3)

    async def block() -> None:
        time.sleep(2)

    with pytest.raises(GateTimeout, match="blocked the event loop"):
        gate.call("block", block)
    started = time.monotonic()
    with pytest.raises(GateTimeout, match="blocked its event loop during `block`"):
        gate.call("other", _value)
    assert time.monotonic() - started < 0.25  # not another 0.3 s timeout (a loaded machine may lose 0.1 s)


def test_timer_armed_on_the_call_thread_does_not_end_the_process() -> None:
    """A provider that arms ``setitimer`` on the gate's thread, where its ``signal.signal`` is refused
    (llama-stack 0.2.14's scoring ``time_limit``), leaves a SIGALRM the kit ignores: the run goes on."""
    import signal

    gate = CallGate(timeout_s=2)

    async def arm_then_install() -> str:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        try:
            signal.signal(signal.SIGALRM, lambda *_: None)
        except ValueError as exc:  # not the main thread: the timer stays armed
            return str(exc)
        return "installed"

    assert "main thread" in gate.run("time_limit", arm_then_install)
    time.sleep(0.2)  # the alarm has fired: at SIGALRM's default action this process would be gone
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_IGN


def test_close_ends_what_the_provider_left_running() -> None:
    """A provider's background task (a client's refresh loop spawning work each turn, a stream's cleanup)
    is cancelled at close and runs its ``finally``; none is dropped unstarted, which Python reports as
    "coroutine ... was never awaited" when the abandoned loop is collected (seen in ogx's ollama adapter)."""
    import gc
    import warnings

    gate = CallGate(timeout_s=2)
    ended: list[str] = []

    async def chore() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            ended.append("chore")

    spawned = threading.Event()

    async def spawner() -> None:
        try:
            for turn in itertools.count():  # always one task just created, its first step not yet run
                asyncio.get_running_loop().create_task(chore())
                if turn == 2:
                    spawned.set()
                await asyncio.sleep(0)
        finally:
            ended.append("spawner")

    async def start_background() -> None:
        asyncio.get_running_loop().create_task(spawner())

    gate.run("start", start_background)
    assert spawned.wait(10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gate.close()
        gc.collect()
    assert "spawner" in ended and ended.count("chore") > 1, ended[:5]
    never_awaited = [str(w.message) for w in caught if "never awaited" in str(w.message)]
    assert not never_awaited, never_awaited


def test_close_is_bounded_when_a_task_ignores_cancellation() -> None:
    """A task that ignores cancellation has the wind-down's budget, on the loop; the open stream beside it is
    still closed within it (were the budget only the caller's wait, the stream's close would never come)."""
    gate = CallGate(timeout_s=2)
    released: list[str] = []

    async def stubborn() -> None:
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                continue

    async def chunks() -> Any:
        try:
            while True:
                yield 0
        finally:
            released.append("connection")

    async def start_background() -> Any:
        asyncio.get_running_loop().create_task(stubborn())
        stream = chunks()
        await stream.__anext__()
        return stream

    stream = gate.run("start", start_background)
    started = time.monotonic()
    gate.close()
    assert time.monotonic() - started < 4.5
    assert released == ["connection"], stream


def test_a_call_after_close_is_refused_at_once() -> None:
    gate = CallGate(timeout_s=2)
    gate.close()
    with pytest.raises(RuntimeError, match="already closed"):
        gate.call("files.openai_list_files", _value)


def test_close_finishes_a_stream_left_open() -> None:
    """A stream the test stopped reading (an async generator suspended at its first chunk) is closed at
    the end, so its ``finally`` (the provider's connection release) runs before the loop is gone."""
    gate = CallGate(timeout_s=2)
    released: list[str] = []

    async def chunks() -> Any:
        try:
            for number in itertools.count():
                yield number
                await asyncio.sleep(0)
        finally:
            released.append("connection")

    async def first_chunk_only() -> Any:
        stream = chunks()
        assert await stream.__anext__() == 0
        return stream

    stream = gate.run("stream", first_chunk_only)  # kept alive here: only the loop's shutdown can close it
    gate.close()
    assert released == ["connection"], stream
