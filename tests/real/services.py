"""Real backing services (PostgreSQL, Chroma, S3, MCP servers...) for the tests of tests/real/.

The real remote providers talk to a service; a test of one starts the service itself, on
127.0.0.1 and a free port, and stops it afterwards. This is the one place that does so, so every
such test gets the same guarantees:

- the service's output goes to a log file, never to a pipe nobody reads (a full pipe blocks it);
- readiness is polled against a deadline: a service that exits or never gets ready fails the
  fixture with the tail of its log, it never hangs the run;
- teardown terminates the process, then kills it (and its process group) if it lingers;
- a service whose package conflicts with the test env (full ``chromadb`` and the env's
  ``chromadb-client`` both install the ``chromadb`` module) runs from its own cached venv under
  ``build/services/`` (or ``$LLAMA_CONFORMANCE_SERVICES_DIR``), built by the same machinery as the
  generation envs (``llama_conformance.compat.envs``: uv, keyed by its requirements, renamed into
  place only when complete). A venv that cannot be built skips the test with the exact command
  that installs it: a missing package is the environment's problem, not a verdict.

API (small on purpose):
- ``free_port()``: a loopback port nothing listens on right now.
- ``running_service(name, argv, log_dir, ready=..., ...)``: a context manager yielding a ``Service``
  (``port``, ``host``, ``url``, ``log``, ``process``, ``log_tail()``, ``stop()``).
- ``port_open(port)`` / ``http_ok(url)``: readiness probes for ``ready``.
- ``unprivileged_user()`` / ``as_user(user)``: for services that refuse to run as root.
- ``service_python(name, requirements)``: the interpreter of the cached venv holding ``requirements``
  (under ``services_dir()``).
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

import pytest

from llama_conformance.compat import envs

REPO = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


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
    """Poll ``ready`` until it holds; fail (with the log tail) when the process exits or the deadline
    passes. Polling stops as soon as the process is gone: a crashed service is reported at once."""
    deadline = time.monotonic() + timeout
    while True:
        if ready():
            return
        code = service.process.poll()
        if code is not None:
            pytest.fail(f"service {service.name} exited with code {code} before it was ready; log "
                        f"{service.log}:\n{service.log_tail()}", pytrace=False)
        if time.monotonic() > deadline:
            service.stop()
            pytest.fail(f"service {service.name} was not ready on {service.host}:{service.port} within {timeout:.0f} s;"
                        f" log {service.log}:\n{service.log_tail()}", pytrace=False)
        time.sleep(0.2)


@contextlib.contextmanager
def running_service(name: str, argv: Sequence[str], log_dir: Path, *, port: int | None = None,
                    ready: Callable[[], bool] | None = None, env: Mapping[str, str] | None = None,
                    cwd: Path | None = None, timeout: float = 60.0, user: str | None = None) -> Iterator[Service]:
    """Start ``argv`` (which must listen on ``port``: pass the port you put in ``argv``, else one is
    chosen and ``{port}`` in ``argv`` is replaced by it), wait for ``ready`` (default: the port accepts
    connections), yield the ``Service``, and stop it on exit, whatever happened.

    ``env`` is added to this process's environment. The output goes to ``log_dir/<name>.log``. ``user``
    runs it as that system user (see ``unprivileged_user``).
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
        except OSError as exc:
            pytest.fail(f"service {name} could not be started ({args[0]}): {exc}", pytrace=False)
    service = Service(name=name, port=port, process=process, log=log)
    try:
        wait_ready(service, ready or port_open(port), timeout)
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


def services_dir() -> Path:
    """Where services' venvs and copies are cached: ``$LLAMA_CONFORMANCE_SERVICES_DIR`` or ``build/services/``."""
    return Path(os.environ.get("LLAMA_CONFORMANCE_SERVICES_DIR", REPO / "build" / "services"))


def service_python(name: str, requirements: Sequence[str]) -> Path:
    """The interpreter of a cached venv holding ``requirements`` (the first pinned ``name==version``)
    and nothing else (not the kit): for a service whose packages conflict with the test env. Built on
    first use with uv (``compat.envs``); skips the test, with the command that builds it by hand, when it
    cannot be built."""
    first, *rest = requirements
    distribution, _, version = first.partition("==")
    if not version:
        raise ValueError(f"service_python: pin the first requirement (name==version), not {first!r}")
    spec = envs.EnvSpec(python=envs.python_tag(), distribution=distribution, version=version, kit="none",
                        installs=tuple(rest))
    built = envs.ensure_env(spec, _NoKit(version="none", source_dir=None, fingerprint="none"), services_dir())
    if built.problem:
        command = f"uv venv {built.path} && uv pip install --python {built.path}/bin/python {' '.join(requirements)}"
        pytest.skip(f"the {name} service's venv could not be built ({built.problem}); build it with: {command}")
    return built.python


@dataclasses.dataclass(frozen=True)
class _NoKit(envs.KitSource):
    """``compat.envs`` installs the kit into every env it builds; a service's venv holds only the
    service (the kit's dependencies could conflict with it, and the service never imports the kit)."""

    @property
    def requirement(self) -> list[str]:
        return []
