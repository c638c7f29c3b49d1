"""The report, the baseline and the verdict, wired into pytest.

Two halves, because under pytest-xdist they run in different processes:

* every process (``annotate``): a kit test's reports get its ``TestRecord`` (the checks it
  covers, what it noted, the findings its failure carried: taken from the exception as data),
  secrets are redacted from every captured section, and a failure whose checks are all
  baselined becomes an expected failure;
* the process that prints the summary (``ReportCollector``): gathers the reports, decides
  the verdict, fails the run on a stale baseline, rewrites the baseline when asked, and
  writes the report directory.
"""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path
from typing import Any

import pytest

from llama_conformance.call_time import CALL_TIMES
from llama_conformance.checks import check_id
from llama_conformance.contract.generation import distribution_shipping, facts_for
from llama_conformance.pytest_plugin.collection import left_out, out_of_scope
from llama_conformance.pytest_plugin.session import KitSession
from llama_conformance.pytest_plugin.verdict import findings_of
from llama_conformance.report.collect import Collected
from llama_conformance.report.record import (
    CHECKS_MARKER,
    NotedFinding,
    TestRecord,
    evaluated,
    failed,
    make_record,
)
from llama_conformance.report.verdict import INCONCLUSIVE

COLLECTOR = "llama-conformance-report"
# Set by the kit's own test session: a test whose judge evaluates a check its ``checks`` marker does
# not name fails (the hand-kept markers are what a passing test's report says it passed).
VERIFY_MARKERS = "LLAMA_CONFORMANCE_VERIFY_MARKERS"
_REQUEST_NOTE = "request (JSON):"  # the drawn request a failure was shrunk to (``behaviour.examples``)
ASKED = pytest.StashKey[list[str]]()  # the checks the test put to its judge by name


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def annotate(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport, session: KitSession,
             reproducer: str | None) -> None:
    """Redact, keep a failure's findings, attach the record (teardown: everything noted by then),
    apply the baseline."""
    redact = session.put.redactor
    if redact:
        report.sections = [(title, redact(text)) for title, text in report.sections]
    if report.when == "teardown":
        judged(item)
        verify_markers(item, report)
    named: list[str] = []
    if report.failed and call.excinfo is not None:
        found = failure_findings(call.excinfo.value, redact)
        failed(item, found)
        named = [noted.check for noted in found]
    if report.when == "teardown":
        report.user_properties.append(record_for(item, session, reproducer).to_property())
    elif report.failed and session.baseline is not None and (
            (session.options.update_baseline and named) or session.baseline.covers(named)):
        report.outcome = "skipped"
        report.wasxfail = session.baseline.reason(named) if session.baseline.covers(named) else \
            "recorded into the baseline (--llama-update-baseline)"


def failure_findings(exc: BaseException, redact: Any = None) -> list[NotedFinding]:
    """The findings ``exc`` carries, redacted; the last one ends with the drawn request the failure
    was shrunk to, when Hypothesis noted one (as the failure's text shows it)."""
    found = [NotedFinding.of(item, redact or None) for item in findings_of(exc)]
    requests = [note for note in _notes(exc) if note.strip().startswith(_REQUEST_NOTE)]
    if found and requests:
        request = redact(requests[-1].strip()) if redact else requests[-1].strip()
        found[-1].message = f"{found[-1].message}\n{request}"
    return found


def _notes(exc: BaseException) -> list[str]:
    """The notes on ``exc`` and on the exceptions a group of it holds (Hypothesis notes the example)."""
    notes = [str(note) for note in getattr(exc, "__notes__", ())]
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            notes += _notes(inner)
    return notes


def judged(item: pytest.Item) -> None:
    """Keep what the test's judge evaluated on its item (the ``llama_kit`` fixture's, if it used one)."""
    kit = (getattr(item, "funcargs", None) or {}).get("llama_kit")
    judge = getattr(kit, "judge", None)
    if judge is not None:
        evaluated(item, judge.evaluated)
        item.stash[ASKED] = list(judge.asked)



