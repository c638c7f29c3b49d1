"""Real backing services (PostgreSQL, Chroma, S3, MCP servers...) for the tests of tests/real/.

A thin pytest face over ``llama_conformance.services``, where the process machinery lives (the
matrix starts its targets' services with it too): a service that cannot start or get ready fails
the fixture with its log tail; a service venv that cannot be built skips the test with the exact
command that builds it (a missing package is the environment's problem, not a verdict).

API (small on purpose), as before:
- ``free_port()``: a loopback port nothing listens on right now.
- ``running_service(name, argv, log_dir, ready=..., ...)``: a context manager yielding a ``Service``
  (``port``, ``host``, ``url``, ``log``, ``process``, ``log_tail()``, ``stop()``).
- ``port_open(port)`` / ``http_ok(url)``: readiness probes for ``ready``.
- ``unprivileged_user()`` / ``as_user(user)``: for services that refuse to run as root.
- ``service_python(name, requirements)``: the interpreter of the cached venv holding ``requirements``
  (under ``services_dir()``: ``build/services/`` or ``$LLAMA_CONFORMANCE_SERVICES_DIR``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from llama_conformance import services as kit_services
from llama_conformance.services import HOST, Service, as_user, free_port, http_ok, port_open, unprivileged_user

__all__ = ["HOST", "REPO", "Service", "as_user", "free_port", "http_ok", "port_open", "running_service",
           "service_python", "services_dir", "unprivileged_user"]

REPO = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def running_service(name: str, argv: Sequence[str], log_dir: Path, *, port: int | None = None,
                    ready: Callable[[], bool] | None = None, env: Mapping[str, str] | None = None,
                    cwd: Path | None = None, timeout: float = 60.0, user: str | None = None) -> Iterator[Service]:
    """``llama_conformance.services.running_service``, failing the fixture when the service does not
    start or get ready (the message carries its log tail)."""
    try:
        service = kit_services.start_service(name, argv, log_dir, port=port, ready=ready, env=env, cwd=cwd,
                                             timeout=timeout, user=user)
    except kit_services.ServiceError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield service
    finally:
        service.stop()


def services_dir() -> Path:
    """Where services' venvs and copies are cached: ``$LLAMA_CONFORMANCE_SERVICES_DIR`` or ``build/services/``."""
    return Path(os.environ.get("LLAMA_CONFORMANCE_SERVICES_DIR", REPO / "build" / "services"))


def service_python(name: str, requirements: Sequence[str]) -> Path:
    """The interpreter of a cached venv holding ``requirements`` and not the kit; skips the test, with
    the command that builds it by hand, when it cannot be built."""
    try:
        return kit_services.service_python(name, requirements, services_dir())
    except kit_services.ServiceBuildError as exc:
        pytest.skip(f"{exc}; build it with: {exc.command}")
