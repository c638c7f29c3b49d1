"""The isolation worker as a fork of the scheduling process, not a second interpreter start-up.

An isolated run (``--llama-isolation=process``, the default) used to pay its start-up twice: the
scheduling process imports pytest, its plugins, the API package, the provider's spec and config
modules and the kit to discover and prepare the provider, then pytest-xdist starts a fresh
interpreter that imports all of it again (``benchmarks/bench_startup.py``: the isolated structural run
cost 2.4x the floor, the in-process one 1.2x). Here the scheduler forks a *zygote* once those imports
are done, before any thread starts; every worker xdist asks for (the first, and each one that replaces
a crashed worker) is forked from it. The worker is still a process of its own: a crash, a memory
ceiling or a hang ends it and never the run, and the provider is built afresh in each.

How xdist's request reaches the zygote: the worker spec's interpreter is ``fork_client.py``, which
hands its pipes to the zygote over a Unix socket in the run directory (mode 0700, as ``mkdtemp`` makes
it) and stands in for the worker until it ends.

The fork is taken only from a quiet process: Linux, one OS thread (``/proc/self/task``, so native
threads of a C library count too), no asyncio loop made yet, no ``PYTHONHOME`` or ``PYTHONPLATLIBDIR`` (the
client runs with ``-I``, which ignores them, so an interpreter that needs one could not start the client).
Otherwise, or with ``LLAMA_CONFORMANCE_WORKER_START=fresh``, workers start as fresh interpreters, as before.
A forked worker runs with the scheduler's interpreter flags (``-O``, ``-X dev``, its hash seed), the ones
the user started pytest with; a fresh one gets what execnet's ``python -u -c`` gives. In the worker,
what the scheduler's pytest had set up in the process is put back as a fresh interpreter has it
(``become_worker``): the standard streams, the import hook, the warnings filters, ``faulthandler``,
``atexit``, the signal handlers, ``__main__``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import faulthandler
import gc
import json
import os
import selectors
import shlex
import signal
import socket
import struct
import sys
import threading
import time
import traceback
import types
import warnings
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from llama_conformance.isolation.stack_room import call_with_stack_room

START_ENV = "LLAMA_CONFORMANCE_WORKER_START"  # "fork" (the default where the process allows it) or "fresh"
SOCKET_NAME = "zygote.sock"
CLIENT = Path(__file__).with_name("fork_client.py")
REQUEST_TIMEOUT_S = 10.0
forked_worker = False  # True in a worker this module forked (its tests and its own report can tell)
_filters_before_configure: list[Any] | None = None
_signals_at_fork: dict[int, Any] = {}  # each signal's handler in the scheduler when it forked the zygote


def note_warning_filters() -> None:
    """Before pytest's configure changes them: the filters a worker starts with (``become_worker``)."""
    global _filters_before_configure
    _filters_before_configure = list(warnings.filters)


def why_not_fork() -> str | None:
    """Why a worker cannot be forked from this process now; None when it can."""
    if os.environ.get(START_ENV, "fork") == "fresh":
        return f"{START_ENV}=fresh"
    if sys.platform != "linux" or not hasattr(socket, "recv_fds"):
        return "forked workers are used on Linux only"
    # what an interpreter may need to find its standard library, which the client's -I would ignore
    located_by = [name for name in ("PYTHONHOME", "PYTHONPLATLIBDIR") if os.environ.get(name)]
    if located_by:
        return f"{' and '.join(located_by)} set, and the fork client starts isolated (-I), without it"
    try:
        threads = len(os.listdir("/proc/self/task"))
    except OSError:
        threads = threading.active_count()
    if threads != 1:
        return f"{threads} threads run in the scheduling process (a fork keeps only one)"
    policy = getattr(asyncio.events, "_event_loop_policy", None)
    if getattr(getattr(policy, "_local", None), "_loop", None) is not None:
        return "an asyncio event loop exists in the scheduling process"
    return None


