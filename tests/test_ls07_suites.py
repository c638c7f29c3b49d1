"""The llama-stack-api 0.x suites (safety, datasetio, scoring, eval, benchmarks) catch each
broken provider made for them, and the kit's reference providers pass them.

Each fixture differs from a reference provider (``fixtures/reference/``) by one defect. The
APIs exist only in llama-stack-api, so every run forces that package; the runs select the
suite with ``-m`` and the test that judges the defect with ``-k``. All runs share one fresh
process (``matrix``): one interpreter start and one import of the package for 38 kit sessions.
"""

from __future__ import annotations

import pytest
from test_behavioural_checks import _block, assert_fails_exactly, assert_passes, literal, only
from tests_support import requires, run_kit_batch

pytestmark = [pytest.mark.defects, pytest.mark.xdist_group("ls07-matrix")]

LLAMA_STACK_API = "--llama-api-package=llama_stack_api"
SUITES = ("-m", "behavioral or negative")

# defect -> (the test that judges it, the check ids its failure must name)
MUST_DEFECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "datasetio-register-missing": ("test_iterrows_and_pagination", ("datasetio.register",)),
    "datasetio-iterrows-drops-last": ("test_iterrows_and_pagination", ("datasetio.iterrows",)),
    "datasetio-has-more-wrong": ("test_iterrows_and_pagination", ("datasetio.iterrows.pagination",)),
    "datasetio-append-discarded": ("test_append_rows_round_trip", ("datasetio.append-rows",)),
    "datasetio-unknown-key-error": ("test_unknown_dataset", ("datasetio.not-found", "call.typed-error")),
    "datasetio-unregister-missing": ("test_unregister", ("datasetio.unregister",)),
    "safety-register-missing": ("test_run_shield_clean_input", ("safety.shield.register",)),
    "safety-clean-flagged": ("test_run_shield_clean_input", ("safety.run-shield.clean",)),
    "safety-assistant-crash": ("test_run_shield_fuzz", ("safety.run-shield.fuzz", "call.typed-error")),
    "safety-unknown-shield-clean": ("test_unknown_shield", ("safety.shield.not-found",)),
    "safety-moderation-one-result": ("test_run_moderation_shape", ("safety.moderation",)),
    "safety-unregister-missing": ("test_unregister_shield", ("safety.shield.unregister",)),
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
    "benchmarks-unregister-missing": ("test_unregister_benchmark", ("benchmarks.unregister",)),
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
    runs = {**{d: (f"--llama-provider=inline::broken-{d}", LLAMA_STACK_API, *SUITES, *only(MUST_DEFECTS[d][0]))
               for d in MUST_DEFECTS},
            **{d: (f"--llama-provider=inline::broken-{d}", LLAMA_STACK_API, *SUITES, *only(SHOULD_DEFECTS[d][0]))
               for d in SHOULD_DEFECTS},
            **{p: (f"--llama-provider={p}", LLAMA_STACK_API) for p in REFERENCES}}
    return dict(zip(runs, run_kit_batch(tmp_path_factory.mktemp("ls07-matrix"), list(runs.values())), strict=True))


@pytest.mark.parametrize("defect", sorted(MUST_DEFECTS))
def test_must_defect_is_caught(matrix: dict[str, pytest.RunResult], defect: str) -> None:
    test, check_ids = MUST_DEFECTS[defect]
    assert_fails_exactly(matrix[defect], {test: check_ids})


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
