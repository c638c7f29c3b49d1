"""What the kit adds to pytest's terminal output: a header and a conformance summary.

SHOULD-level findings do not fail a test (exit 0 needs every MUST check to pass), so they
are collected on the session and listed here rather than lost in pytest's warnings.
"""

from __future__ import annotations

import json
import platform
from typing import Any

import pytest

from llama_conformance.checks import Finding
from llama_conformance.contract.generation import facts_for
from llama_conformance.pytest_plugin.session import KitSession
from llama_conformance.report.collect import Collected
from llama_conformance.report.record import REPAIRS, NotedFinding, note
from llama_conformance.version import __version__


def record_repairs(item: pytest.Item, repairs: list[Any]) -> None:
    """Keep the changes made to a deployment's OpenAPI document on the test that made them."""
    item.stash[REPAIRS] = [str(repair) for repair in repairs]


def write_repairs(reporter: pytest.TerminalReporter, collected: Collected) -> None:
    """Every change the kit made to the deployment's OpenAPI document before fuzzing it."""
    repairs = collected.repairs
    if not repairs:
        return
    kinds: dict[str, int] = {}
    for repair in repairs:
        kind = repair.split("]", 1)[0].lstrip("[")
        kinds[kind] = kinds.get(kind, 0) + 1
    reporter.write_sep("=", f"llama-conformance: {len(repairs)} repairs of the deployment's OpenAPI document "
                            f"(contract errata: {', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))})")
    for repair in repairs:
        reporter.write_line(repair)


def header_lines(session: KitSession) -> list[str]:
    if session.options.stack_url and session.remote is not None:
        return deployment_header(session)
    lines = provider_header(session)
    if session.options.over_http:
        lines.append("transport: HTTP through the API package's routers in-process (ASGI), --llama-over-http")
    return lines


def deployment_header(session: KitSession) -> list[str]:
    remote = session.remote
    assert remote is not None
    headers = ", ".join(sorted(name.split(":", 1)[0] for name in session.options.stack_headers))
    second = ", ".join(sorted(name.split(":", 1)[0] for name in session.options.second_user_headers))
    return [
        f"llama-conformance {__version__} (Python {platform.python_version()})",
        f"deployment: {remote.url} (HTTP; requests stay on this host and port; budget "
        f"{session.options.max_requests} requests){'; headers: ' + headers + ' (values redacted)' if headers else ''}"
        f"{'; second user: ' + second + ' (values redacted)' if second else ''}",
        f"contract: {remote.contract.package}; APIs served: {', '.join(remote.apis)}",
        f"capabilities declared: {', '.join(sorted(session.manifest.capabilities)) or 'none'}; "
        f"profile {session.options.profile}; seed {session.seed} "
        f"(rerun with --hypothesis-seed={session.seed})",
    ]


def provider_header(session: KitSession) -> list[str]:
    put = session.put
    entry = put.entry
    surface = put.surface
    privates = ", ".join(p.__name__ for p in surface.private_protocols)
    generation = facts_for(entry, put.contract.package)
    lines = [
        f"llama-conformance {__version__} (Python {platform.python_version()})",
        f"provider: {entry.provider_type} (api {entry.api}) from {entry.source}",
        f"contract: {put.contract.package}, "
        f"protocol {surface.protocol.__name__ if surface.protocol else '-'}"
        f" ({len(surface.members)} members, {len(surface.attributes)} attributes"
        f"{', private: ' + privates if privates else ''})",
        generation.header_line,
        f"config: {json.dumps(put.config_shown, sort_keys=True)} (secrets redacted)",
        f"capabilities declared: {', '.join(sorted(session.manifest.capabilities)) or 'none'}; "
        f"profile {session.options.profile}; seed {session.seed} "
        f"(rerun with --hypothesis-seed={session.seed})",
    ]
    # A generation mismatch goes first: it explains most of the failures that follow.
    return [generation.note, *lines] if generation.note else lines


def record_should(item: pytest.Item, findings: list[Finding]) -> None:
    """SHOULD findings and errata of a test: they travel with its report to the summary and the report."""
    note(item, findings)


FUZZ_TALLY = "llama_conformance_fuzz"  # user property of a fuzz test: its operation's case counts