@dataclass
class Zygote:
    """The scheduler's handle: the forked server's pid, its socket, and the pipe whose closing ends it."""

    pid: int
    socket_path: Path
    lifeline: int

    def python_spec(self) -> str:
        """The interpreter xdist's spec names for a worker: the client, which asks this zygote for one."""
        return shlex.join([sys.executable, "-I", "-S", str(CLIENT), str(self.socket_path)])

    def stop(self, grace_s: float = 2.0) -> None:
        """End the zygote (it kills any worker still running) and reap it; once."""
        if self.lifeline < 0:
            return
        lifeline, self.lifeline = self.lifeline, -1
        with contextlib.suppress(OSError):
            os.close(lifeline)
        deadline = time.monotonic() + grace_s
        with contextlib.suppress(ChildProcessError):  # reaped by someone else: gone all the same
            while time.monotonic() < deadline:
                if os.waitpid(self.pid, os.WNOHANG) != (0, 0):
                    return
                time.sleep(0.01)
            _kill(self.pid)
            os.waitpid(self.pid, 0)


def start(run_dir: Path, output_copies: Sequence[int] = ()) -> Zygote | None:
    """Fork the zygote serving ``run_dir/zygote.sock``; None when this process cannot fork one (safely).

    ``output_copies``: descriptors of the scheduler's that hold the user's output (pytest's saved copies of the
    standard streams and its capture files), pointed at /dev/null in the zygote and so in every worker.
    """
    if why_not_fork() is not None:
        return None
    socket_path = run_dir / SOCKET_NAME
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lifeline: tuple[int, int] | None = None
    try:
        bind_in(listener, socket_path)
        os.chmod(socket_path, 0o600)
        listener.listen(8)
        lifeline = os.pipe()
        _flush_everything()  # nothing the scheduler buffered is written again by the zygote or a worker
        _signals_at_fork.update(_handlers())
        pid = os.fork()
    except OSError:  # no memory or processes left to fork, a folder that takes no socket: fresh workers
        listener.close()
        for fd in lifeline or ():
            os.close(fd)
        with contextlib.suppress(OSError):
            socket_path.unlink()
        return None
    if pid == 0:
        try:
            os.close(lifeline[1])
            Server(listener, lifeline[0], output_copies).serve()
        finally:
            os._exit(1)  # the zygote never returns into the scheduler's pytest
    os.close(lifeline[0])
    listener.close()
    return Zygote(pid, socket_path, lifeline[1])


def bind_in(listener: socket.socket, path: Path) -> None:
    """Bind to ``path`` by its name inside its folder: a socket's address holds at most 107 bytes, and a
    deep ``TMPDIR`` (a test's temporary folder) gives a longer path. The process has one thread here, so
    changing its working directory for the call changes nobody else's."""
    back = os.open(".", os.O_RDONLY)
    try:
        os.chdir(path.parent)
        listener.bind(path.name)
    finally:
        os.fchdir(back)
        os.close(back)


