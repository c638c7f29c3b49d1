"""The llama-stack-api 0.x suites (safety, datasetio, scoring, eval, benchmarks) catch each
broken provider made for them, and the kit's reference providers pass them.

Each fixture differs from a reference provider (``fixtures/reference/``) by one defect. The
APIs exist only in llama-stack-api, so every run forces that package; the runs select the
suite with ``-m`` and the test that judges the defect with ``-k``. All runs share one fresh
process (``matrix``): one interpreter start and one import of the package for 38 kit sessions.
"""

from __future__ import annotations

import re

import pytest
from test_behavioural_checks import (
    _block,
    assert_fails_exactly,
    assert_passes,
    failed_tests,
    failure_reports,
    literal,
    must_ids,
    only,
)
from tests_support import requires, run_kit_batch

pytestmark = [pytest.mark.defects, pytest.mark.xdist_group("ls07-matrix")]

LLAMA_STACK_API = "--llama-api-package=llama_stack_api"
SUITES = ("-m", "behavioral or negative")

# defect -> (the test that judges it, the check ids its failure must name)
MUST_DEFECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "datasetio-iterrows-drops-last": ("test_iterrows_and_pagination", ("datasetio.iterrows",)),
    "datasetio-has-more-wrong": ("test_iterrows_and_pagination", ("datasetio.iterrows.pagination",)),
    "datasetio-append-discarded": ("test_append_rows_round_trip", ("datasetio.append-rows",)),
    "datasetio-unknown-key-error": ("test_unknown_dataset", ("datasetio.not-found", "call.typed-error")),
    "safety-clean-flagged": ("test_run_shield_clean_input", ("safety.run-shield.clean",)),
    "safety-assistant-crash": ("test_run_shield_fuzz", ("safety.run-shield.fuzz", "call.typed-error")),
    # only text with a PII shape is rewritten: caught because drawn messages carry domain values
    "safety-redacts-in-place": ("test_run_shield_fuzz", ("call.request-unchanged",)),
    "safety-unknown-shield-clean": ("test_unknown_shield", ("safety.shield.not-found",)),
    "safety-moderation-one-result": ("test_run_moderation_shape", ("safety.moderation",)),
    "scoring-functions-duplicated": ("test_score_listed_functions", ("scoring.functions.listed",)),
    "scoring-score-one-row": ("test_score_listed_functions", ("scoring.score",)),
    "scoring-empty-answer-crash": ("test_score_fuzz", ("scoring.score.fuzz", "call.typed-error")),
    "scoring-batch-drops-rows": ("test_score_batch", ("scoring.score-batch",)),
    "scoring-unknown-key-error": ("test_unknown_function_and_dataset", ("scoring.not-found", "call.typed-error")),
    "eval-generations-short": ("test_evaluate_rows", ("eval.evaluate-rows",)),
    "eval-job-status-wrong-id": ("test_run_eval_job_lifecycle", ("eval.job.lifecycle",)),
    "eval-unknown-job-status": ("test_unknown_job", ("eval.job.not-found",)),
    "eval-unknown-benchmark-key-error": ("test_unknown_benchmark", ("eval.benchmark.not-found", "call.typed-error")),
    "benchmarks-register-ignored": ("test_register_benchmark", ("benchmarks.register",)),
}
# One defect, one level: no unregister_benchmark, which the routing table calls when a user unregisters
# (test_a_missing_routing_table_member_is_judged_at_one_level).
ONE_LEVEL = ("--llama-provider=inline::broken-benchmarks-unregister-missing", LLAMA_STACK_API,
             "-m", "structural or behavioral", "-k", "unregister_benchmark")
# A member the routing table calls is absent: the structural suite fails it at MUST, once; the
# behavioural test that needs it is not judged (a skip naming that check), never a second finding.
# defect -> (api, member, the behavioural test that needs it)
ABSENT_MEMBERS: dict[str, tuple[str, str, str]] = {
    "datasetio-register-missing": ("datasetio", "register_dataset", "test_iterrows_and_pagination"),
    "datasetio-unregister-missing": ("datasetio", "unregister_dataset", "test_unregister"),
    "safety-register-missing": ("safety", "register_shield", "test_run_shield_clean_input"),
    "safety-unregister-missing": ("safety", "unregister_shield", "test_unregister_shield"),
}

# defect -> (test, SHOULD check id, what the finding says: an fnmatch pattern)
SHOULD_DEFECTS: dict[str, tuple[str, str, str]] = {
    "datasetio-unregister-keeps": ("test_unregister", "datasetio.unregister.forgets",
                                   "iterrows of unregistered dataset * still returned 1 rows."),
    "safety-moderation-flags-all": ("test_run_moderation_shape", "safety.moderation.clean",
                                    "run_moderation flags clean input among *"),
    "benchmarks-unregister-keeps": ("test_unregister_benchmark", "benchmarks.unregister.forgets",
                                    "run_eval of unregistered benchmark * still answered."),
}


