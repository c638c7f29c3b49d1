"""The isolation worker is forked from the scheduler's zygote (issue 18), and is still a process of its own.

* an isolated run's worker is a fork, with the outcome and the findings of a fresh interpreter's worker;
  ``LLAMA_CONFORMANCE_WORKER_START=fresh``, a scheduler that runs a thread and one with ``PYTHONHOME`` set get
  fresh workers;
* when the scheduler is killed, or the terminal's Ctrl-C ends the run, neither the zygote nor the worker
  outlives it; after a run, nothing is left;
* without a zygote to answer, the client stands in as the fresh interpreter execnet asked for;
* a crash finding's "Where" holds the worker's frames, never the scheduler's it was forked below.
(``tests/test_isolation.py`` runs every way of breaking the worker, crashes and restarts included, through it.)
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests_support import command_line, stat_fields

from llama_conformance.isolation import zygote
from llama_conformance.isolation.crash import provider_frames

pytestmark = pytest.mark.xdist_group("isolation")

ISOLATED = ["--llama-provider=inline::kit-files", "--llama-isolation=process", "-m", "structural",
            "-p", "no:asyncio", "-p", "no:randomly"]

# Each process of the run says who it is: the scheduler, and the worker (forked or not, and its parent).
WHO_RUNS = """
import os, threading, time
from pathlib import Path

from llama_conformance.isolation import zygote

IMPORTED_BY = os.getpid()  # a worker imports its conftests itself, as a fresh interpreter does

if os.environ.get("START_A_THREAD"):
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()


class Hold:  # registered as a plugin: a conftest's own per-test hooks cover only its folder
    def pytest_runtest_call(self, item):
        Path("holding.txt").write_text(str(os.getpid()))


def stacks_on_sigusr2(role):  # SIGUSR2 writes every thread's stack to stacks-<role>.txt, for a run that hangs
    if os.environ.get("HOLD_THE_WORKER"):
        import faulthandler, signal
        faulthandler.register(signal.SIGUSR2, file=open(f"stacks-{role}.txt", "w"), all_threads=True)


def pytest_configure(config):
    if hasattr(config, "workerinput"):
        Path(f"worker-{os.getpid()}.txt").write_text(f"{zygote.forked_worker} {os.getppid()} "
                                                     f"{IMPORTED_BY == os.getpid()}")
        stacks_on_sigusr2(f"worker-{os.getpid()}")
        if os.environ.get("HOLD_THE_WORKER"):
            config.pluginmanager.register(Hold())
    else:
        Path("scheduler.txt").write_text(str(os.getpid()))
        stacks_on_sigusr2("scheduler")
"""


def _workers(where: Path) -> list[tuple[str, int]]:
    seen = []
    for path in sorted(where.glob("worker-*.txt")):
        forked, parent, imported_here = path.read_text().split()
        assert imported_here == "True", path.read_text()
        seen.append((forked, int(parent)))
    return seen


@pytest.mark.parametrize("start", ["fork", "fresh"])
def test_an_isolated_runs_worker_is_forked_unless_told_otherwise(pytester: pytest.Pytester, start: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(zygote.START_ENV, start)
    pytester.makeconftest(WHO_RUNS)
    result = pytester.runpytest_subprocess(*ISOLATED)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["*6 passed*"])
    scheduler = int((pytester.path / "scheduler.txt").read_text())
    [(forked, parent)] = _workers(pytester.path)
    if start == "fork":  # the worker's parent is the zygote, a child of the scheduler
        assert forked == "True" and parent != scheduler, (forked, parent, scheduler)
    else:
        assert forked == "False", forked


def test_a_deep_temporary_folder_still_forks(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """The zygote's socket lives in the run's folder under ``TMPDIR``, whose path may be longer than a socket's
    address can hold (107 bytes): it is bound and reached by its name inside that folder."""
    deep = pytester.path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    monkeypatch.setenv("TMPDIR", str(deep))
    monkeypatch.setenv(zygote.START_ENV, "fork")
    pytester.makeconftest(WHO_RUNS)
    result = pytester.runpytest_subprocess(*ISOLATED)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert [forked for forked, _ in _workers(pytester.path)] == ["True"]


def test_a_scheduler_running_a_thread_starts_a_fresh_worker(pytester: pytest.Pytester,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A fork keeps only the forking thread: a scheduler that runs another one (here the conftest's, started at
    import) does not fork, and the run is the same."""
    monkeypatch.setenv("START_A_THREAD", "1")
    pytester.makeconftest(WHO_RUNS)
    result = pytester.runpytest_subprocess(*ISOLATED)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert [forked for forked, _ in _workers(pytester.path)] == ["False"]


