"""The worker's flight recorder arms its watchdog only when it must, and never ends an idle worker.

``faulthandler``'s watchdog costs a thread start to arm and a join to cancel, so the recorder keeps it
armed inside the window of the earliest deadline in flight (1.5x to 1.75x the deadline) and leaves a
finished call's watchdog to the keeper thread. These tests hold the three promises that makes: back to
back calls do not re-arm it, the armed time is always inside the earliest call's window, and a worker
left idle is disarmed before the watchdog could fire for a call that has ended.
"""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import pytest

from llama_conformance.isolation import recorder as recorder_module
from llama_conformance.isolation.recorder import FlightRecorder


class FakeWatchdog:
    """``faulthandler``'s watchdog calls, on a clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.armed_at: float | None = None
        self.arms = 0
        self.cancels = 0

    def monotonic(self) -> float:
        return self.now

    def arm(self, timeout: float, **_: object) -> None:
        self.armed_at = self.now + timeout
        self.arms += 1

    def cancel(self) -> None:
        self.armed_at = None
        self.cancels += 1


@pytest.fixture
def watchdog(monkeypatch: pytest.MonkeyPatch) -> FakeWatchdog:
    fake = FakeWatchdog()
    monkeypatch.setattr(recorder_module, "time", types.SimpleNamespace(monotonic=fake.monotonic, time=time.time))
    monkeypatch.setattr(recorder_module.faulthandler, "dump_traceback_later", fake.arm)
    monkeypatch.setattr(recorder_module.faulthandler, "cancel_dump_traceback_later", fake.cancel)
    for name in ("enable", "disable"):  # the test process's own faulthandler (pytest's) stays as it is
        monkeypatch.setattr(recorder_module.faulthandler, name, lambda *_, **__: None)
    monkeypatch.setattr(recorder_module, "_KEEPER_TICK_S", 3600.0)  # the keeper is tested on a real clock below
    return fake


def test_back_to_back_calls_arm_the_watchdog_once(watchdog: FakeWatchdog, tmp_path: Path) -> None:
    recorder = FlightRecorder(tmp_path, "gw0")
    for _ in range(200):
        recorder.call_ended(recorder.call_started("skills.get_skill", {"skill_id": "s"}, 30.0))
        watchdog.now += 0.001
    assert watchdog.arms == 1 and watchdog.cancels == 0
    watchdog.now += 30.0 * recorder_module.SLACK_FACTOR  # a quarter deadline later the window has moved on
    recorder.call_ended(recorder.call_started("skills.get_skill", None, 30.0))
    assert watchdog.arms == 2
    recorder.close()


def test_each_test_arms_the_watchdog_at_its_first_call(watchdog: FakeWatchdog, tmp_path: Path) -> None:
    """pytest's faulthandler plugin (``faulthandler_timeout``) cancels the one timer at each test's end: the
    recorder must not take the watchdog for armed in the next test."""
    recorder = FlightRecorder(tmp_path, "gw0")
    for test in range(3):
        recorder.test_started(f"test_{test}", {})
        watchdog.cancel()  # as pytest's plugin does around each test
        for _ in range(5):
            recorder.call_ended(recorder.call_started("skills.get_skill", None, 30.0))
        assert watchdog.armed_at is not None, test
    assert watchdog.arms == 3
    recorder.close()


def test_the_watchdog_is_always_inside_the_earliest_calls_window(watchdog: FakeWatchdog, tmp_path: Path) -> None:
    """Nested and overlapping calls of different deadlines, started and ended in a random order: whenever a
    call is in flight, the watchdog fires no earlier than 1.5x and no later than 1.75x the earliest deadline."""
    recorder = FlightRecorder(tmp_path, "gw0")
    drawn = random.Random(7)
    open_calls: dict[int, tuple[float, float]] = {}  # token -> (earliest fire, latest fire)
    for _ in range(2_000):
        watchdog.now += drawn.choice([0.0, 0.01, 0.5, 3.0])
        for token, (earliest, _latest) in list(open_calls.items()):
            if earliest <= watchdog.now:  # a real worker's call ends before this, or the watchdog ends the worker
                recorder.call_ended(token)
                del open_calls[token]
        if open_calls and drawn.random() < 0.5:
            token = drawn.choice(list(open_calls))
            recorder.call_ended(token)
            del open_calls[token]
        else:
            deadline = drawn.choice([0.3, 4.0, 30.0, 120.0])
            token = recorder.call_started(f"member-{deadline}", None, deadline)
            open_calls[token] = (watchdog.now + 1.5 * deadline, watchdog.now + 1.75 * deadline)
        if open_calls:
            earliest = min(first for first, _ in open_calls.values())
            latest = min(last for _, last in open_calls.values())  # a shorter overlapping deadline's window ends first
            assert watchdog.armed_at is not None
            assert earliest - 1e-6 <= watchdog.armed_at <= latest + 1e-6, (earliest, watchdog.armed_at, latest)
    assert watchdog.arms < 2_000 * 0.6  # it was spared more often than not
    recorder.close()


def test_a_call_that_ends_near_its_watchdog_cancels_it_at_once(watchdog: FakeWatchdog, tmp_path: Path) -> None:
    """Left armed, a watchdog seconds away could fire before the keeper's next look: the call cancels it."""
    recorder = FlightRecorder(tmp_path, "gw0")
    recorder.call_ended(recorder.call_started("short", None, 1.0))
    assert watchdog.armed_at is None and watchdog.cancels == 1
    token = recorder.call_started("slow", None, 30.0)
    watchdog.now += 48.0  # past 1.5x its deadline, inside the window before the watchdog fires
    recorder.call_ended(token)
    assert watchdog.armed_at is None
    recorder.close()