def record_fuzz_tally(item: pytest.Item, cases_by_mode: dict[str, int], seconds: float,
                      ended_early: list[str] | None = None) -> None:
    """Keep how many cases an operation's fuzz test sent, and why a Hypothesis run of it stopped before its budget
    (``fuzz.drift``): a pass says nothing about how much was tried."""
    tally = {"cases": cases_by_mode, "seconds": round(seconds, 3),
             **({"test": item.name, "ended_early": ended_early} if ended_early else {})}
    item.user_properties.append((FUZZ_TALLY, json.dumps(tally)))


def write_fuzz_tally(reporter: pytest.TerminalReporter) -> None:
    """One line: fuzz tests run (an operation each, plus the chains), cases per generation mode
    (``chained``: steps of stateful runs), time (from every worker's reports)."""
    tallies = [json.loads(value) for key, reports in reporter.stats.items() if key
               for report in reports if getattr(report, "when", "") == "call"
               for name, value in getattr(report, "user_properties", ()) if name == FUZZ_TALLY]
    if not tallies:
        return
    modes: dict[str, int] = {}
    for tally in tallies:
        for mode, count in tally["cases"].items():
            modes[mode] = modes.get(mode, 0) + count
    seconds = sum(tally["seconds"] for tally in tallies)
    reporter.write_sep("=", f"llama-conformance: fuzzed {len(tallies)} tests, {sum(modes.values())} cases "
                            f"({', '.join(f'{m} {n}' for m, n in sorted(modes.items()))}) in {seconds:.1f} s")
    for tally in tallies:
        for ended in tally.get("ended_early", ()):
            reporter.write_line(f"{tally['test']}: {ended}")


PROVIDER_TIME_SHOWN = 3  # the labels that took longest; the report lists every one


def write_provider_time(reporter: pytest.TerminalReporter, session: KitSession, collected: Collected) -> None:
    """Where the run's time went: the wall time of its calls into provider code, and the calls that took most.

    A slow run is most often a slow backend (milvus-lite takes about a second to register a vector store); this
    says so, with the member to look at, where a provider author would otherwise suspect the kit. The labels are the
    gate's: a member (``files.openai_upload_file``), a fuzz case's operation (``POST /v1/files (fuzz)``), or a step
    that names the kit's own stand-in (``reference files provider``, ``vector_stores routing table: ...``)."""
    spent = collected.provider_time
    if not spent:
        return
    calls = sum(row.calls for _, row in spent)
    seconds = sum(row.seconds for _, row in spent)
    whose = "requests to the deployment" if session.options.stack_url else "calls into provider code"
    reporter.write_sep("=", f"llama-conformance: {calls:,} {whose} took {seconds:.1f} s (wall)")
    for label, row in spent[:PROVIDER_TIME_SHOWN]:
        reporter.write_line(f"{label}: {row.seconds:.2f} s in {row.calls:,} call{'s' if row.calls != 1 else ''} "
                            f"(longest {row.longest_s:.2f} s)")
    if len(spent) > PROVIDER_TIME_SHOWN:
        reporter.write_line(f"(and {len(spent) - PROVIDER_TIME_SHOWN} more; report.json lists every one, "
                            "with --llama-report)")


def write_generation_mismatch(reporter: pytest.TerminalReporter, session: KitSession) -> None:
    """The header's mismatch warning once more, where a reader of the failures looks last."""
    if session.options.stack_url:
        return  # a deployment: no provider code to date
    note = facts_for(session.put.entry, session.put.contract.package).note
    if note:
        reporter.write_sep("=", "llama-conformance: API generation mismatch")
        reporter.write_line(note)


