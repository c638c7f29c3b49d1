"""The services a matrix run's cells need (its targets file's ``services:``), started once before the
cells run and stopped when they end, whatever happened.

Each service runs on 127.0.0.1 and a free port, from its own cached venv when it names ``installs``
(the venv also holds the kit, so a launch module of ``llama_conformance_fixtures.services`` runs
there), else with the interpreter running the matrix. Its output goes to
``<out>/services/<name>.log``; its ``{workdir}`` is a scratch directory removed afterwards.

A service that cannot be built, started or got ready within its ``timeout`` is not an error of the
run: the cells that need it are *inconclusive*, naming its log and who must act, and every other
cell still runs (``ServiceState.problem``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType

from llama_conformance import services as kit_services
from llama_conformance.compat import envs
from llama_conformance.matrix.targets import ServiceSpec

LOG_DIR = "services"


@dataclasses.dataclass
class ServiceState:
    """One service of the run: what it exports to its cells once up, or why it is not."""

    spec: ServiceSpec
    exported: dict[str, str] = dataclasses.field(default_factory=dict)
    problem: str | None = None
    log: Path | None = None


def needed(specs: Mapping[str, ServiceSpec], names: Sequence[str]) -> list[ServiceSpec]:
    """The services of ``names`` (the selected cells' targets'), each once, in the file's order."""
    wanted = set(names)
    return [spec for name, spec in specs.items() if name in wanted]


@contextlib.contextmanager
def running(specs: Sequence[ServiceSpec], out: Path, cache: Path,
            kit: envs.KitSource) -> Iterator[dict[str, ServiceState]]:
    """Start ``specs`` one after another (each within its own deadline), yield their states by name, and
    stop the started ones in reverse order on the way out: an exception, Ctrl-C, or SIGTERM (turned into
    SystemExit meanwhile, so a batch system cancelling the job does not orphan a server)."""
    states: dict[str, ServiceState] = {}
    with contextlib.ExitStack() as stack:
        if specs:
            stack.enter_context(_sigterm_exits())
        for spec in specs:
            states[spec.name] = _start(spec, out, cache, kit, stack)
            state = states[spec.name]
            print(f"matrix: service {spec.name}: " + (f"NOT STARTED: {state.problem}" if state.problem
                                                       else f"up ({state.log})"), file=sys.stderr)
        yield states


def _start(spec: ServiceSpec, out: Path, cache: Path, kit: envs.KitSource,
           stack: contextlib.ExitStack) -> ServiceState:
    log_dir = out / LOG_DIR
    state = ServiceState(spec, log=log_dir / f"{spec.name}.log")
    python = sys.executable
    if spec.installs:
        try:
            python = str(kit_services.service_python(spec.name, spec.installs, cache, kit))
        except kit_services.ServiceBuildError as exc:
            state.problem = (f"{exc}: whoever runs the matrix must make {', '.join(spec.installs)} installable here "
                             f"(network, package index), or build it by hand: {exc.command}")
            state.log = None
            return state
    user = kit_services.unprivileged_user() if spec.unprivileged else None
    workdir = Path(tempfile.mkdtemp(prefix=f"kit-service-{spec.name}-"))
    stack.callback(shutil.rmtree, workdir, ignore_errors=True)
    workdir.chmod(0o755)
    if user:
        shutil.chown(workdir, user)
    port = kit_services.free_port()
    ready = (kit_services.http_ok(f"http://{kit_services.HOST}:{port}{spec.ready_http}") if spec.ready_http
             else kit_services.port_open(port))
    try:
        service = kit_services.start_service(spec.name, spec.argv(port, workdir, python), log_dir, port=port,
                                             ready=ready, timeout=spec.timeout, user=user)
    except kit_services.ServiceError as exc:
        lines = str(exc).splitlines()
        said = f" (it ends: {lines[-1].strip()[:200]!r})" if len(lines) > 1 and lines[-1].strip() else ""
        state.problem = (f"{lines[0].removesuffix(':').split('; log ')[0]}; its log: {state.log}{said}. Whoever runs "
                         "the matrix must make the service start (its log says why), or leave the targets that need "
                         "it out with --target")
        return state
    stack.callback(service.stop)
    state.exported = spec.exported(port, workdir)
    return state


@contextlib.contextmanager
def _sigterm_exits() -> Iterator[None]:
    """While services run, SIGTERM unwinds like Ctrl-C (``finally`` blocks stop the services); only the
    main thread may set a handler, and a caller that set its own keeps it."""
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def leave(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