@pytest.fixture(autouse=True)
def _llama_stack_api() -> None:
    requires("llama_stack_api")


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pytest.RunResult]:
    """Every defect and reference run of this module in one kit process (``run_kit_batch``): all
    are judged against llama-stack-api, by in-memory fixtures that keep no process-wide state."""
    requires("llama_stack_api")
    # Defect runs draw with a fixed seed: a rare draw (a moderation of one input only) must not hide the defect.
    seed = "--hypothesis-seed=1"
    runs = {**{d: (f"--llama-provider=inline::broken-{d}", LLAMA_STACK_API, *SUITES, *only(MUST_DEFECTS[d][0]), seed)
               for d in MUST_DEFECTS},
            **{d: (f"--llama-provider=inline::broken-{d}", LLAMA_STACK_API, *SUITES, *only(SHOULD_DEFECTS[d][0]), seed)
               for d in SHOULD_DEFECTS},
            **{d: (f"--llama-provider=inline::broken-{d}", LLAMA_STACK_API, "-m", "structural or behavioral", "-k",
                   f"{member} or {test}") for d, (_api, member, test) in ABSENT_MEMBERS.items()},
            **{p: (f"--llama-provider={p}", LLAMA_STACK_API) for p in REFERENCES}, "one-level": ONE_LEVEL}
    return dict(zip(runs, run_kit_batch(tmp_path_factory.mktemp("ls07-matrix"), list(runs.values())), strict=True))


@pytest.mark.parametrize("defect", sorted(MUST_DEFECTS))
def test_must_defect_is_caught(matrix: dict[str, pytest.RunResult], defect: str) -> None:
    test, check_ids = MUST_DEFECTS[defect]
    assert_fails_exactly(matrix[defect], {test: check_ids})


def test_a_missing_routing_table_member_is_judged_at_one_level(matrix: dict[str, pytest.RunResult]) -> None:
    """The structural suite fails the absent unregister_benchmark at MUST (the user's DELETE would get a
    500); a behavioural test that needs it reports it at no other level (it names the same check, or a
    check at the same level): levels come from one place (``checks.py``, ``structural.absence_check``)."""
    result = matrix["one-level"]
    text = result.stdout.str()
    failed = failed_tests(result)
    structural = "test_structure[eval.unregister_benchmark]"
    assert result.ret == pytest.ExitCode.TESTS_FAILED and structural in failed, text
    assert failed <= {structural, "test_unregister_benchmark"}, failed
    assert "structure.routing.implied-member" in must_ids(failure_reports(result)[structural])
    tags = re.findall(r"\[(MUST|SHOULD|MAY) (structure\.routing\.implied-member|benchmarks\.unregister)\]", text)
    assert tags and {level for level, _check in tags} == {"MUST"}, tags


@pytest.mark.parametrize("defect", sorted(ABSENT_MEMBERS))
def test_an_absent_member_fails_once_at_must(matrix: dict[str, pytest.RunResult], defect: str) -> None:
    api, member, behavioural = ABSENT_MEMBERS[defect]
    result = matrix[defect]
    structural = f"test_structure[{api}.{member}]"
    assert failed_tests(result) == {structural}, result.stdout.str()
    assert must_ids(failure_reports(result)[structural]), result.stdout.str()
    assert not re.search(rf"\[(SHOULD|MAY) [a-z.-]+\][^\n]*{member}", result.stdout.str())
    result.stdout.fnmatch_lines([f"{literal(behavioural)}: * has no `{member}`*fails in {literal(structural)}*"])


def test_in_place_redaction_names_the_changed_path(matrix: dict[str, pytest.RunResult]) -> None:
    """The finding points at the message field the shield rewrote and shows what it became."""
    report = failure_reports(matrix["safety-redacts-in-place"])["test_run_shield_fuzz"]
    assert re.search(r"safety\.run_shield changed the caller's request in place: messages\[\d\]\.content: "
                     r"'[^']*' became '[^']*\[REDACTED\]", report), report


@pytest.mark.parametrize("defect", sorted(SHOULD_DEFECTS))
def test_should_defect_is_a_warning_not_a_failure(matrix: dict[str, pytest.RunResult], defect: str) -> None:
    test, check_id, says = SHOULD_DEFECTS[defect]
    result = matrix[defect]
    assert_passes(result)
    assert _block(result, "SHOULD-level findings"), result.stdout.str()
    result.stdout.fnmatch_lines([f"{literal(test)}: [[]SHOULD {check_id}[]] {says}"])


# reference provider -> tests it passes (structural and behavioural suites, no skips)
REFERENCES = {
    "inline::kit-benchmarks": 5,  # routing-table stand-ins: the structural suite only
    "inline::kit-datasets": 5,
    "inline::kit-datasetio": 10,
    "inline::kit-safety": 11,
    "inline::kit-scoring": 11,
    "inline::kit-eval": 14,
}


@pytest.mark.parametrize("provider", sorted(REFERENCES))
def test_reference_provider_passes_every_suite(matrix: dict[str, pytest.RunResult], provider: str) -> None:
    result = matrix[provider]
    outcomes = assert_passes(result)
    assert outcomes.get("passed") == REFERENCES[provider] and "skipped" not in outcomes, outcomes
