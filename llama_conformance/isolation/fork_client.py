"""Stands in for a fresh Python where pytest-xdist starts the isolation worker: the run's zygote forks it.

execnet starts a worker as ``<python> -u -c <bootstrap>`` with pipes on its stdin and stdout; the kit gives
it this script as ``<python>`` (``zygote.Zygote.python_spec``), run with ``-I -S`` so it starts in a few
milliseconds. The script hands its three standard descriptors, its working directory, environment and the
rest of its command line to the zygote over the run directory's socket. The zygote forks the worker, which
speaks execnet on those same pipes, and answers with the worker's pid, then with its wait status when it
ends. This process stays as the worker's stand-in for execnet: it ends with the worker's status, a signal
sent to it is passed on, and when execnet kills it outright the zygote sees the socket close and kills
the worker.

When the zygote cannot be reached or refuses, the script becomes the fresh interpreter execnet asked for
(``os.execv``), so a worker always starts. Only the standard library, and nothing of the kit: ``-S`` leaves
site-packages off ``sys.path``.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import socket
import struct
import sys
from typing import NoReturn

FORWARDED = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)


def fresh_interpreter(argv: list[str]) -> NoReturn:
    """What execnet would have started: a new Python with the same arguments and environment."""
    os.execv(sys.executable, [sys.executable, *argv])


class Answers:
    """The zygote's newline-ended answers on the connection, and the descriptor sent with the first."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.pending = b""
        self.handle: int | None = None

    def next(self) -> dict[str, object] | None:
        while b"\n" not in self.pending:
            data, fds, _, _ = socket.recv_fds(self.conn, 4096, 1)
            for fd in fds:
                self.handle = fd
            if not data:
                return None
            self.pending += data
        line, self.pending = self.pending.split(b"\n", 1)
        answer = json.loads(line)
        return answer if isinstance(answer, dict) else None


class Worker:
    """The forked worker as this process reaches it: through a pidfd (never a pid the system gave again
    to another process after the worker was reaped), else through its pid."""

    def __init__(self, pid: int, handle: int | None) -> None:
        self.pid = pid
        self.handle = handle

    def signal(self, number: int) -> None:
        with contextlib.suppress(OSError):
            if self.handle is not None:
                signal.pidfd_send_signal(self.handle, number)
            else:
                os.kill(self.pid, number)


def ask_for_worker(socket_path: str, argv: list[str]) -> tuple[Answers, Worker] | None:
    """The forked worker; None when no zygote could be asked or it refused (then a fresh interpreter runs)."""
    try:
        cwd = os.getcwd()
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        folder, name = os.path.split(socket_path)
        os.chdir(folder)  # by its name in its folder, as the zygote bound it: a socket's address is short
        try:
            conn.connect(name)
        finally:
            os.chdir(cwd)
        request = json.dumps({"argv": argv, "cwd": cwd, "env": dict(os.environ)}).encode()
        socket.send_fds(conn, [struct.pack("!I", len(request)) + request], [0, 1, 2])
    except OSError:
        return None
    answers = Answers(conn)
    try:
        first = answers.next()
    except (OSError, ValueError):
        first = None
    if first is None:  # asked, and the zygote ended without a word: it may have forked a worker on these pipes
        os._exit(1)
    pid = first.get("pid")
    if not isinstance(pid, int):
        return None  # refused (it could not fork)
    return answers, Worker(pid, answers.handle)


def end_like(status: int) -> NoReturn:
    """Exit as the worker did: its exit code, or the signal that killed it (without a second core file)."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        with contextlib.suppress(OSError, ValueError):
            resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)


def main() -> NoReturn:
    socket_path, argv = sys.argv[1], sys.argv[2:]
    asked = ask_for_worker(socket_path, argv)
    if asked is None:
        fresh_interpreter(argv)
    answers, worker = asked
    for number in FORWARDED:
        signal.signal(number, lambda received, _frame: worker.signal(received))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C reaches the worker itself
    try:
        ended = answers.next()
    except (OSError, ValueError):
        ended = None
    if ended is None:  # the zygote ended first (its scheduler is gone): so does the worker
        worker.signal(signal.SIGKILL)
        os._exit(1)
    end_like(int(str(ended["status"])))


if __name__ == "__main__":
    main()