def test_a_shorter_call_started_beside_a_long_one_is_watched_within_its_own_window(watchdog: FakeWatchdog,
                                                                                    tmp_path: Path) -> None:
    recorder = FlightRecorder(tmp_path, "gw0")
    recorder.call_started("POST /v1/chat/completions", None, 30.0)  # still in flight, past its soft deadline
    watchdog.now += 38.0
    recorder.call_started("inference.openai_chat_completion", None, 5.0)
    assert watchdog.armed_at is not None and watchdog.armed_at <= watchdog.now + 5.0 * 1.75 + 1e-6
    recorder.close()


def test_no_watchdog_is_left_armed_without_someone_to_cancel_it(watchdog: FakeWatchdog, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Across a test's end (a call still in flight, or the worker idle), and where no keeper thread can start,
    the watchdog a finished call armed is cancelled: an idle worker would otherwise be ended, blamed on that call."""
    recorder = FlightRecorder(tmp_path, "gw0")
    token = recorder.call_started("stream", None, 30.0)
    recorder.test_ended()  # the call outlives its test (a stream's cleanup on the loop)
    recorder.call_ended(token)
    assert watchdog.armed_at is None
    recorder.call_ended(recorder.call_started("files.openai_list_files", None, 30.0))
    assert watchdog.armed_at is not None  # left for the keeper
    recorder.test_ended()
    assert watchdog.armed_at is None  # the test's end cancels it
    monkeypatch.setattr(recorder_module, "_KEEPER_TICK_S", 0.01)
    recorder.close()  # its keeper ends
    recorder = FlightRecorder(tmp_path, "gw1")

    def refused(*_: object) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(recorder_module.threading.Thread, "start", refused)
    recorder.call_ended(recorder.call_started("files.openai_list_files", None, 30.0))
    assert watchdog.armed_at is None  # no keeper: the call cancels it itself
    recorder.close()


_IDLE_WORKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from llama_conformance.isolation import recorder as module
    module._LEFT_ARMED_S, module._KEEPER_TICK_S = 0.5, 0.1
    recorder = module.FlightRecorder(Path(sys.argv[1]), "gw0")
    print(time.monotonic(), flush=True)  # the call's start, on the clock the test reads too
    token = recorder.call_started("inference.openai_chat_completion", None, 1.0)  # watchdog at 1.5-1.75 s
    if sys.argv[2] == "ends":
        recorder.call_ended(token)
    time.sleep(3.0)
    print("alive", flush=True)
""")


@pytest.mark.parametrize("call", ["ends", "hangs"])
def test_an_idle_worker_lives_and_a_stuck_call_is_ended(call: str, tmp_path: Path) -> None:
    """On a real clock and the real ``faulthandler``: a call that ended leaves its watchdog armed (seconds
    off), and the keeper cancels it before it fires, so the worker lives; a call that never ends is ended
    by the watchdog inside its window, with every thread's stack in the trace file."""
    done = subprocess.run([sys.executable, "-c", _IDLE_WORKER, str(tmp_path), call], capture_output=True, text=True,
                          timeout=60, check=False)
    took = time.monotonic() - float(done.stdout.split()[0])  # CLOCK_MONOTONIC: one clock for the whole machine
    trace = (tmp_path / "gw0.trace.txt").read_text()
    if call == "ends":
        assert done.returncode == 0 and "alive" in done.stdout, (done.returncode, done.stderr, trace)
    else:
        assert done.returncode != 0 and "alive" not in done.stdout, (done.returncode, done.stdout)
        assert trace.lstrip().startswith("Timeout ("), trace
        assert 1.5 <= took < 2.5, took  # 1.5-1.75 s after the call began (the rest: the process's exit)
