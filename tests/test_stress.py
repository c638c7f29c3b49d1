"""``--llama-profile stress``: concurrent calls and long streams, bounded, loopback only.

- each ``stress-*`` broken provider (state kept on ``self`` across an await; a stream cut when
  another starts; a file-id counter read before an await) fails its stress check, in-process
  and over HTTP (``--llama-over-http``), while the same provider passes the single-call
  checks of the fast profile: only concurrency shows the defect;
- the reference inference and files providers pass the stress suite, both ways, and the
  stress suite ends by itself within the profile's wall-time cap;
- outside the stress profile the stress tests run nothing and end *not applicable*;
- a deployment URL off this machine is refused with a usage error (exit 4) before any test,
  a loopback one is accepted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests_support import run_kit_batch

pytestmark = [pytest.mark.defects, pytest.mark.xdist_group("stress")]

STRESS = ("--llama-profile=stress", "-k", "stress", "-p", "no:randomly", "--durations=0", "-vv")
MODES = {"in-process": (), "over-http": ("--llama-over-http",)}
# defect -> (the check that catches it, what its finding says, the single-call tests it passes)
DEFECTS = {
    "inference-stress-state-shared": ("stress.answered-once", "was answered with the text of call(s)",
                                      "test_chat_answer or test_chat_stream"),
    "inference-stress-stream-cut": ("stress.stream-complete", "without a finish_reason",
                                    "test_chat_stream or test_chat_answer"),
    "files-stress-id-race": ("stress.answered-once", "were all answered with file id",
                             "test_upload_retrieve_content or test_list_pagination_and_order"),
}
GOOD = {"kit-inference": 2, "kit-files": 1}  # provider -> stress tests it runs
WALL_CAP_S = 60.0  # PROFILES["stress"].stress_wall_s, restated: the test must not import the kit
SPEC = Path(__file__).parents[1] / "fixtures" / "specs" / "ogx-1.5.0.openapi.json"
DEPLOYMENT = ("--llama-profile=stress", f"--llama-openapi={SPEC}", "-p", "no:randomly")


def _declared(provider: str) -> tuple[str, ...]:
    """Streaming declared where the API has it: an undeclared stream failure would only warn."""
    return ("--llama-capability=streaming",) if "inference" in provider else ()


def _stress_seconds(text: str) -> float:
    """The stress tests' own time (setup, call, teardown) from ``--durations=0``."""
    return sum(float(seconds) for seconds in re.findall(r"^([\d.]+)s \w+ +stress/", text, re.MULTILINE))


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the runs work and write their reports."""
    return tmp_path_factory.mktemp("stress")


@pytest.fixture(scope="module")
def runs(directory: Path) -> dict[str, pytest.RunResult]:
    """Every kit run of this module, in one process (in-memory fixtures, one API package)."""
    plan: dict[str, tuple[str, ...]] = {}
    for mode, extra in MODES.items():
        for provider in [*(f"broken-{d}" for d in DEFECTS), *GOOD]:
            plan[f"{provider}:{mode}"] = (f"--llama-provider=inline::{provider}", *STRESS, *extra, *_declared(provider))
    for defect, (_check, _says, single) in DEFECTS.items():
        plan[f"{defect}:fast"] = (f"--llama-provider=inline::broken-{defect}", "-k", f"stress or {single}",
                                  "-p", "no:randomly", "--hypothesis-seed=1", f"--llama-report={directory / defect}",
                                  *_declared(defect))
    plan["off-machine"] = ("--llama-stack-url=http://203.0.113.7:8321", *DEPLOYMENT)
    plan["unresolvable"] = ("--llama-stack-url=http://stress-target.invalid:8321", *DEPLOYMENT)
    plan["loopback"] = ("--llama-stack-url=http://localhost:9", *DEPLOYMENT, "--collect-only", "-q")
    results = run_kit_batch(directory, list(plan.values()))
    return dict(zip(plan, results, strict=True))


@pytest.mark.parametrize(("defect", "mode"), [(d, m) for d in sorted(DEFECTS) for m in sorted(MODES)])
def test_concurrency_defect_is_caught_by_its_stress_check(runs: dict[str, pytest.RunResult], defect: str,
                                                          mode: str) -> None:
    check, says, _single = DEFECTS[defect]
    text = runs[f"broken-{defect}:{mode}"].stdout.str()
    assert runs[f"broken-{defect}:{mode}"].ret == pytest.ExitCode.TESTS_FAILED, text
    assert f"[MUST {check}]" in text and says in text, text
    assert "keep per-request values in locals" in text  # the finding tells the maintainer what to change


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_the_same_defect_passes_single_calls_and_the_stress_checks_are_not_applicable(
        runs: dict[str, pytest.RunResult], directory: Path, defect: str) -> None:
    """Without the stress profile nothing runs at once: the defect is invisible and nothing is blamed."""
    result = runs[f"{defect}:fast"]
    text = result.stdout.str()
    outcomes = result.parseoutcomes()
    assert result.ret == 0 and outcomes.get("passed", 0) >= 2 and "failed" not in outcomes, text
    assert "test_stress" not in text, text  # left out at collection, not run and not skipped
    report = json.loads((directory / defect / "report.json").read_text())
    statuses = {check["id"]: check["status"] for check in report["checks"]}
    assert statuses["stress.answered-once"] == "not-applicable", statuses


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("provider", sorted(GOOD))
def test_reference_providers_pass_the_stress_suite_within_its_cap(runs: dict[str, pytest.RunResult],
                                                                  provider: str, mode: str) -> None:
    result = runs[f"{provider}:{mode}"]
    text = result.stdout.str()
    assert result.ret == 0, text
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] == GOOD[provider] and set(outcomes) <= {"passed", "deselected", "warnings"}, text
    # every round of every stress test ran, and ended by itself within the suite's cap
    assert "wall-time cap" not in text
    assert 0 < _stress_seconds(text) < WALL_CAP_S, text
    assert result.duration < 2 * WALL_CAP_S, f"{result.duration:.1f} s"  # build and collection included


@pytest.mark.parametrize("url", ["off-machine", "unresolvable"])
def test_stress_against_a_host_off_this_machine_is_a_usage_error(runs: dict[str, pytest.RunResult],
                                                                  url: str) -> None:
    result = runs[url]
    text = result.stdout.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, text
    paragraph = [line for line in text.splitlines() if "--llama-profile stress refuses --llama-stack-url" in line]
    assert len(paragraph) == 1, text
    assert "not a loopback address" in paragraph[0] and "32 concurrent calls" in paragraph[0]
    assert "start the deployment locally" in paragraph[0] and "drop --llama-profile stress" in paragraph[0]
    assert "passed" not in text and "failed" not in text  # refused before any test ran


def test_stress_against_loopback_is_accepted(runs: dict[str, pytest.RunResult]) -> None:
    result = runs["loopback"]
    text = result.stdout.str()
    assert result.ret == pytest.ExitCode.OK, text
    assert "refuses" not in text and "stress/test_stress_files.py" in text


# ----------------------------------------------------------------------------- the bounds themselves


@pytest.mark.parametrize("url", ["http://127.0.0.1:8321", "http://127.8.9.10", "http://[::1]:8321", "http://localhost"])
def test_loopback_urls_are_accepted(url: str) -> None:
    from llama_conformance.behaviour.stress import refuse_non_loopback

    refuse_non_loopback(url, "stress")


@pytest.mark.parametrize("url", ["http://203.0.113.7:8321", "https://[2001:db8::1]", "http://0.0.0.0:8321"])
def test_non_loopback_urls_are_refused_only_by_the_stress_profile(url: str) -> None:
    from llama_conformance.behaviour.stress import refuse_non_loopback

    with pytest.raises(pytest.UsageError, match="not a loopback address"):
        refuse_non_loopback(url, "stress")
    refuse_non_loopback(url, "fast")  # the bounded default profile may check any deployment


def test_no_batch_starts_after_the_wall_time_cap() -> None:
    """Rounds stop when the suite's cap is spent; a test whose first batch never started is skipped, not passed."""
    from llama_conformance.behaviour.stress import StressRun, WallBudget
    from llama_conformance.target.profiles import PROFILES

    budget = WallBudget(cap_s=0.2)
    run = StressRun(kit=None, budget=budget, profile=PROFILES["stress"])  # type: ignore[arg-type]
    started = []
    for number in run.rounds():
        started.append(number)
        run.completed += 1
        assert budget.started is not None
        budget.started -= 0.15  # the round took 0.15 s (moved on the budget's clock: a loaded machine's sleep overruns)
    assert started == [0, 1] and run.stopped and "0.2 s wall-time cap" in run.stopped

    later = StressRun(kit=None, budget=budget, profile=PROFILES["stress"])  # type: ignore[arg-type]
    with pytest.raises(pytest.skip.Exception, match=r"not judged: the stress suite's 0\.2 s wall-time cap"):
        list(later.rounds())
