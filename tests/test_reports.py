"""Certification reports, verdicts, baselines and the CLI, run the way a provider repo's CI runs them.

Each case runs the kit in a fresh process on a reference or a one-defect provider and reads
what it wrote: ``report.json`` (validated against the shipped schema), the JUnit file, the
exit code. The renderers' own tests are in ``test_report_render.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from tests_support import requires

from llama_conformance.checks import CHECKS
from llama_conformance.report.applicability import HTTP, HTTP_IN_PROCESS, IN_PROCESS, mode_gap
from llama_conformance.report.collect import suite_nodeid, suites_dir
from llama_conformance.report.diff import diff_reports
from llama_conformance.report.plan import test_plan
from llama_conformance.report.results import plan_for
from llama_conformance.report.schema import schema_problems
from llama_conformance.report.verdict import CONFORMANT, NOT_CONFORMANT, PARTIAL, decide

pytestmark = pytest.mark.slow
CONFIGS = Path(__file__).resolve().parent.parent / "fixtures" / "configs"
FILES_BEHAVIOUR: tuple[str, ...] = ()  # every suite: a selection (-m / -k) would lower the verdict by itself


def report_of(directory: Path) -> dict[str, Any]:
    report = json.loads((directory / "report.json").read_text())
    assert schema_problems(report) == []
    return report


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {check["id"]: check["status"] for check in report["checks"]}


def run_with_report(run_suites, provider: str, tmp_path: Path, *extra: str) -> tuple[pytest.RunResult, dict]:
    out = tmp_path / "report"
    result = run_suites(provider, f"--llama-report={out}", *extra)
    return result, report_of(out)


# -- the verdict -------------------------------------------------------------------------------

def test_reference_provider_is_conformant_and_every_file_is_written(run_suites, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    result, report = run_with_report(run_suites, "inline::kit-files", tmp_path, f"--junitxml={junit}")
    assert result.ret == 0
    assert report["verdict"] == CONFORMANT and report["target"]["provider_type"] == "inline::kit-files"
    assert report["contract"]["package"] in ("ogx_api", "llama_stack_api") and report["run"]["seed"] > 0
    assert statuses(report)["files.list.pagination"] == "passed"
    # no HTTP in-process, and it says so: not applicable in this mode (neither "not run" nor in the verdict)
    assert statuses(report)["fuzz.not-a-server-error"] == "not-applicable"
    assert "in-process" in next(c["reason"] for c in report["checks"] if c["id"] == "fuzz.not-a-server-error")
    assert "repairs" not in report  # nothing of a deployment's OpenAPI document was read, so nothing repaired
    assert report["totals"]["by_api"]["files"]["MUST"]["failed"] == 0
    # A valid report passes on jsonschema-rs alone; a broken one is still worded, every problem with its path.
    broken = {**report, "verdict": "fine", "checks": [*report["checks"][:1], {"id": 3}]}
    problems = schema_problems(broken)
    assert any(p.startswith("verdict: 'fine' is not one of") for p in problems), problems
    assert any(p.startswith("checks/1") for p in problems), problems
    assert isinstance(schema_problems({**report, 1: "a key jsonschema-rs cannot read"}), list)  # judged, not raised
    for name in ("report.md", "report.html", "badge.svg"):
        assert CONFORMANT in (tmp_path / "report" / name).read_text()
    properties = [p.get("value") for p in ET.parse(junit).iter("property") if p.get("name") == "llama_conformance"]
    assert any("files.list.pagination" in value for value in properties)  # JUnit carries the check ids
    result.stdout.fnmatch_lines(["*llama-conformance verdict: Conformant*"])


def test_core_must_failure_is_not_conformant_with_a_reproducer(run_suites, tmp_path: Path) -> None:
    result, report = run_with_report(run_suites, "inline::broken-files-list-after-skips", tmp_path,
                                     *FILES_BEHAVIOUR)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert report["verdict"] == NOT_CONFORMANT
    assert "files.list.pagination" in report["verdict_reasons"][0]
    failed = [r for r in report["results"] if r["outcome"] == "failed"]
    assert [r["check"] for r in failed] == ["files.list.pagination"]
    assert failed[0]["message"] and "--hypothesis-seed=" in failed[0]["reproducer"]
    assert statuses(report)["files.upload"] == "passed"  # one defect lowers one check


def test_should_finding_warns_and_strict_makes_it_fail(run_suites, tmp_path: Path) -> None:
    lenient, report = run_with_report(run_suites, "inline::broken-files-filename-sanitized", tmp_path,
                                      *FILES_BEHAVIOUR)
    assert lenient.ret == 0 and report["verdict"] == CONFORMANT
    assert statuses(report)["files.upload.filename-kept"] == "warned"
    strict, report = run_with_report(run_suites, "inline::broken-files-filename-sanitized", tmp_path,
                                     *FILES_BEHAVIOUR, "--llama-strict")
    assert strict.ret == pytest.ExitCode.TESTS_FAILED
    assert report["verdict"] == PARTIAL and report["run"]["strict"] is True
    assert any("--llama-strict" in reason for reason in report["verdict_reasons"])


def test_a_selection_of_the_suites_is_only_partially_conformant(run_suites, tmp_path: Path) -> None:
    result, report = run_with_report(run_suites, "inline::kit-files", tmp_path, "-m", "structural")
    assert result.ret == 0 and report["verdict"] == PARTIAL
    assert "partial run (-m structural)" in report["verdict_reasons"][-1]


def test_verdict_rules() -> None:
    test_plan()  # registers every check id
    must = "files.list"
    assert decide({must: "failed"}, set(), strict=False, failed_levels={must: {"MUST"}}, selection=None)[0] \
        == NOT_CONFORMANT
    assert decide({must: "passed"}, set(), strict=False, failed_levels={}, selection=None)[0] == CONFORMANT
    assert decide({must: "skipped"}, set(), strict=False, failed_levels={}, selection=None)[0] == PARTIAL
    assert decide({must: "not-run"}, set(), strict=False, failed_levels={}, selection=None)[0] == NOT_CONFORMANT
    # a stream invariant failing in the streaming test belongs to that capability, not to Core
    stream = "stream.completion.same-id"
    verdict, reasons = decide({stream: "failed", must: "passed"}, {"streaming"}, strict=False,
                              failed_levels={stream: {"MUST"}}, failed_in={stream: {"streaming"}}, selection=None)
    assert verdict == PARTIAL and reasons[0] == "declared capability `streaming` failed: stream.completion.same-id"
    # a check this mode cannot exercise neither lowers the verdict nor counts as having run
    assert decide({must: "passed", "http.error.body": "not-applicable"}, set(), strict=False, failed_levels={},
                  selection=None)[0] == CONFORMANT
    assert decide({"http.error.body": "not-applicable"}, set(), strict=False, failed_levels={},
                  selection=None)[0] == NOT_CONFORMANT
    # a baselined Core failure still is one: a baseline gates CI, it does not certify
    assert decide({must: "expected-failure"}, set(), strict=False, failed_levels={must: {"MUST"}},
                  selection=None)[0] == NOT_CONFORMANT


def test_verdict_names_the_declared_capability_that_failed() -> None:
    test_plan()
    statuses_ = {"files.list": "passed", "inference.chat.stream": "failed", "stream.completion.same-id": "failed"}
    verdict, reasons = decide(statuses_, {"streaming"}, strict=False,
                              failed_levels={"inference.chat.stream": {"MUST"}, "stream.completion.same-id": {"MUST"}},
                              failed_in={"inference.chat.stream": {"streaming"},
                                         "stream.completion.same-id": {"streaming"}}, selection=None)
    assert verdict == PARTIAL
    assert reasons[0] == "declared capability `streaming` failed: inference.chat.stream, stream.completion.same-id"
    _, undeclared = decide({"inference.rerank.answer": "failed"}, set(), strict=False,
                           failed_levels={"inference.rerank.answer": {"MUST"}}, selection=None)
    assert undeclared == ["optional capability `rerank` (not declared) failed: inference.rerank.answer"]


# -- what a report lists: checks that can apply, not-applicable apart, setup failures, paths -----

def test_the_plan_holds_only_checks_that_can_apply_to_the_apis() -> None:
    """Applicability is read from the declarations: a check's API, the API whose types a validation
    family judges, the APIs with capabilities; never a list of ids kept beside them."""
    eval_plan = {check.id for check in plan_for(["eval"])}
    assert not {i for i in eval_plan if i.startswith(("embeddings.", "stream.", "inference.", "files."))}
    assert {"benchmarks.unregister", "call.no-hang", "response.schema", "structure.member.present",
            "fuzz.not-a-server-error", "http.error.body"} <= eval_plan
    assert not {"capability.declared-implemented", "http.sse.framing", "fuzz.sse-event"} & eval_plan  # no stream
    inference = {check.id for check in plan_for(["inference"])}
    assert {"embeddings.count", "stream.completion.same-id", "stream.nonempty", "http.sse.framing",
            "capability.declared-implemented"} <= inference
    assert not {i for i in inference if i.startswith(("stream.responses.", "stream.messages."))}
    responses = {check.id for check in plan_for(["responses"])}
    assert "stream.responses.created-first" in responses and "stream.completion.same-id" not in responses
    assert "embeddings.count" not in responses


def test_what_a_mode_cannot_exercise_is_said_from_the_declarations() -> None:
    test_plan()
    assert mode_gap(CHECKS["http.error.body"], IN_PROCESS) and mode_gap(CHECKS["fuzz.answer"], IN_PROCESS)
    assert mode_gap(CHECKS["http.error.body"], HTTP_IN_PROCESS) is None
    assert mode_gap(CHECKS["structure.member.present"], HTTP) and mode_gap(CHECKS["lifecycle.build"], HTTP)
    assert mode_gap(CHECKS["structure.member.present"], HTTP_IN_PROCESS) is None
    assert all(mode_gap(CHECKS[i], mode) is None for i in ("files.list", "response.type") for mode in
               (IN_PROCESS, HTTP_IN_PROCESS, HTTP))


def test_an_eval_run_reports_no_checks_of_other_apis_and_no_repairs(run_suites, tmp_path: Path) -> None:
    """A safety provider (llama-stack-api): no embeddings, stream or inference checks counted as not run;
    the HTTP-only checks not applicable in-process, apart; no OpenAPI repairs section; counts agree."""
    requires("llama_stack_api")
    result, report = run_with_report(run_suites, "inline::kit-safety", tmp_path,
                                     "--llama-api-package=llama_stack_api")
    assert result.ret == 0 and report["verdict"] == CONFORMANT, report["verdict_reasons"]
    ids = statuses(report)
    assert not [i for i in ids if i.startswith(("embeddings.", "stream.", "inference.", "files."))], sorted(ids)
    assert "not-run" not in ids.values()
    http_only = {i for i in ids if i.startswith(("http.", "fuzz."))}
    assert http_only and {ids[i] for i in http_only} == {"not-applicable"}
    overall = report["totals"]["overall"]
    # Left out by the run's own choice: the stress checks (fast profile), the secret check (no secret).
    chosen = {i for i in ids if i.startswith(("stress.", "security."))}
    assert chosen and {ids[i] for i in chosen} == {"not-applicable"}
    assert sum(overall.values()) == len(report["checks"])
    assert overall["not-applicable"] == len(http_only) + len(chosen)
    assert "repairs" not in report
    md = (tmp_path / "report" / "report.md").read_text()
    assert "OpenAPI repairs" not in md and f"## Not applicable in this mode ({len(http_only) + len(chosen)})" in md
    assert "OpenAPI repairs" not in (tmp_path / "report" / "report.html").read_text()


def test_a_member_with_no_http_route_is_not_applicable_over_http(run_suites, tmp_path: Path) -> None:
    """register_model has no route: over HTTP its check is not applicable (apart, not a skip that would
    leave a Core MUST check "only skipped"). No test of this selection read the OpenAPI document, so the HTTP
    run's report says nothing of its repairs (``tests/test_fuzz_engine_optional.py``: one that read it lists them)."""
    result, report = run_with_report(run_suites, "inline::kit-inference", tmp_path, "--llama-over-http",
                                     "-m", "behavioral", "-k", "test_register_served_model or test_models_listed")
    assert result.ret == 0
    check = next(c for c in report["checks"] if c["id"] == "inference.models.register")
    assert check["status"] == "not-applicable" and "has no HTTP route" in check["reason"]
    assert statuses(report)["inference.models.listed"] == "passed"
    assert not report["skips"] and not any("only skipped" in reason for reason in report["verdict_reasons"])
    assert "repairs" not in report and report["target"]["transport"] == "http-in-process"
    assert statuses(report)["structure.member.present"] != "not-applicable"  # the provider object is here