def verify_markers(item: pytest.Item, report: pytest.TestReport) -> None:
    """In the kit's own test session: a test that asked its judge about a check its marker does not
    name fails at teardown (a kit defect: its report would not say it judged that check)."""
    if os.environ.get(VERIFY_MARKERS) != "1" or report.failed:
        return
    marked = {check_id(ref) for marker in item.iter_markers(CHECKS_MARKER) for ref in marker.args}
    unmarked = [name for name in item.stash.get(ASKED, []) if name not in marked]
    if unmarked:
        report.outcome = "failed"
        report.longrepr = (f"kit defect: {item.nodeid} evaluates {', '.join(unmarked)}, which its "
                           "@pytest.mark.checks(...) does not name: add them to the marker")


def record_for(item: pytest.Item, session: KitSession, reproducer: str | None) -> TestRecord:
    """The test's record: the checks it covers in this mode, and what it noted so far."""
    from llama_conformance.behaviour.coverage import HTTP_ONLY
    from llama_conformance.transport.checks import SDK_PARSES

    subject = item.callspec.id if hasattr(item, "callspec") else None
    marker = item.get_closest_marker("api")
    api = marker.args[0] if marker and marker.args else (session.apis[0] if session.apis else None)
    record = make_record(item, subject, api, reproducer, session.put.redactor)
    record.provider_time = CALL_TIMES.take()  # since the last test's teardown: this test's set-up, call, teardown
    if not session.over_http:  # no HTTP answer was judged in-process
        record.checks = [check_id for check_id in record.checks if check_id not in HTTP_ONLY]
    elif SDK_PARSES.id in record.checks and _sdk_not_judged(session):
        record.checks = [check_id for check_id in record.checks if check_id != SDK_PARSES.id]
    return record


def _sdk_not_judged(session: KitSession) -> bool:
    """No official SDK judged this run's answers (not installed, or one that validates nothing)."""
    from llama_conformance.transport.sdk_judge import not_judged_reason

    return not_judged_reason(session.put.contract.package.module_name) is not None


