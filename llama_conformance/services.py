"""Backing services (PostgreSQL, Chroma, S3, MCP, OpenAI-compatible servers...) started on loopback.

A real remote provider talks to a service; whoever judges it (a test of tests/real, a cell of
``llama-conformance matrix``) starts the service on 127.0.0.1 and a free port, and stops it
afterwards. This is the one place that does so, pytest-free (problems are a ``ServiceError``), so
every caller gets the same guarantees:

- the service's output goes to a log file, never to a pipe nobody reads (a full pipe blocks it);
- readiness is polled against a deadline: a service that exits or never gets ready is an error
  carrying the tail of its log, it never hangs the run;
- stopping terminates the service's process group (it starts in its own session), then kills it
  if it lingers: servers that fork workers (PostgreSQL) take their children with them;
- a service whose packages conflict with the caller's env runs from its own cached venv, built by
  the same machinery as the generation envs (``compat.envs``: uv, keyed by its requirements,
  renamed into place only when complete).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from llama_conformance.compat import envs

HOST = "127.0.0.1"


class ServiceError(RuntimeError):
    """A service could not be started, got ready, or be built; the message says why (with its log tail)
    and ``log`` is where its full output is, when it got that far."""

    def __init__(self, message: str, log: Path | None = None) -> None:
        super().__init__(message)
        self.log = log


class ServiceBuildError(ServiceError):
    """A service's venv could not be built: the environment's problem; ``command`` builds it by hand."""

    def __init__(self, message: str, command: str) -> None:
        super().__init__(message)
        self.command = command


def free_port() -> int:
    """A loopback port the OS just handed out and nothing listens on (the usual small race with
    other processes is accepted: the service then fails to bind and says so in its log)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = HOST) -> Callable[[], bool]:
    """Ready when ``host:port`` accepts a TCP connection."""

    def probe() -> bool:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            return False

    return probe


def http_ok(url: str) -> Callable[[], bool]:
    """Ready when ``GET url`` answers below 500 (a 404 still means the server is up and routing)."""

    def probe() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return int(response.status) < 500
        except urllib.error.HTTPError as exc:
            return exc.code < 500
        except (OSError, ValueError):
            return False

    return probe