def test_a_pythonhome_starts_a_fresh_worker(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fork client runs isolated (``-I``), which ignores ``PYTHONHOME``: an interpreter that needs it to find
    its standard library could not start the client, so a scheduler with it set starts a fresh worker, which
    honours it (here the interpreter's own home, so both ways would start: the run is the same)."""
    monkeypatch.setenv(zygote.START_ENV, "fork")
    monkeypatch.setenv("PYTHONHOME", sys.base_prefix)
    why = zygote.why_not_fork()
    assert why is not None and "PYTHONHOME" in why
    pytester.makeconftest(WHO_RUNS)
    result = pytester.runpytest_subprocess(*ISOLATED)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert [forked for forked, _ in _workers(pytester.path)] == ["False"]


def _hung_processes(session: int, where: Path) -> str:
    """Every process of the run's session still there (state, kernel wait channel, ignored signals, command line),
    and the Python stacks the scheduler (the session's leader) and the worker write on SIGUSR2 (the conftest's
    ``stacks_on_sigusr2``)."""
    lines = []
    for entry in Path("/proc").iterdir():
        fields = stat_fields(entry.name) if entry.name.isdigit() else None
        if fields is None or int(fields[3]) != session:  # proc(5) field 6: the session id
            continue
        with contextlib.suppress(OSError, StopIteration):
            ignored = next(line.split()[1] for line in (entry / "status").read_text().splitlines()
                           if line.startswith("SigIgn:"))  # bit 2 (0x2): SIGINT ignored
            lines.append(f"pid {entry.name} ppid {fields[1]} state {fields[0]} wchan {(entry / 'wchan').read_text()} "
                         f"ignores {ignored}: {command_line(int(entry.name))[:160]}")
    for pid in {session, *(int(path.stem.split("-")[1]) for path in where.glob("worker-*.txt"))}:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGUSR2)
    time.sleep(1)
    stacks = [f"--- {path.name}\n{path.read_text()[:6000]}" for path in sorted(where.glob("stacks-*.txt"))]
    return "\n".join([*lines, *stacks])


def _ended(pid: int) -> bool:
    fields = stat_fields(pid)
    # a zombie has ended; only its parent (init, now) has not read its status
    return fields is None or fields[0] in ("Z", "X")


def _scratch(pytester: pytest.Pytester) -> Path:
    """The temporary folder of a run this test kills: what a SIGKILL leaves (the run's folder, the worker's
    provider folder) stays in the test's own folder, not in the machine's /tmp."""
    scratch = pytester.path / "tmp"
    scratch.mkdir(exist_ok=True)
    return scratch


def test_nothing_outlives_a_killed_scheduler(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """The worker spins in C holding the GIL (no thread of it can notice its pipes close) under a deadline of
    minutes: the zygote sees its scheduler die and ends it, then itself."""
    pytester.makeconftest(WHO_RUNS)
    env = {**os.environ, "HOLD_THE_WORKER": "1", zygote.START_ENV: "fork", "TMPDIR": str(_scratch(pytester))}
    log = (tmp_path / "out.txt").open("w")
    spinning = ["--llama-provider-module=llama_conformance_fixtures.broken", "--llama-isolation=process",
                "--llama-provider=inline::broken-isolation-cpu-spin", "--llama-capability=chat", "--llama-timeout=300",
                "-k", "test_chat_answer", "-p", "no:asyncio", "-p", "no:randomly"]
    scheduler = subprocess.Popen([sys.executable, "-m", "pytest", *spinning], cwd=pytester.path, env=env,
                                 stdout=log, stderr=subprocess.STDOUT)
    holding = pytester.path / "holding.txt"
    try:
        deadline = time.monotonic() + 120
        while not holding.exists() and scheduler.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert holding.exists(), (tmp_path / "out.txt").read_text()
        worker = int(holding.read_text())
        [(forked, zygote_pid)] = _workers(pytester.path)
        assert forked == "True"
        time.sleep(0.5)  # into the provider's spin
        scheduler.send_signal(signal.SIGKILL)
        scheduler.wait()
        deadline = time.monotonic() + 10
        while not (_ended(worker) and _ended(zygote_pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _ended(zygote_pid) and _ended(worker), (zygote_pid, worker)
    finally:
        scheduler.kill()
        log.close()


def _pytest_after(prelude: str, *args: str) -> list[str]:
    """``python -m pytest *args`` in a process that first runs ``prelude`` (``os``, ``signal`` imported) and then
    execs: a process-wide setting a run starts with, changed in the run's process only."""
    start = (f"import os, signal, sys; {prelude}; "
             "os.execv(sys.executable, [sys.executable, '-m', 'pytest', *sys.argv[1:]])")
    return [sys.executable, "-c", start, *args]


BLOCKING = ["--llama-provider-module=llama_conformance_fixtures.broken", "--llama-isolation=process",
            "--llama-provider=inline::broken-isolation-blocked-loop", "--llama-capability=chat",
            "--llama-timeout=300", "-k", "test_chat_answer", "-p", "no:asyncio", "-p", "no:randomly"]


@contextlib.contextmanager
def _held_run(pytester: pytest.Pytester) -> Iterator[tuple[subprocess.Popen[str], int, int]]:
    """An isolated run, its output on a pipe, whose forked worker is held in the provider's blocking call:
    (the run, the worker's pid, the zygote's pid). Killed, with every process of it, on the way out."""
    pytester.makeconftest(WHO_RUNS)
    env = {**os.environ, "HOLD_THE_WORKER": "1", zygote.START_ENV: "fork", "TMPDIR": str(_scratch(pytester))}
    # As a terminal's foreground job: SIGINT at its default. A job started in the background of a non-interactive
    # shell (``bash .ci/run &``) has SIGINT ignored, exec keeps an ignored signal ignored, and the run then rightly
    # ignores a Ctrl-C as well (every process of it did, stacks unchanged 60 s later, in two fresh-clone CI runs).
    run = subprocess.Popen(_pytest_after("signal.signal(signal.SIGINT, signal.SIG_DFL)", *BLOCKING), cwd=pytester.path,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not (pytester.path / "holding.txt").exists() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        [(forked, zygote_pid)] = _workers(pytester.path)
        assert forked == "True"
        time.sleep(0.5)  # into the provider's blocking call
        yield run, int((pytester.path / "holding.txt").read_text()), zygote_pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):  # a process that left the group keeps the pipe open
            run.communicate(timeout=30)


def test_a_scheduler_started_without_stdin_still_forks(pytester: pytest.Pytester) -> None:
    """With a standard stream closed at start (``<&-``), the zygote's listening socket takes descriptor 0: the
    zygote keeps it (it once pointed 0-2 at /dev/null unconditionally, its selector then refused the socket, and
    every worker started fresh)."""
    pytester.makeconftest(WHO_RUNS)
    env = {**os.environ, zygote.START_ENV: "fork"}
    done = subprocess.run(_pytest_after("os.close(0)", *ISOLATED, "-s"), cwd=pytester.path, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == pytest.ExitCode.OK, done.stdout[-3000:] + done.stderr[-3000:]
    assert [forked for forked, _ in _workers(pytester.path)] == ["True"]


def test_ctrl_c_ends_the_run_and_leaves_no_process(pytester: pytest.Pytester) -> None:
    """A terminal's Ctrl-C (SIGINT to the whole process group) while the provider blocks its loop in a call:
    the run ends as with a fresh worker (in about 6 s here, both ways), and the zygote, the client and the worker
    end with it."""
    with _held_run(pytester) as (run, worker, zygote_pid):
        os.killpg(run.pid, signal.SIGINT)
        try:
            output, _ = run.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the run did not end 60 s after Ctrl-C:\n{_hung_processes(run.pid, pytester.path)}")
        assert run.returncode == pytest.ExitCode.INTERRUPTED, output[-3000:]
        deadline = time.monotonic() + 10
        while not (_ended(worker) and _ended(zygote_pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _ended(zygote_pid) and _ended(worker), (zygote_pid, worker)


def test_the_zygote_keeps_no_copy_of_the_users_output(pytester: pytest.Pytester) -> None:
    """pytest's capture in the scheduler holds copies of the user's output (its saved standard streams): the
    zygote it forks points them at /dev/null, so the output ends when the scheduler and its worker end, not
    when the zygote does (before: descriptors 5 and 7 of the zygote and of every worker)."""
    with _held_run(pytester) as (run, _worker, zygote_pid):
        assert run.stdout is not None
        output = os.readlink(f"/proc/self/fd/{run.stdout.fileno()}")
        held = {fd.name for fd in Path(f"/proc/{zygote_pid}/fd").iterdir() if os.readlink(fd) == output}
        assert not held, f"the zygote holds the run's output on descriptors {sorted(held)}"


def test_a_finished_run_leaves_no_process(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(WHO_RUNS)
    result = pytester.runpytest_subprocess(*ISOLATED)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    [(forked, zygote_pid)] = _workers(pytester.path)
    assert forked == "True" and _ended(zygote_pid)
    assert _ended(int(next(pytester.path.glob("worker-*.txt")).stem.split("-")[1]))


EXIT_HANDLERS = """
import atexit, os
from pathlib import Path

from llama_conformance.isolation import zygote

HERE = Path.cwd()


def _note(who):
    with open(HERE / "exits.txt", "a") as seen:
        seen.write(f"{who} {os.getpid()}\\n")


if "PYTEST_XDIST_WORKER" not in os.environ:  # imported by the scheduler before it forks
    atexit.register(_note, "scheduler")


def pytest_configure(config):
    who = "worker" if hasattr(config, "workerinput") else "scheduler"
    (HERE / f"{who}.txt").write_text(f"{os.getpid()} {zygote.forked_worker}")
    if who == "worker":
        atexit.register(_note, who)
"""


def test_exit_handlers_are_each_process_own(tmp_path: Path) -> None:
    """The worker runs the exit handlers registered in it, not the scheduler's (a temporary directory's
    cleanup, say), which the scheduler runs once at its own exit. A large environment (over the 64 KiB the
    zygote reads at once) still reaches the forked worker whole. (A plain ``python -m pytest``: a run that
    pytester starts ends without its exit handlers.)"""
    (tmp_path / "conftest.py").write_text(EXIT_HANDLERS)
    env = {**os.environ, "KIT_LARGE_VALUE": "x" * 100_000, zygote.START_ENV: "fork"}
    env.pop("PYTEST_XDIST_WORKER", None)  # this test's own worker's: the conftest tells the scheduler by it
    run = subprocess.run([sys.executable, "-m", "pytest", *ISOLATED], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:]
    scheduler, _ = (tmp_path / "scheduler.txt").read_text().split()
    worker, forked = (tmp_path / "worker.txt").read_text().split()
    assert forked == "True"
    seen = sorted((tmp_path / "exits.txt").read_text().split("\n")[:-1])
    assert seen == sorted([f"scheduler {scheduler}", f"worker {worker}"]), seen


def _answering(path: Path, answer: bytes | None) -> socket.socket:
    """A stand-in zygote on ``path`` that reads one request and answers ``answer`` (None: closes unanswered)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)

    def serve() -> None:
        conn, _ = listener.accept()
        _, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
        for fd in fds:
            os.close(fd)
        if answer is not None:
            conn.sendall(answer)
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener


@pytest.mark.parametrize("zygote_says", ["refused", "nothing"])
def test_the_client_starts_a_fresh_interpreter_only_when_the_zygote_refused(tmp_path: Path, zygote_says: str) -> None:
    """Refused (it could not fork): the client is the fresh interpreter. Asked and left without an answer: the
    zygote may have forked a worker onto these pipes already, so the client starts no second one."""
    listener = _answering(tmp_path / "z.sock", b'{"refused": "no memory"}\n' if zygote_says == "refused" else None)
    try:
        client = subprocess.run([sys.executable, "-I", "-S", str(zygote.CLIENT), str(tmp_path / "z.sock"),
                                 "-u", "-c", "print('fresh')"], capture_output=True, text=True, timeout=60)
    finally:
        listener.close()
    if zygote_says == "refused":
        assert (client.returncode, client.stdout.strip()) == (0, "fresh"), client.stderr
    else:
        assert (client.returncode, client.stdout) == (1, ""), client.stderr


def test_without_a_zygote_the_client_is_the_fresh_interpreter(tmp_path: Path) -> None:
    """execnet's request still gets a Python: the client execs one with the arguments it was given."""
    client = subprocess.run([sys.executable, "-I", "-S", str(zygote.CLIENT), str(tmp_path / "no.sock"),
                             "-u", "-c", "import sys; print('fresh', sys.argv[1:], sys.flags.isolated)", "a"],
                            capture_output=True, text=True, timeout=60)
    assert client.returncode == 0, client.stderr
    assert client.stdout.strip() == "fresh ['a'] 0"


TRACE = """Timeout (0:00:06)!
Thread 0x00007f11 (most recent call first):
  File "/srv/provider/chat.py", line 14 in openai_chat_completion
  File "/venv/lib/python3.12/site-packages/llama_conformance/gate.py", line 203 in invoke
  File "/usr/lib/python3.12/asyncio/base_events.py", line 641 in run_forever

Current thread 0x00007f22 (most recent call first):
  File "/srv/suites/inference/test_inference.py", line 128 in test_chat_answer
  File "<string>", line 1 in <module>
  File "/venv/lib/python3.12/site-packages/llama_conformance/isolation/zygote.py", line 271 in run_command_line
  File "/venv/lib/python3.12/site-packages/llama_conformance/isolation/zygote.py", line 236 in become_worker
  File "/venv/lib/python3.12/site-packages/pytest/__main__.py", line 9 in <module>
  File "/home/author/run_checks.py", line 3 in <module>
"""


def test_a_crash_is_placed_in_the_workers_frames_not_the_schedulers() -> None:
    assert provider_frames(TRACE, most=5) == ["/srv/provider/chat.py:14 in openai_chat_completion",
                                              "/srv/suites/inference/test_inference.py:128 in test_chat_answer"]