class Server:
    """The zygote's loop: fork a worker per request, report each one's end, die with the scheduler."""

    def __init__(self, listener: socket.socket, lifeline: int, output_copies: Sequence[int] = ()) -> None:
        self.listener = listener
        self.lifeline = lifeline
        self.selector = selectors.DefaultSelector()
        self.workers: dict[int, socket.socket] = {}  # pid -> the client standing in for it
        self.wake_read, wake_write = os.pipe()
        os.set_blocking(wake_write, False)
        self.own_fds = [listener.fileno(), lifeline, self.wake_read, wake_write, self.selector.fileno()]
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the scheduler's and the worker's to handle
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.set_wakeup_fd(wake_write)
        quiet = os.open(os.devnull, os.O_RDWR)
        # The scheduler's terminal or its pytest capture files are not the zygote's. Its copies of the user's output
        # would keep that pipe open after the scheduler ends, for as long as the zygote or a worker lives (a reader
        # waiting for the end of the output waits for them too): they point at /dev/null, not closed, so a Python
        # object inherited with one never closes a descriptor the worker has reused.
        # The zygote's own descriptors are spared, 0-2 too: a scheduler started with a standard stream closed
        # (``<&-``) gave the listener descriptor 0.
        for target in {0, 1, 2, *output_copies} - set(self.own_fds):
            with contextlib.suppress(OSError):
                os.dup2(quiet, target)
        os.close(quiet)
        faulthandler.disable()
        gc.freeze()  # the workers share these pages; their collections leave them unwritten

    def serve(self) -> NoReturn:
        self.selector.register(self.listener, selectors.EVENT_READ, "accept")
        self.selector.register(self.lifeline, selectors.EVENT_READ, "lifeline")
        self.selector.register(self.wake_read, selectors.EVENT_READ, "children")
        while True:
            for key, _ in self.selector.select():
                if key.data == "lifeline":
                    self.end()
                try:
                    if key.data == "accept":
                        self.accept()
                    elif key.data == "children":
                        os.read(self.wake_read, 512)
                        self.reap()
                    else:
                        self.client_gone(key.fileobj, key.data)  # type: ignore[arg-type]
                except Exception:  # one request's trouble must not end the workers of the others
                    continue

    def accept(self) -> None:
        conn, _ = self.listener.accept()
        conn.settimeout(REQUEST_TIMEOUT_S)
        uid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))[1]
        if uid != os.getuid():  # the folder is the user's alone; this only makes sure
            conn.close()
            return
        try:
            request, stdio = receive_request(conn)
        except (OSError, ValueError):
            conn.close()
            return
        try:
            pid = os.fork()
        except OSError as exc:  # the client starts a fresh interpreter instead
            for fd in stdio:
                os.close(fd)
            with contextlib.suppress(OSError):
                conn.sendall(json.dumps({"refused": str(exc)}).encode() + b"\n")
            conn.close()
            return
        if pid == 0:
            zygote_fds = [*self.own_fds, conn.fileno(), *(client.fileno() for client in self.workers.values())]
            become_worker(request, stdio, zygote_fds)
        for fd in stdio:
            os.close(fd)
        self.workers[pid] = conn
        answer = [json.dumps({"pid": pid}).encode() + b"\n"]
        with contextlib.suppress(OSError):  # a client gone already: client_gone ends its worker
            handle = _pidfd(pid)  # the client signals the worker through it, never a pid used again
            try:
                socket.send_fds(conn, answer, [handle] if handle is not None else [])
            finally:
                if handle is not None:
                    os.close(handle)
        self.selector.register(conn, selectors.EVENT_READ, pid)

    def client_gone(self, conn: socket.socket, pid: int) -> None:
        """The client sends nothing after its request: readable means it ended, killed by execnet."""
        if self.workers.get(pid) is not conn:
            return  # its worker was reaped in this same round: the connection is closed already
        with contextlib.suppress(OSError):
            if conn.recv(64):
                return
        self.selector.unregister(conn)
        conn.close()
        del self.workers[pid]
        _kill(pid)

    def reap(self) -> None:
        while True:  # every ended child, also one whose client had gone (killed, so not reported)
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.workers.pop(pid, None)
            if conn is not None:
                self.selector.unregister(conn)
                with contextlib.suppress(OSError):
                    conn.sendall(json.dumps({"status": status}).encode() + b"\n")
                conn.close()

    def end(self) -> NoReturn:
        """The scheduler closed the lifeline or died: no worker outlives it."""
        for pid in list(self.workers):
            _kill(pid)
        os._exit(0)


