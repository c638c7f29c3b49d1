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

from llama_conformance.report.diff import diff_reports
from llama_conformance.report.plan import test_plan
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
    assert statuses(report)["fuzz.not-a-server-error"] == "not-run"  # no HTTP in-process, and it says so
    assert report["totals"]["by_api"]["files"]["MUST"]["failed"] == 0
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
    assert verdict == PARTIAL and "optional capabilities" in reasons[0]
    # a baselined Core failure still is one: a baseline gates CI, it does not certify
    assert decide({must: "expected-failure"}, set(), strict=False, failed_levels={must: {"MUST"}},
                  selection=None)[0] == NOT_CONFORMANT


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


def test_diff_rules() -> None:
    def report(verdict: str, **status: str) -> dict[str, Any]:
        return {"verdict": verdict, "checks": [{"id": k.replace("_", "."), "status": v} for k, v in status.items()]}

    worse = diff_reports(report(CONFORMANT, a_b="passed"), report(CONFORMANT, a_b="skipped"))
    assert worse.regressions == ["a.b: passed -> skipped"]
    new_failure = diff_reports(report(CONFORMANT), report(PARTIAL, c_d="failed"))
    assert len(new_failure.regressions) == 2
    assert diff_reports(report(CONFORMANT, a_b="warned"), report(CONFORMANT, a_b="passed")).improvements
