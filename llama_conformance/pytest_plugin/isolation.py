"""Wire ``llama_conformance.isolation`` into pytest: one xdist worker runs the provider.

* ``want_worker`` (``pytest_cmdline_main``, before xdist's): a run that builds a provider, with
  ``--llama-isolation=process`` (the default) and no ``-n`` of the user's, gets one pytest-xdist
  worker and a restart budget. A deployment URL needs none (its provider runs elsewhere);
  ``-n 0``, ``-p no:xdist`` or ``--llama-isolation=off`` keep everything in this process.
* the scheduling process makes a run directory and hands it to every worker
  (``configure_node``), and turns a worker's death into the crashed test's finding
  (``CrashReporter.pytest_handlecrashitem``): the check, the call and the request, where the
  provider was, and the member refused in the workers that follow;
* a worker (``start_worker``) sets the memory ceiling, gives the gate its ``FlightRecorder``
  and records each test before it runs (``test_started``).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from llama_conformance.isolation import zygote
from llama_conformance.isolation.crash import WorkerRemains, crash_finding, read_remains
from llama_conformance.isolation.memory import apply_ceiling
from llama_conformance.isolation.recorder import RUN_DIR_KEY, FlightRecorder, add_refused
from llama_conformance.pytest_plugin.options import PROCESS, PROVIDER_OPTIONS, names_any
from llama_conformance.report.record import PROPERTY, NotedFinding
from llama_conformance.target import KitSession

CRASH_REPORTER = "llama-conformance-crashes"
# Each crash costs one test and refuses its member afterwards, so a provider runs out of members
# long before this; the bound only stops a provider that crashes every fresh worker at start-up.
MAX_WORKER_RESTARTS = 50
RECORDER = pytest.StashKey[FlightRecorder]()
KIT_CHOSE_WORKER = pytest.StashKey[bool]()
RESTORE_CEILING = pytest.StashKey[Callable[[], None]]()


def want_worker(config: pytest.Config) -> None:
    """Ask xdist for one worker when provider code will run and the user left the choice to the kit."""
    if hasattr(config, "workerinput") or not hasattr(config.option, "numprocesses"):
        return  # a worker already, or pytest-xdist not loaded (-p no:xdist): in-process
    if config.getoption("--llama-isolation") != PROCESS or config.getoption("--llama-stack-url"):
        return
    if not names_any(config, PROVIDER_OPTIONS):
        return
    debugging = config.getoption("usepdb") or config.getoption("trace", False)
    if config.option.numprocesses is not None or config.getoption("collectonly") or debugging:
        return  # the user chose (-n N / -n 0), or nothing will run, or a debugger needs this process
    config.option.numprocesses = 1
    config.option.dist, config.option.tx = "load", ["popen"]  # whichever of xdist's hooks runs first
    if getattr(config.option, "maxworkerrestart", None) is None:
        config.option.maxworkerrestart = MAX_WORKER_RESTARTS
    config.stash[KIT_CHOSE_WORKER] = True
    zygote.note_warning_filters()


def forked_workers(config: pytest.Config, specs: list[Any]) -> None:
    """Workers forked from the run's zygote where there is one (``isolation.zygote``).

    The worker's plugins are this process's: a forked one inherits its imports anyway, and a fresh one
    (no zygote) loads the same entry points, so both draw alike. (schemathesis's plugin, for one, changes
    Hypothesis for the whole process when it loads: its buffer size and its printer of failing examples.)
    """
    reporter = config.pluginmanager.get_plugin(CRASH_REPORTER)
    if isinstance(reporter, CrashReporter) and reporter.zygote is not None:
        for spec in specs:
            spec.python = reporter.zygote.python_spec()


def runs_in_worker(config: pytest.Config) -> bool:
    """Whether this process schedules xdist workers (the provider runs in them, not here)."""
    return getattr(config.option, "dist", "no") != "no" and not hasattr(config, "workerinput")


def start_scheduler(config: pytest.Config, session: KitSession) -> None:
    """The scheduling process: a run directory for the workers' records, and the crash reporter."""
    run_dir = Path(tempfile.mkdtemp(prefix="llama-conformance-run-"))
    reporter = CrashReporter(run_dir, session)
    config.pluginmanager.register(reporter, CRASH_REPORTER)
    if config.stash.get(KIT_CHOSE_WORKER, False):  # the user's own -n workers start as xdist starts them
        reporter.zygote = zygote.start(run_dir, output_copies(config))
        if reporter.zygote is not None:
            config.add_cleanup(reporter.zygote.stop)  # also when another plugin's unconfigure fails


