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
import signal
import socket
import struct
import sys
from typing import NoReturn

FORWARDED = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)


def fresh_interpreter(argv: list[str]) -> NoReturn:
    """What execnet would have started: a new Python with the same arguments and environment."""
    os.execv(sys.executable, [sys.executable, *argv])


def ask_for_worker(socket_path: str, argv: list[str]) -> tuple[socket.socket, int] | None:
    """The zygote's connection and the forked worker's pid; None when no zygote answered with one."""
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(socket_path)
        request = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
        socket.send_fds(conn, [struct.pack("!I", len(request)) + request], [0, 1, 2])
        answer = read_line(conn)
        pid = json.loads(answer).get("pid") if answer else None
    except (OSError, ValueError, AttributeError):
        return None
    return (conn, pid) if isinstance(pid, int) else None


def read_line(conn: socket.socket) -> bytes:
    """One newline-ended answer, read a byte at a time so nothing after it is consumed."""
    line = bytearray()
    while not line.endswith(b"\n"):
        chunk = conn.recv(1)
        if not chunk:
            return bytes(line)
        line += chunk
    return bytes(line)


def end_like(status: int) -> NoReturn:
    """Exit as the worker did: its exit code, or the signal that killed it."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)


def main() -> NoReturn:
    socket_path, argv = sys.argv[1], sys.argv[2:]
    asked = ask_for_worker(socket_path, argv)
    if asked is None:
        fresh_interpreter(argv)
    conn, worker = asked
    for number in FORWARDED:
        signal.signal(number, lambda received, _frame: os.kill(worker, received))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C reaches the worker itself
    answer = read_line(conn)
    if not answer:  # the zygote ended first (its scheduler is gone): so does the worker
        with contextlib.suppress(OSError):
            os.kill(worker, signal.SIGKILL)
        os._exit(1)
    end_like(int(json.loads(answer)["status"]))


if __name__ == "__main__":
    main()
