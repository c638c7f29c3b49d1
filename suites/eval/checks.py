"""The eval wing's check table: what the Eval API promises, and the broken fixtures that prove it.

Each check is declared once, here (the suite and the proofs use these names). The eval API's
checks also include what its providers owe the benchmarks routing table, declared beside the
benchmarks suite (``suites/benchmarks/checks.py``) and registered here, with the API they judge.
``WING`` is what ``llama_conformance.catalogue`` registers.
"""

from __future__ import annotations

from typing import Any

from llama_conformance.checks import CheckDef, Level, Proof, UnknownCall, UnknownIds, Wing
from llama_conformance.engine_checks import TYPED_ERROR
from llama_conformance_suites.benchmarks import checks as benchmarks

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "eval"

EVALUATE_ROWS = CheckDef("eval.evaluate-rows", MUST,
                         "evaluate_rows returns one generation per input row and a result per scoring function with "
                         "one score row per input row", API, None,
                         reference="Eval.evaluate_rows; POST /v1alpha/eval/benchmarks/{benchmark_id}/evaluations; "
                                   "EvaluateRowsRequest; EvaluateResponse")
JOB_LIFECYCLE = CheckDef("eval.job.lifecycle", MUST,
                         "run_eval returns a Job; job_status of it names the same job; a completed job's job_result "
                         "scores the benchmark's rows", API, None,
                         reference="Eval.run_eval, Eval.job_status, Eval.job_result; /v1alpha/eval/benchmarks/"
                                   "{benchmark_id}/jobs/{job_id}; Job; JobStatus; EvaluateResponse")
JOB_NOT_FOUND = CheckDef("eval.job.not-found", MUST,
                         "job_status / job_result / job_cancel of an unknown job raise a client (4xx) error, not a "
                         "status and not a bare KeyError", API, None,
                         reference="Eval.job_status, Eval.job_result, Eval.job_cancel; JobStatusRequest.job_id")
BENCHMARK_NOT_FOUND = CheckDef("eval.benchmark.not-found", MUST,
                               "run_eval of an unknown benchmark raises a client (4xx) error, not a bare KeyError",
                               API, None,
                               reference="Eval.run_eval; POST /v1alpha/eval/benchmarks/{benchmark_id}/jobs; "
                                         "RunEvalRequest.benchmark_id")

# The candidate every eval request names: ``kit-echo``, the chat model of the kit's reference
# inference provider (an eval provider's ``inference`` dependency here), which answers with the
# last user message.
KIT_CHAT_MODEL = "kit-echo"
CANDIDATE: dict[str, Any] = {"type": "model", "model": KIT_CHAT_MODEL, "sampling_params": {"max_tokens": 32}}

# Runs of the eval suites (llama-stack-api 0.x only) on one broken fixture, with a fixed seed.
_SUITES = ("-m", "behavioral or negative")
_SEEDED = ("--hypothesis-seed=1",)
_PACKAGE = "llama_stack_api"


def _proof(fixture: str, test: str, *checks: CheckDef) -> Proof:
    return Proof(fixture, {test: checks}, run=(*_SUITES, "-k", test.partition("[")[0], *_SEEDED), package=_PACKAGE)


WING = Wing(
    api=API,
    checks=(EVALUATE_ROWS, JOB_LIFECYCLE, JOB_NOT_FOUND, BENCHMARK_NOT_FOUND, *benchmarks.CHECKS),
    proofs=(
        _proof("eval-generations-short", "test_evaluate_rows", EVALUATE_ROWS),
        _proof("eval-job-status-wrong-id", "test_run_eval_job_lifecycle", JOB_LIFECYCLE),
        _proof("eval-unknown-job-status", "test_unknown_job", JOB_NOT_FOUND),
        _proof("eval-unknown-benchmark-key-error", "test_unknown_ids[eval]", BENCHMARK_NOT_FOUND, TYPED_ERROR),
    ),
    unknown_ids=(
        UnknownIds(BENCHMARK_NOT_FOUND, prefix="kit-unknown-", known="kit-benchmark-does-not-exist", max_size=30,
                   label="benchmark_id", calls=(
                       UnknownCall("run_eval", "benchmark_id", {"benchmark_config": {"eval_candidate": CANDIDATE}}),
                   )),
    ),
)