def test_a_failed_setup_step_charges_only_its_own_check(run_suites, tmp_path: Path) -> None:
    """A store that cannot be created fails vector_io.store.create; the isolation and files checks of the
    tests that needed the store are not judged (and say so), not failed."""
    tests = ("test_stores_are_isolated", "test_attach_file")
    result, report = run_with_report(run_suites, "inline::broken-vector-io-create-raises", tmp_path,
                                     "--llama-api=vector_io", "-m", "behavioral", "-k", " or ".join(tests))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    failed = [r for r in report["results"] if r["outcome"] == "failed"]
    assert {r["check"] for r in failed} == {"vector_io.store.create"} and len(failed) == 2
    assert statuses(report)["vector_io.store.create"] == "failed"
    for check_id in ("vector_io.isolation", "vector_io.files.attach"):
        assert statuses(report)[check_id] == "not-run", check_id  # no result: not judged, not failed
    not_judged = {r["test"].split("::")[-1]: r["not_judged"] for r in failed}
    assert "vector_io.isolation" in not_judged["test_stores_are_isolated"]
    assert {"vector_io.files.attach", "vector_io.isolation"} <= set(not_judged["test_attach_file"])
    assert "vector_io.store.create" in report["verdict_reasons"][0]
    assert "vector_io.isolation" not in report["verdict_reasons"][0]
    result.stdout.fnmatch_lines(["*checks not judged in 2 failed tests*",
                                 "test_stores_are_isolated: failed at vector_io.store.create; not judged: "
                                 "vector_io.isolation*"])
    assert "Not judged (the test stopped at this failure)" in (tmp_path / "report" / "report.md").read_text()