def output_copies(config: pytest.Config) -> list[int]:
    """The descriptors of pytest's output capture in this process: its saved copies of the standard streams
    (the user's terminal or pipe) and its capture files. Empty with ``-s``, or where pytest keeps them elsewhere.
    (pytest's faulthandler plugin makes its own copy of stderr in its configure, which runs after the kit's
    ``tryfirst`` one, so after the fork: the zygote never has it.)"""
    capturing = getattr(config.pluginmanager.getplugin("capturemanager"), "_global_capturing", None)
    found = []
    for capture in (getattr(capturing, name, None) for name in ("in_", "out", "err")):
        saved = getattr(capture, "targetfd_save", None)
        if isinstance(saved, int):
            found.append(saved)
        with contextlib.suppress(AttributeError, OSError, ValueError):  # a sys-level capture has no descriptor
            found.append(int(capture.tmpfile.fileno()))  # type: ignore[union-attr]
    return found


def configure_node(node: Any) -> None:
    reporter = node.config.pluginmanager.get_plugin(CRASH_REPORTER)
    if isinstance(reporter, CrashReporter):
        node.workerinput[RUN_DIR_KEY] = str(reporter.run_dir)


def worker_run_dir(config: pytest.Config) -> Path | None:
    """A worker's run directory (``configure_node``), where its scratch files die with the run; else None."""
    run_dir = (getattr(config, "workerinput", None) or {}).get(RUN_DIR_KEY)
    return Path(run_dir) if run_dir and Path(run_dir).is_dir() else None


def start_worker(config: pytest.Config, session: KitSession) -> None:
    """Where provider code runs: the memory ceiling, and (in a worker) the flight recorder."""
    config.stash[RESTORE_CEILING] = apply_ceiling(session.options.memory_limit)
    workerinput = getattr(config, "workerinput", None)
    if not workerinput or RUN_DIR_KEY not in workerinput or session.options.isolation != PROCESS:
        return  # in-process, or workers of the user's own -n with isolation off: nothing ends them
    recorder = FlightRecorder(Path(workerinput[RUN_DIR_KEY]), str(workerinput.get("workerid", "gw")),
                              session.put.redactor)
    session.put.gate.recorder = recorder
    config.stash[RECORDER] = recorder


def hand_usage_errors_to_scheduler(config: pytest.Config, session: KitSession) -> None:
    """In an xdist worker of a kit run (the kit's own, or the user's ``-n N``): a usage error found here (at
    collection, or when a test first imports the API package) is said by the scheduling process, which reads it from
    the run directory (``CrashReporter.pytest_sessionfinish``). A worker that merely exited with it would leave the
    scheduler with "no tests ran" (exit 5) and no word of why."""
    if worker_run_dir(config) is not None:
        session.on_usage_error = lambda message: worker_usage_error(config, message)


def out_of_memory(config: pytest.Config) -> None:
    """The kit itself met the ceiling during a test: the provider still holds the memory, so the worker ends.

    Seen when provider code filled the ceiling and something kept its objects alive (a task left
    waiting, a log record's traceback): the kit cannot even format the failure. The scheduler
    reports it as ``call.resource-bound`` of this test and a new worker runs the rest.
    """
    recorder = config.stash.get(RECORDER, None)
    if recorder is not None:
        recorder.end_worker("the memory ceiling (--llama-memory-limit)", status="memory")


USAGE_FILE = "usage-error.txt"


def worker_usage_error(config: pytest.Config, message: str) -> None:
    """A usage error found in the worker (a declared package missing): the scheduler ends the run with it.

    Left alone, the worker would end its session early with tests still assigned, which xdist
    takes for an internal error. ``shouldstop`` makes it an orderly stop; the file carries the text.
    """
    run_dir = worker_run_dir(config)
    if run_dir is not None:
        (run_dir / USAGE_FILE).write_text(message)
    session = config.pluginmanager.get_plugin("session")
    if session is not None:
        session.shouldstop = "a usage error: the kit cannot run here as asked (printed with the summary)"


def stop_worker(config: pytest.Config) -> None:
    recorder = config.stash.get(RECORDER, None)
    if recorder is not None:
        recorder.close()
    restore = config.stash.get(RESTORE_CEILING, None)
    if restore is not None:
        restore()


