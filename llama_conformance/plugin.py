"""The pytest11 entry point: wires the kit's concerns into pytest's hooks, nothing more.

Each concern lives in its own module under ``pytest_plugin/``: options, the provider
session, collection of the packaged suites, and terminal output.
"""

from __future__ import annotations

import shlex
import sys
import warnings
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from llama_conformance import catalogue, plain_import
from llama_conformance.call_time import CALL_TIMES
from llama_conformance.errors import ApiPackageBroken
from llama_conformance.pytest_plugin import collection, heap, inconclusive, isolation, reporting, terminal
from llama_conformance.pytest_plugin.options import TARGET_OPTIONS, add_options, names_any
from llama_conformance.pytest_plugin.session import WORKER_SEED, KitSession, kit_session, open_session
from llama_conformance.pytest_plugin.verdict import require_built

if TYPE_CHECKING:
    from llama_conformance.behaviour.context import Kit


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Before pytest-xdist reads -n: a run that builds a provider gets a worker process (``isolation``).

    A kit run's set-up (the API package, the provider, the suites) is built with the collector held
    back (``heap``) until the tests start."""
    if names_any(config, TARGET_OPTIONS):
        heap.defer_collection_during_setup()
        config.add_cleanup(heap.end_setup)  # on every way out, even one that never configures (-VV)
    isolation.want_worker(config)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """The tests start (in a scheduling process, its loop: it never collects): the set-up heap is frozen,
    and the collector's thresholds are restored for what the tests allocate."""
    heap.end_setup()
    if kit_session(session.config) is not None:
        heap.freeze_setup_heap()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    plain_import.install()  # ahead of this pytest's own rewriting hook (a forked worker, an inline run)
    collection.register_markers(config)
    if names_any(config, TARGET_OPTIONS):
        catalogue.load()  # every check id, before a suite, a report or a worker reads one
        quiet_async_runner(config)
    with warnings.catch_warnings():
        # The API packages emit DeprecationWarnings at import; they are not the author's.
        warnings.simplefilter("ignore", DeprecationWarning)
        CALL_TIMES.take()  # what an earlier session of this process called (an inline run) is not this run's
        session = open_session(config)
        if session is not None:
            collection.point_at_suites(config)
            if not reporting.is_worker(config):
                config.pluginmanager.register(reporting.ReportCollector(session, config), reporting.COLLECTOR)
            if isolation.runs_in_worker(config):
                isolation.start_scheduler(config, session)
            elif not session.options.stack_url:
                isolation.start_worker(config, session)
            isolation.hand_usage_errors_to_scheduler(config, session)


def quiet_async_runner(config: pytest.Config) -> None:
    """Where pytest-asyncio is installed (the author's own tests may use it; the kit does not depend on it), give
    it an explicit loop scope so it does not warn on every kit run.

    The suites call providers through the kit's own gate, not through pytest-asyncio; its
    warning would only confuse a provider author who has no asyncio config to fix.
    """
    key = "asyncio_default_fixture_loop_scope"
    try:
        if not config.getini(key):
            config._inicache[key] = "function"
    except (AttributeError, TypeError, ValueError):
        pass  # pytest-asyncio absent or changed: its warning is harmless


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    return collection.ignore_unselected(collection_path, config)


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> Generator[None, object, object]:
    collection.drop_empty(items)
    collection.keep_provider_api(items, kit_session(config))
    results = yield  # -m and -k deselect here
    collection.drop_fuzz_without_engine(config, items, kit_session(config))
    return results


def pytest_collection_finish(session: pytest.Session) -> None:
    if kit_session(session.config) is not None:
        collection.restore_path_order(sys.path)


def pytest_unconfigure(config: pytest.Config) -> None:
    session = kit_session(config)
    try:
        if session is not None and session.constructed:
            session.close()
        elif session is not None:  # not built here (an isolated run's scheduler), or closed at the summary
            session.put.discard_workdir()
    finally:  # the ceiling comes off and the watchdog is disarmed whatever shutdown did
        isolation.stop_worker(config)
    if session is not None:
        heap.freeze_at_exit()


def pytest_report_header(config: pytest.Config) -> list[str]:
    session = kit_session(config)
    return terminal.header_lines(session) if session else []


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    collection.parametrize(metafunc, kit_session(metafunc.config))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    session = kit_session(item.config)
    if session is None:
        return report
    if call.excinfo is not None and call.excinfo.errisinstance(ApiPackageBroken):
        session.usage_error(str(call.excinfo.value))  # found lazily (URL mode reads the API package on first use)
    inconclusive.decide(item, call, report)
    redactor = session.put.redactor
    if redactor and report.failed and report.longrepr is not None:
        report.longrepr = redactor(str(report.longrepr))
    elif redactor and report.skipped and isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        # A skip keeps pytest's (path, line, reason); an inconclusive one's reason quotes the provider's error
        # (a backend address a config took from a secret environment variable).
        path, line, reason = report.longrepr
        report.longrepr = (path, line, redactor(str(reason)))
    # Built only where it is shown: a failure's section, and the record attached at teardown.
    rerun = rerun_command(item, session) if report.failed or report.when == "teardown" else None
    if rerun and report.failed and any(item.get_closest_marker(m) for m in ("behavioral", "stateful", "fuzz")):
        report.sections.append(("llama-conformance rerun", rerun))
    reporting.annotate(item, call, report, session, rerun)
    return report


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, Any] | None:
    """Inconclusive checks are a status of their own in the progress line and the final counts."""
    if report.when == "call" and inconclusive.is_inconclusive(report):
        return "inconclusive", "I", ("INCONCLUSIVE", {"yellow": True})
    return None