def test_test_paths_are_relative_to_the_suites(run_suites, tmp_path: Path) -> None:
    """With a rootdir above the installed suites (a provider repo's .tox/.../site-packages), pytest's
    node ids run through it; the report names tests from the suites package on."""
    suites = suites_dir()
    assert suites is not None
    result, report = run_with_report(run_suites, "inline::kit-files", tmp_path, f"--rootdir={suites.parent}",
                                     "-m", "behavioral", "-k", "test_delete or test_unknown_ids")
    assert result.ret == 0
    tests = {r["test"] for r in report["results"]}
    assert tests == {"files/test_files.py::test_delete", "negative/test_unknown_ids.py::test_unknown_ids[files]"}, \
        tests


def test_suite_nodeid_is_the_path_inside_the_suites_package(tmp_path: Path) -> None:
    suites = suites_dir()
    assert suites is not None
    root = suites.parent.parent
    inside = f"{suites.relative_to(root).as_posix()}/files/test_files.py::test_delete[x]"
    assert suite_nodeid(inside, root) == "files/test_files.py::test_delete[x]"
    assert suite_nodeid("tests/test_mine.py::test_it", tmp_path) == "tests/test_mine.py::test_it"  # not the kit's


# -- baselines ---------------------------------------------------------------------------------

def test_baseline_turns_known_failures_into_expected_ones(run_suites, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text("expected_failures:\n  files.list.pagination: same-second cursor\n")
    result, report = run_with_report(run_suites, "inline::broken-files-list-after-skips", tmp_path,
                                     *FILES_BEHAVIOUR, f"--llama-baseline={baseline}")
    assert result.ret == 0
    result.assert_outcomes(xfailed=1, passed=result.parseoutcomes()["passed"])
    assert statuses(report)["files.list.pagination"] == "expected-failure"
    assert report["verdict"] == NOT_CONFORMANT  # still a failure of the contract


def test_unexpected_failure_still_fails_a_baselined_run(run_suites, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text("expected_failures:\n  files.delete: something else\n")
    result = run_suites("inline::broken-files-list-after-skips", *FILES_BEHAVIOUR, f"--llama-baseline={baseline}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_stale_baseline_fails_the_run(run_suites, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text("expected_failures:\n  files.list.pagination: fixed since\n")
    result = run_suites("inline::kit-files", *FILES_BEHAVIOUR, f"--llama-baseline={baseline}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*stale baseline: files.list.pagination now pass*"])


def test_update_baseline_records_the_failures_then_the_run_is_green(run_suites, tmp_path: Path) -> None:
    baseline = tmp_path / "ci" / "baseline.yaml"
    first = run_suites("inline::broken-files-list-after-skips", *FILES_BEHAVIOUR, f"--llama-baseline={baseline}",
                       "--llama-update-baseline")
    assert first.ret == 0
    assert "files.list.pagination" in baseline.read_text()
    again = run_suites("inline::broken-files-list-after-skips", *FILES_BEHAVIOUR, f"--llama-baseline={baseline}")
    assert again.ret == 0


@pytest.mark.parametrize(("content", "says"), [
    ("expected_failures:\n  files.list.paginaton: typo\n", "unknown check id(s) files.list.paginaton"),
    ("[not, a, mapping", "not valid YAML"),
])
def test_bad_baseline_is_a_usage_error(run_suites, tmp_path: Path, content: str, says: str) -> None:
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(content)
    result = run_suites("inline::kit-files", f"--llama-baseline={baseline}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert says in result.stderr.str()


# -- secrets and xdist -------------------------------------------------------------------------

def test_secrets_stay_out_of_reports_and_junit(run_suites, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLAMA_CONFORMANCE_TEST_API_KEY", "sk-kit-test-0123456789")
    monkeypatch.setenv("LLAMA_CONFORMANCE_TEST_HOST", "tenant-42.internal.example")
    junit = tmp_path / "junit.xml"
    result, report = run_with_report(run_suites, "inline::broken-lifecycle-leaking", tmp_path,
                                     f"--llama-provider-config={CONFIGS / 'leaky.yaml'}", f"--junitxml={junit}")
    assert report["verdict"] == NOT_CONFORMANT and statuses(report)["lifecycle.build"] == "failed"
    assert "authentication failed for key ***" in json.dumps(report)  # the provider's own message, redacted
    written = [junit, *(tmp_path / "report").iterdir()]
    for text in [result.stdout.str(), result.stderr.str(), *(path.read_text() for path in written)]:
        assert "sk-kit-test-0123456789" not in text and "tenant-42.internal.example" not in text


def test_report_under_xdist_matches_a_single_process_run(run_suites, tmp_path: Path) -> None:
    single, one = run_with_report(run_suites, "inline::kit-files", tmp_path / "one", "--hypothesis-seed=7")
    spread, two = run_with_report(run_suites, "inline::kit-files", tmp_path / "two", "--hypothesis-seed=7",
                                  "-n", "2")
    assert single.ret == spread.ret == 0
    assert one["verdict"] == two["verdict"] and statuses(one) == statuses(two)
    assert len(one["results"]) == len(two["results"]) and one["errata"] and two["errata"]
    assert two["run"]["seed"] == 7


def test_workers_draw_with_the_controllers_seed(run_suites, tmp_path: Path) -> None:
    result, report = run_with_report(run_suites, "inline::kit-files", tmp_path, "-n", "2")
    seed = report["run"]["seed"]
    result.stdout.fnmatch_lines([f"*seed {seed}*"])
    assert all(f"--hypothesis-seed={seed}" in r["reproducer"] for r in report["results"] if r["reproducer"])


# -- the CLI -----------------------------------------------------------------------------------

def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "llama_conformance.cli", *args], capture_output=True, text=True,
                          cwd=cwd, check=False, timeout=300)


def test_list_is_the_published_test_plan() -> None:
    done = cli("list", "--json")
    rows = json.loads(done.stdout)
    assert done.returncode == 0 and {row["id"] for row in rows} == {check.id for check in test_plan()}
    assert all(row["reference"] and row["level"] in ("MUST", "SHOULD", "MAY") for row in rows)
    assert {"core", "extended"} <= {row["scope"] for row in rows}
    table = cli("list", "--api", "files")
    assert "files.list.pagination" in table.stdout and "inference.chat.answer" not in table.stdout


def test_run_writes_a_report_and_diff_gates_on_regressions(tmp_path: Path) -> None:
    good = cli("run", "--llama-provider=inline::kit-files", f"--report={tmp_path / 'good'}",
               "--llama-provider-module=llama_conformance_fixtures.broken", cwd=tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "[" in good.stderr and "failed" in good.stderr  # the progress line
    bad = cli("run", "--llama-provider=inline::broken-files-list-after-skips",
              f"--report={tmp_path / 'bad'}", "--llama-provider-module=llama_conformance_fixtures.broken", cwd=tmp_path)
    assert bad.returncode == 1
    regressed = cli("diff", str(tmp_path / "good" / "report.json"), str(tmp_path / "bad" / "report.json"))
    assert regressed.returncode == 1
    assert "verdict: Conformant -> Not conformant" in regressed.stdout
    assert "files.list.pagination: passed -> failed" in regressed.stdout
    improved = cli("diff", str(tmp_path / "bad" / "report.json"), str(tmp_path / "good" / "report.json"))
    assert improved.returncode == 0 and "Improvements" in improved.stdout
    (tmp_path / "good" / "report.md").unlink()
    rendered = cli("report", str(tmp_path / "good" / "report.json"))
    assert rendered.returncode == 0 and (tmp_path / "good" / "report.md").exists()
    (tmp_path / "junk.json").write_text('{"verdict": "fine"}')
    refused = cli("diff", str(tmp_path / "junk.json"), str(tmp_path / "good" / "report.json"))
    assert refused.returncode == 2 and "is not a llama-conformance report" in refused.stderr


def test_findings_travel_from_the_exception_to_the_record_as_data() -> None:
    """A failure's findings are taken from the exception (Hypothesis' groups included), redacted, and
    reach the report through the record: nothing reads a check id back out of the failure's text."""
    from llama_conformance.behaviour.judge import CheckFailed
    from llama_conformance.checks import finding
    from llama_conformance.engine_checks import NO_HANG, TYPED_ERROR
    from llama_conformance.pytest_plugin.reporting import failure_findings
    from llama_conformance.pytest_plugin.verdict import FindingsFailed, findings_of
    from llama_conformance.report.collect import TestOutcome
    from llama_conformance.report.record import TestRecord
    from llama_conformance.report.results import results_of

    hang = finding(NO_HANG, "m did not return: [MUST call.typed-error] quoted by the provider, key=s3cret")
    typed = finding(TYPED_ERROR, "m raised a 500")
    shrunk = CheckFailed([hang])
    shrunk.add_note('request (JSON): {"key": "s3cret"}')
    group = BaseExceptionGroup("two distinct failures", [shrunk, FindingsFailed([typed], text="whatever it says")])
    assert findings_of(group) == [hang, typed] and findings_of(ValueError("[MUST call.no-hang] x")) == []
    found = failure_findings(group, lambda text: text.replace("s3cret", "***"))
    assert [(noted.check, noted.level) for noted in found] == [(NO_HANG.id, "MUST"), (TYPED_ERROR.id, "MUST")]
    assert "s3cret" not in found[0].message and found[-1].message.endswith('request (JSON): {"key": "***"}')
    record = TestRecord(checks=[NO_HANG.id, TYPED_ERROR.id, "call.no-crash"], api="files", subject=None,
                        reproducer=None, failed=found)
    carried = TestRecord.from_report(type("Report", (), {"user_properties": [record.to_property()]})())
    assert carried == record
    results = results_of(TestOutcome(nodeid="t.py::test_x", outcome="failed", text="not read", record=carried))
    assert [(r.check, r.outcome, r.not_judged) for r in results] == [
        (NO_HANG.id, "failed", ("call.no-crash",)), (TYPED_ERROR.id, "failed", ("call.no-crash",))]
    assert "quoted by the provider" in results[0].message  # a tag inside a message is text, not a check


def test_diff_rules() -> None:
    def report(verdict: str, **status: str) -> dict[str, Any]:
        return {"verdict": verdict, "checks": [{"id": k.replace("_", "."), "status": v} for k, v in status.items()]}

    worse = diff_reports(report(CONFORMANT, a_b="passed"), report(CONFORMANT, a_b="skipped"))
    assert worse.regressions == ["a.b: passed -> skipped"]
    new_failure = diff_reports(report(CONFORMANT), report(PARTIAL, c_d="failed"))
    assert len(new_failure.regressions) == 2
    assert diff_reports(report(CONFORMANT, a_b="warned"), report(CONFORMANT, a_b="passed")).improvements


def test_a_report_of_a_newer_minor_is_read_and_its_new_fields_passed_over() -> None:
    """"A reader of major 1 reads every 1.x report": a minor adds optional fields, which a kit that does not know them
    yet (``llama-conformance report`` / ``diff`` of a report another kit version wrote) passes over; what it writes
    itself stays closed, and a report missing a field every 1.x has, or of another major, is still refused."""
    from llama_conformance.report.schema import reading_problems, schema_problems

    published = Path(__file__).resolve().parent.parent / "docs" / "matrix" / "reports" / "ogx-files-s3"
    older = json.loads((published / "ogx-api-1.5.0" / "report.json").read_text())
    assert older["schema_version"].startswith("1.") and reading_problems(older) == []  # written by kit 1.1
    newer = {**older, "schema_version": "1.99", "signed_by": "a later kit",
             "run": {**older["run"], "cpu_s": 12.5}}
    assert reading_problems(newer) == []
    assert schema_problems(newer), "the kit's own reports stay closed to fields it does not declare"
    assert reading_problems({k: v for k, v in newer.items() if k != "verdict"})
    assert reading_problems({**newer, "schema_version": "2.0"})