class ReportCollector:
    """Registered in the summary process only: turns the run's reports into the certificate."""

    def __init__(self, session: KitSession, config: pytest.Config) -> None:
        self.session = session
        self.config = config
        self.collected = Collected(root=config.rootpath)  # tests named by their path in the suites
        self.started = time.monotonic()
        self.report: dict[str, Any] | None = None
        self.written: list[Path] = []
        self.stale: list[str] = []
        self.problem: str | None = None
        self.unjudged_exit = False

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.collected.add(report)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        from llama_conformance.report.build import build_report

        if not self.collected.kit_tests:
            return  # nothing of the kit ran (usage error, collection error): no certificate to write
        report = build_report(self.facts(int(exitstatus)), self.collected)
        self.report = report
        statuses = {check["id"]: check["status"] for check in report["checks"]}
        baseline = self.session.baseline
        if baseline is not None and self.session.options.update_baseline:
            baseline.write([i for i, status in statuses.items() if status in ("failed", "expected-failure")],
                           self.session.options.target)
        elif baseline is not None:
            self.stale = baseline.stale(statuses)
            if self.stale and session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
                report["run"]["exit_status"] = int(pytest.ExitCode.TESTS_FAILED)
        if report["verdict"] == INCONCLUSIVE and session.exitstatus == pytest.ExitCode.OK:
            # "0 only if every MUST check passes": an unjudged Core check did not pass. A CI job whose
            # backend died must not go green; the verdict line says it is the environment, not a failure.
            self.unjudged_exit = True
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
            report["run"]["exit_status"] = int(pytest.ExitCode.TESTS_FAILED)
        directory = self.session.options.report_dir
        if directory is not None:
            from llama_conformance.report.write import InvalidReport, write_report

            try:
                self.written = write_report(report, directory)
            except (InvalidReport, OSError) as exc:
                self.problem = f"the report was not written: {exc}"
                session.exitstatus = pytest.ExitCode.INTERNAL_ERROR

    def facts(self, exit_status: int) -> Any:
        from llama_conformance.report.build import RunFacts

        session, options = self.session, self.session.options
        redact = session.put.redactor
        args = [redact(arg) for arg in self.config.invocation_params.args]
        selection = " ".join(f"{flag} {shlex.quote(value)}" for flag, value in (
            ("-k", self.config.option.keyword), ("-m", self.config.option.markexpr)) if value) or None
        package = session.put.contract.package
        return RunFacts(
            target=self.target(), seed=session.seed, profile=options.profile, strict=options.strict,
            contract={"package": package.name, "distribution": package.distribution, "version": package.version},
            capabilities=sorted(session.manifest.capabilities), config=dict(session.put.config_shown),
            command="pytest " + " ".join(shlex.quote(arg) for arg in args),
            duration_s=time.monotonic() - self.started, exit_status=exit_status,
            baseline=str(options.baseline) if options.baseline else None, selection=selection,
            repairs=None if (repairs := self.collected.repairs) is None else [str(repair) for repair in repairs],
            out_of_scope=out_of_scope(session), left_out=left_out(session))

    def target(self) -> dict[str, Any]:
        session = self.session
        if session.options.stack_url and session.remote is not None:
            return {"kind": "deployment", "provider_type": None, "apis": list(session.apis), "module": None,
                    "distribution": None, "version": None, "source": None, "url": session.remote.url,
                    "transport": "http", "built_on": None, "generation_mismatch": None, "generation_note": None}
        entry = session.put.entry
        # Only a written report shows the distribution; a package named unlike its distribution, with no
        # top_level.txt (hatchling, flit), still costs the scan of every installed file list.
        written = session.options.report_dir is not None
        distribution, version = distribution_of(entry.module) if written else (None, None)
        generation = facts_for(entry, session.put.contract.package)
        return {"kind": "provider", "provider_type": entry.provider_type, "apis": [entry.api],
                "module": entry.module, "distribution": distribution, "version": version, "source": entry.source,
                "url": None, "transport": "http-in-process" if session.options.over_http else "in-process",
                "built_on": generation.built_on.as_json(), "generation_mismatch": generation.mismatch,
                "generation_note": generation.note}

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.report is None:
            return
        write = terminalreporter.write_line
        terminalreporter.write_sep("=", f"llama-conformance verdict: {self.report['verdict']}")
        for reason in self.report["verdict_reasons"]:
            write(f"  {reason}")
        from llama_conformance.report.render_md import not_applicable_groups

        for why, ids in not_applicable_groups(self.report):  # apart from the verdict, and said so
            shown = ", ".join(ids[:4]) + (f" and {len(ids) - 4} more" if len(ids) > 4 else "")
            write(f"  not applicable in this mode, not counted: {len(ids)} check(s) ({shown}): {why}")
        if self.unjudged_exit:
            write("exit status 1: no check failed, but Core checks could not be judged (inconclusive); fix the "
                  "cause named above and run again")
        if self.stale:
            write(f"stale baseline: {', '.join(self.stale)} now pass(es); remove them from "
                  f"{self.session.options.baseline} or rerun with --llama-update-baseline (the run fails until then)")
        if self.session.options.update_baseline and self.session.baseline is not None:
            write(f"baseline written: {self.session.baseline.path} "
                  f"({len(self.session.baseline.expected)} expected failure(s))")
        if self.written:
            write(f"report: {', '.join(str(path) for path in self.written)}")
        if self.problem:
            write(f"llama-conformance: {self.problem}")


def distribution_of(module: str) -> tuple[str | None, str | None]:
    """The installed distribution that ships ``module``, and its version (None when run from source).

    Found as the generation scan finds it (a distribution named like the package, else the one whose
    ``top_level.txt`` lists it: milliseconds); ``packages_distributions()``, which reads every installed
    file list (0.3-0.5 s), only when neither answers.
    """
    dist = distribution_shipping(module.split(".", 1)[0])
    if dist is None or not dist.metadata["Name"]:
        return None, None
    return str(dist.metadata["Name"]), dist.version