def call_phase_started(item: pytest.Item) -> None:
    recorder = item.config.stash.get(RECORDER, None)
    if recorder is not None:
        recorder.call_phase_started()


def test_ended(item: pytest.Item) -> None:
    recorder = item.config.stash.get(RECORDER, None)
    if recorder is not None:
        recorder.test_ended()


def test_started(item: pytest.Item, record: Any) -> None:
    """Before a test runs in a worker: what the scheduler needs to report it if the worker dies."""
    recorder = item.config.stash.get(RECORDER, None)
    if recorder is not None:
        recorder.test_started(item.nodeid, json.loads(record.to_property()[1]))


class CrashReporter:
    """Registered in the scheduling process: a dead worker's test becomes its finding."""

    def __init__(self, run_dir: Path, session: KitSession) -> None:
        self.run_dir = run_dir
        self.session = session
        self.node_errors: dict[str, str] = {}
        self.zygote: zygote.Zygote | None = None

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """xdist tells why a worker went down (``MemoryError`` when it died at the ceiling) before the crash."""
        if error:
            self.node_errors[str(getattr(getattr(node, "gateway", None), "id", ""))] = str(error)

    @pytest.hookimpl(optionalhook=True)
    def pytest_handlecrashitem(self, crashitem: str, report: pytest.TestReport, sched: Any) -> None:
        worker = getattr(getattr(getattr(report, "node", None), "gateway", None), "id", None) or "gw0"
        remains = read_remains(self.run_dir, str(worker))
        remains.error = self.node_errors.pop(str(worker), None)
        found = crash_finding(remains, self.session.put.redactor or None)
        report.when = "call"  # type: ignore[assignment]
        began = remains.call_at or remains.started_at  # the call phase; the whole test when it died in setup
        if began is not None and remains.nodeid == crashitem:
            # The time the phase ran until the worker died: --durations, junitxml and the JSON report see the
            # deadline that was waited out, not xdist's 0 s (a setup that finished was reported on its own).
            report.duration = max(time.time() - began, 0.0)
        report.longrepr = f"{found.render()}\n(the kit's worker process {worker} ended while running this test)"
        crash = NotedFinding.of(found)
        record = self._record(remains, crashitem, crash)
        if record is not None:
            report.user_properties = [(PROPERTY, json.dumps(record, sort_keys=True))]
        # Every call in flight (a member and the HTTP request it made) is refused in the next workers.
        for call in remains.calls:  # only what was in flight: the last finished call did no harm
            if call.get("label"):
                add_refused(self.run_dir, str(call["label"]), found.check.id, crashitem.split("::")[-1])
        for leftover in self.run_dir.glob(f"{worker}.*"):
            with contextlib.suppress(OSError):
                leftover.unlink()

    @staticmethod
    def _record(remains: WorkerRemains, crashitem: str, crash: NotedFinding) -> dict[str, Any] | None:
        """The record the worker kept when the test started, with the crash's finding as its failure, and the
        time of the call the worker died in (a hang waited out to its deadline is where the run's time went;
        the test's earlier calls went down with the worker's ledger)."""
        if remains.record is None or remains.nodeid != crashitem:
            return None
        record = dict(remains.record)
        if crash.check not in record.get("checks", []):
            record["checks"] = [*record.get("checks", []), crash.check]
        record["failed"] = [*record.get("failed", []), asdict(crash)]
        dying = remains.call if remains.calls else None  # a call still in flight, not the last that ended
        started = float(dying.get("started_at") or 0.0) if dying else 0.0
        if dying and dying.get("label") and started > 0:
            spent = round(max(time.time() - started, 0.0), 4)
            record["provider_time"] = {**record.get("provider_time", {}), str(dying["label"]): [1, spent, spent]}
        return record

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """A worker's usage error ends the run as it would in-process: its paragraph and exit code 4."""
        usage = self.run_dir / USAGE_FILE
        if usage.exists():
            message = usage.read_text()
            reporter = session.config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter.write_line(f"ERROR: {message}", red=True)
            session.exitstatus = pytest.ExitCode.USAGE_ERROR

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self.zygote is not None:
            self.zygote.stop()  # before its socket's folder goes (stopping twice does nothing)
        shutil.rmtree(self.run_dir, ignore_errors=True)