def receive_request(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """The client's three standard descriptors and its request: argv, working directory, environment."""
    data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
    try:
        if len(fds) != 3 or len(data) < 4:
            raise ValueError("a request carries stdin, stdout and stderr")
        (size,) = struct.unpack("!I", data[:4])
        body = bytearray(data[4:])
        while len(body) < size:
            chunk = conn.recv(size - len(body))
            if not chunk:
                raise ValueError("the request ended early")
            body += chunk
        return json.loads(bytes(body)), list(fds)
    except BaseException:  # a timeout too: the zygote keeps no end of a pipe the client goes on to use
        for fd in fds:
            os.close(fd)
        raise


def become_worker(request: dict[str, Any], stdio: list[int], zygote_fds: list[int]) -> NoReturn:
    """In the forked child: the process a fresh ``python -u -c <bootstrap>`` would be, then run it."""
    global forked_worker
    forked_worker = True
    code = 1
    try:
        # The worker runs below the scheduler's configure frames it was forked in: its own calls get
        # the recursion depth a fresh interpreter gives them.
        sys.setrecursionlimit(sys.getrecursionlimit() + _depth())
        for fd in zygote_fds:
            os.close(fd)
        signal.set_wakeup_fd(-1)
        reset_signals()
        for target, fd in enumerate(stdio):
            os.dup2(fd, target)
        for fd in stdio:
            if fd > 2:
                os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        argv = list(request["argv"])
        fresh_process_state(unbuffered="-u" in argv[:argv.index("-c")])
        code = call_with_stack_room(run_command_line, argv)  # not at a frame chunk's end (``stack_room``)
    except BaseException:
        traceback.print_exc()
    _flush(sys.stdout)
    _flush(sys.stderr)
    os._exit(code)


def reset_signals() -> None:
    """As an ``exec`` leaves them: handlers the scheduler's Python code set back to the default, ignored
    signals still ignored, and SIGINT raising KeyboardInterrupt unless the scheduler ignored it."""
    for number, handler in _signals_at_fork.items():
        wanted = handler if handler in (signal.SIG_IGN, signal.SIG_DFL) else signal.SIG_DFL
        if number == signal.SIGINT and handler != signal.SIG_IGN:
            wanted = signal.default_int_handler
        with contextlib.suppress(OSError, ValueError, TypeError):
            signal.signal(number, wanted)


def fresh_process_state(unbuffered: bool) -> None:
    """Undo what the scheduler's pytest had done to the process when it forked the zygote."""
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):  # pytest's capture
        stream: Any = getattr(sys, f"__{name}__") or open(fd, mode, closefd=False)  # noqa: SIM115 - the process's own
        if unbuffered and mode == "w":
            with contextlib.suppress(AttributeError, ValueError):
                stream.reconfigure(write_through=True)
        setattr(sys, f"__{name}__", stream)
        setattr(sys, name, stream)
    sys.meta_path[:] = [finder for finder in sys.meta_path  # its assertion rewriting (the worker's adds its own)
                        if type(finder).__module__ != "_pytest.assertion.rewrite"]
    if _filters_before_configure is not None:
        warnings.filters[:] = _filters_before_configure  # type: ignore[index]
        mutated = getattr(warnings, "_filters_mutated", None) or getattr(warnings, "_filters_mutated_lock_held", None)
        if mutated is not None:
            mutated()
    faulthandler.disable()  # pytest's, onto the scheduler's stderr; the worker's pytest enables its own
    for name, module in list(sys.modules.items()):  # the worker imports its conftests, as a fresh one does:
        if Path(getattr(module, "__file__", None) or "").name == "conftest.py":  # their import-time code runs
            del sys.modules[name]
    fresh_exit_handlers()


def fresh_exit_handlers() -> None:
    """The scheduler's exit handlers (its temporary directories' finalizers) are not the worker's; the ones a
    library registers once at import, which a fresh worker would have, are registered again."""
    atexit._clear()
    for finalizer in list(getattr(weakref.finalize, "_registry", {})):
        finalizer.atexit = False  # the scheduler's objects: ended by it, not by the worker's exit
    weakref.finalize._registered_with_atexit = False  # type: ignore[attr-defined] # the worker's own register anew
    if "logging" in sys.modules:
        atexit.register(sys.modules["logging"].shutdown)


def run_command_line(argv: list[str]) -> int:
    """``python [-u] [-B] -c COMMAND ARGS...`` in this process: the exit code Python would give."""
    command_at = argv.index("-c")
    if "-B" in argv[:command_at]:
        sys.dont_write_bytecode = True
    sys.argv = ["-c", *argv[command_at + 2:]]
    main = types.ModuleType("__main__")
    sys.modules["__main__"] = main
    try:
        exec(compile(argv[command_at + 1], "<string>", "exec"), main.__dict__)
        code = 0
    except SystemExit as stop:
        code = _exit_code(stop.code)
    except BaseException:
        traceback.print_exc()
        code = 1
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()  # non-daemon threads are waited for, as at an interpreter's exit
    atexit._run_exitfuncs()
    return code


def _handlers() -> dict[int, Any]:
    handlers = {}
    for number in signal.valid_signals():
        with contextlib.suppress(OSError, ValueError):
            handler = signal.getsignal(number)
            if handler is not None:  # None: set outside Python, left as it is
                handlers[int(number)] = handler
    return handlers


def _pidfd(pid: int) -> int | None:
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        return int(opener(pid))
    except OSError:
        return None


def _depth() -> int:
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1  # type: ignore[assignment]
    return depth


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _kill(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


def _flush_everything() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        _flush(stream)
    logging = sys.modules.get("logging")
    for reference in list(getattr(logging, "_handlerList", ())):  # log files a provider module opened
        handler = reference()
        if handler is not None:
            _flush(handler)


def _flush(stream: Any) -> None:
    with contextlib.suppress(AttributeError, OSError, ValueError):
        stream.flush()