def write_summary(reporter: pytest.TerminalReporter, session: KitSession, collected: Collected) -> None:
    write_generation_mismatch(reporter, session)
    redact = session.put.redactor
    noted = [(test.nodeid, n) for test in collected.kit_tests if test.record for n in test.record.noted]
    errata = [(nodeid, n) for nodeid, n in noted if n.erratum]
    should = [(nodeid, n) for nodeid, n in noted if not n.erratum]
    if should or session.teardown_problems:
        reporter.write_sep("=", "llama-conformance: SHOULD-level findings (warnings, not failures)")
        for nodeid, item in should:
            reporter.write_line(f"{nodeid.split('::')[-1]}: [{item.level} {item.check}] {item.message}")
        for problem in session.teardown_problems:
            reporter.write_line(redact(problem))
    if errata:
        reporter.write_sep("=", "llama-conformance: contract errata (the published contract, not the provider)")
        by_erratum: dict[str, list[tuple[str, NotedFinding]]] = {}
        for nodeid, item in errata:
            by_erratum.setdefault(f"{item.erratum}/{item.check}", []).append((nodeid, item))
        for seen in by_erratum.values():
            tests = sorted({nodeid.split("::")[-1] for nodeid, _ in seen})
            first = seen[0][1]
            reporter.write_line(f"[ERRATUM {first.erratum} / {first.check}] {first.message} (seen in {len(tests)} "
                                f"tests: {', '.join(tests[:3])}{' ...' if len(tests) > 3 else ''})")
    write_repairs(reporter, collected)
    write_fuzz_tally(reporter)
    write_provider_time(reporter, session, collected)
    write_not_judged(reporter, collected)
    write_inconclusive(reporter)
    write_skips(reporter)
    write_not_applicable(reporter)


def write_inconclusive(reporter: pytest.TerminalReporter) -> None:
    """Every test the kit could not judge, with the cause: neither a pass nor a failure."""
    from llama_conformance.evidence import parse_reason

    reports = [r for r in reporter.stats.get("inconclusive", []) if getattr(r, "when", "") == "call"]
    if not reports:
        return
    reporter.write_sep("=", f"llama-conformance: {len(reports)} tests inconclusive (not judged: fix the cause, "
                            "then run again)")
    for report in reports:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        parsed = parse_reason(reason)
        checks, cause = parsed if parsed else ([], reason)
        reporter.write_line(f"{report.nodeid.split('::')[-1]}: [{', '.join(checks)}] {cause}")


def write_not_judged(reporter: pytest.TerminalReporter, collected: Collected) -> None:
    """The checks each failed test did not get to: only the step that failed is charged (a store that
    could not be created fails ``vector_io.store.create``), the test's own checks stay unjudged."""
    from llama_conformance.report.results import results_of

    lines = []
    for test in collected.kit_tests:
        results = [r for r in results_of(test) if r.outcome in ("failed", "expected-failure")]
        unjudged = results[0].not_judged if results else ()
        if unjudged:
            charged = ", ".join(dict.fromkeys(r.check for r in results))
            lines.append(f"{test.nodeid.split('::')[-1]}: failed at {charged}; not judged: {', '.join(unjudged)}")
    if lines:
        reporter.write_sep("=", f"llama-conformance: checks not judged in {len(lines)} failed tests "
                                "(each stopped at the failure named)")
        for line in lines:
            reporter.write_line(line)


def _skip_text(report: pytest.TestReport) -> str:
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    return str(reason).removeprefix("Skipped: ")


def _skipped_reports(reporter: pytest.TerminalReporter) -> list[pytest.TestReport]:
    return [r for r in reporter.stats.get("skipped", []) if getattr(r, "when", "") in ("setup", "call")]


def write_skips(reporter: pytest.TerminalReporter) -> None:
    """Every skipped test with its reason: a skip is never folded into a pass. (Tests, not checks: the
    report's totals count the checks no other test judged.)"""
    from llama_conformance.report.applicability import not_applicable_reason

    skipped = [r for r in _skipped_reports(reporter) if not not_applicable_reason(_skip_text(r))]
    if not skipped:
        return
    reporter.write_sep("=", f"llama-conformance: {len(skipped)} tests skipped (not passed)")
    for report in skipped:
        reporter.write_line(f"{report.nodeid.split('::')[-1]}: {_skip_text(report)}")


def write_not_applicable(reporter: pytest.TerminalReporter) -> None:
    """Tests this mode cannot exercise (a member with no HTTP route): apart from skips, never against
    the verdict."""
    from llama_conformance.report.applicability import not_applicable_reason

    found = [(r, why) for r in _skipped_reports(reporter) if (why := not_applicable_reason(_skip_text(r)))]
    if not found:
        return
    reporter.write_sep("=", f"llama-conformance: {len(found)} tests not applicable in this mode")
    for report, why in found:
        reporter.write_line(f"{report.nodeid.split('::')[-1]}: {why}")