@dataclasses.dataclass
class Service:
    """A started service: where it listens, its process and its log."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    host: str = HOST

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"

    def stop(self, grace: float = 10.0) -> None:
        """Terminate the service's process group, then kill it if it is still there after ``grace``
        seconds (servers that fork workers, e.g. PostgreSQL, take their children with them)."""
        if self.process.poll() is not None:
            return
        _signal_group(self.process, signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            _signal_group(self.process, signal.SIGKILL)
            self.process.wait(timeout=grace)


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(process.pid, sig)  # started in its own session: its group id is its pid
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)


def wait_ready(service: Service, ready: Callable[[], bool], timeout: float) -> None:
    """Poll ``ready`` until it holds; raise ``ServiceError`` (with the log tail) when the process exits
    or the deadline passes. Polling stops as soon as the process is gone: a crash is reported at once."""
    deadline = time.monotonic() + timeout
    while True:
        if ready():
            return
        code = service.process.poll()
        if code is not None:
            raise ServiceError(f"service {service.name} exited with code {code} before it was ready; log "
                               f"{service.log}:\n{service.log_tail()}", service.log)
        if time.monotonic() > deadline:
            service.stop()
            raise ServiceError(f"service {service.name} was not ready on {service.host}:{service.port} within "
                               f"{timeout:.0f} s; log {service.log}:\n{service.log_tail()}", service.log)
        time.sleep(0.2)


def start_service(name: str, argv: Sequence[str], log_dir: Path, *, port: int | None = None,
                  ready: Callable[[], bool] | None = None, env: Mapping[str, str] | None = None,
                  cwd: Path | None = None, timeout: float = 60.0, user: str | None = None) -> Service:
    """Start ``argv`` and wait until it is ready; the caller stops it (``running_service`` does).

    ``argv`` must listen on ``port``: pass the port you put in ``argv``, else one is chosen and
    ``{port}`` in ``argv`` is replaced by it. ``ready`` defaults to "the port accepts connections".
    ``env`` is added to this process's environment; the output goes to ``log_dir/<name>.log``; ``user``
    runs it as that system user (see ``unprivileged_user``). A service that does not get ready is
    stopped before the ``ServiceError`` is raised.
    """
    port = port if port is not None else free_port()
    args = [str(a).replace("{port}", str(port)) for a in argv]
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    environ = {**os.environ, **(env or {})}
    with log.open("wb") as out:
        out.write(f"$ {' '.join(args)}\n".encode())
        out.flush()
        try:
            process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       env=environ, cwd=cwd, start_new_session=True, **as_user(user))
        except (OSError, KeyError) as exc:  # KeyError: no such user
            raise ServiceError(f"service {name} could not be started ({args[0]}): {exc}", log) from None
    service = Service(name=name, port=port, process=process, log=log)
    try:
        wait_ready(service, ready or port_open(port), timeout)
    except BaseException:
        service.stop()
        raise
    return service


@contextlib.contextmanager
def running_service(name: str, argv: Sequence[str], log_dir: Path, *, port: int | None = None,
                    ready: Callable[[], bool] | None = None, env: Mapping[str, str] | None = None,
                    cwd: Path | None = None, timeout: float = 60.0, user: str | None = None) -> Iterator[Service]:
    """``start_service`` as a context manager: yields the ready ``Service`` and stops it on exit,
    whatever happened."""
    service = start_service(name, argv, log_dir, port=port, ready=ready, env=env, cwd=cwd, timeout=timeout,
                            user=user)
    try:
        yield service
    finally:
        service.stop()


def unprivileged_user() -> str | None:
    """``nobody`` when this process runs as root (CI containers do), else None (run as ourselves): some
    services refuse root (PostgreSQL's ``initdb`` and ``postgres``). Files such a service reads must
    then be readable by ``nobody``: under a world-traversable path, not under ``.tox`` (mode 700)."""
    return "nobody" if hasattr(os, "geteuid") and os.geteuid() == 0 else None


def as_user(user: str | None) -> dict[str, Any]:
    """Keyword arguments for ``subprocess.run``/``Popen`` that drop to ``user`` (and its primary group,
    no supplementary groups); none for ``None``."""
    if user is None:
        return {}
    import pwd

    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def service_python(name: str, requirements: Sequence[str], cache: Path, kit: envs.KitSource | None = None) -> Path:
    """The interpreter of a cached venv (under ``cache``) holding ``requirements`` (the first pinned
    ``name==version``), plus the kit when ``kit`` is given (a launch module of the kit's fixtures
    package runs there), else nothing more (the kit's dependencies could conflict with the service).
    Raises ``ServiceBuildError`` with the command that builds it by hand when it cannot be built."""
    first, *rest = requirements
    distribution, _, version = first.partition("==")
    if not version:
        raise ValueError(f"service_python: pin the first requirement (name==version), not {first!r}")
    source = kit or _NoKit(version="none", source_dir=None, fingerprint="none")
    spec = envs.EnvSpec(python=envs.python_tag(), distribution=distribution, version=version,
                        kit=source.fingerprint, installs=tuple(rest))
    built = envs.ensure_env(spec, source, cache)
    if built.problem:
        wanted = [*requirements, *source.requirement]
        command = f"uv venv {built.path} && uv pip install --python {built.path}/bin/python {' '.join(wanted)}"
        raise ServiceBuildError(f"the {name} service's venv could not be built ({built.problem})", command)
    return built.python


@dataclasses.dataclass(frozen=True)
class _NoKit(envs.KitSource):
    """``compat.envs`` installs the kit into every env it builds; this one installs nothing for it."""

    @property
    def requirement(self) -> list[str]:
        return []