def rerun_command(item: pytest.Item, session: KitSession) -> str:
    """One line that reruns exactly this check with the same seed, from any directory."""
    args = [f"{item.path}::{item.name}", *session.options.rerun_arguments(), f"--hypothesis-seed={session.seed}"]
    return "pytest " + " ".join(shlex.quote(arg) for arg in args)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    session = kit_session(config)
    if session is not None:
        if session.constructed:
            session.close()
            session.constructed = False
        collector = config.pluginmanager.get_plugin(reporting.COLLECTOR)
        if isinstance(collector, reporting.ReportCollector):
            terminal.write_summary(terminalreporter, session, collector.collected)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker draws with the controller's seed (the one the header prints)."""
    session = kit_session(node.config)
    if session is not None:
        node.workerinput[WORKER_SEED] = session.seed
        isolation.configure_node(node)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config: pytest.Config, specs: list[Any]) -> None:
    """pytest-xdist, before any worker starts: workers forked from the run's zygote."""
    if kit_session(config) is not None:
        isolation.forked_workers(config, specs)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    """In a worker, a ``MemoryError`` that reaches the test protocol ends the worker (``isolation.out_of_memory``);
    after the protocol (pytest's faulthandler wrapper inside it included), the watchdog is armed afresh."""
    try:
        return (yield)
    except MemoryError:
        isolation.out_of_memory(item.config)
        raise
    finally:
        isolation.test_ended(item)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """In a worker: record the test first, so a crash during it can still be reported as its finding."""
    session = kit_session(item.config)
    if session is not None and hasattr(item.config, "workerinput"):
        isolation.test_started(item, reporting.record_for(item, session, None))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """In a worker (the only process with a flight recorder): the setup is over, so a crash from here is timed
    from the call's start."""
    isolation.call_phase_started(item)
    if kit_session(item.config) is not None:
        collection.restore_path_order(sys.path)


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> None:
    if kit_session(request.config) is not None:
        collection.restore_path_order(sys.path)  # a package's set-up, just before, put site-packages first again


@pytest.fixture(scope="session")
def llama_session(request: pytest.FixtureRequest) -> KitSession:
    """The provider session (skips when no --llama-provider was given)."""
    return collection.require_session(request)


@pytest.fixture(scope="session")
def llama_remote(llama_session: KitSession) -> Any:
    """The HTTP target (a deployment, or the provider behind its routers); skips otherwise."""
    if not llama_session.over_http:
        pytest.skip("not an HTTP run: give --llama-stack-url, or --llama-over-http with --llama-provider")
    put = llama_session.put_for(None)
    if put.build_error:
        pytest.skip("the provider did not build, so it cannot be served (see test_build)")
    return llama_session.remote


@pytest.fixture(scope="session")
def llama_fuzz(llama_session: KitSession, llama_remote: Any) -> Any:
    """The fuzz suite's run over the HTTP target (``fuzz.session.FuzzRun``), shared by its operations."""
    from llama_conformance.fuzz.session import FuzzRun

    return FuzzRun.open(llama_remote, max_examples=llama_session.profile.max_examples, seed=llama_session.seed,
                        profile=llama_session.options.profile, strict=llama_session.options.strict)


@pytest.fixture
def llama_kit(llama_session: KitSession, request: pytest.FixtureRequest) -> Generator[Kit, None, None]:
    """A behavioural test's handle on the built provider; SHOULD findings and errata are
    reported when the test ends, whatever its outcome."""
    from llama_conformance.behaviour.context import Kit  # Hypothesis: only when a suite runs
    from llama_conformance.behaviour.judge import Judge

    require_built(llama_session)
    marker = request.node.get_closest_marker("api")
    api_name = marker.args[0] if marker and marker.args else None
    evidence = llama_session.put_for(api_name).evidence
    inconclusive.start(request.node, evidence)
    kit = Kit(session=llama_session, api_name=api_name,
              judge=Judge(manifest=llama_session.manifest, strict=llama_session.options.strict,
                          evidence=evidence, mark=evidence.mark()))
    yield kit
    noted = kit.judge.noted()
    if noted:
        terminal.record_should(request.node, noted)
