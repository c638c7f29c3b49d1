"""Behavioural checks of the eval API: stable ids, levels, references (registered on import)."""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, register

MUST, SHOULD = Level.MUST, Level.SHOULD

CHECKS: tuple[CheckDef, ...] = (
    CheckDef("eval.evaluate-rows", MUST,
             "evaluate_rows returns one generation per input row and a result per scoring function with one "
             "score row per input row", "eval", None,
             reference="Eval.evaluate_rows; POST /v1alpha/eval/benchmarks/{benchmark_id}/evaluations; "
                       "EvaluateRowsRequest; EvaluateResponse"),
    CheckDef("eval.job.lifecycle", MUST,
             "run_eval returns a Job; job_status of it names the same job; a completed job's job_result scores "
             "the benchmark's rows", "eval", None,
             reference="Eval.run_eval, Eval.job_status, Eval.job_result; /v1alpha/eval/benchmarks/{benchmark_id}"
                       "/jobs/{job_id}; Job; JobStatus; EvaluateResponse"),
    CheckDef("eval.job.not-found", MUST,
             "job_status / job_result / job_cancel of an unknown job raise a client (4xx) error, not a status "
             "and not a bare KeyError", "eval", None,
             reference="Eval.job_status, Eval.job_result, Eval.job_cancel; JobStatusRequest.job_id"),
    CheckDef("eval.benchmark.not-found", MUST,
             "run_eval of an unknown benchmark raises a client (4xx) error, not a bare KeyError", "eval", None,
             reference="Eval.run_eval; POST /v1alpha/eval/benchmarks/{benchmark_id}/jobs; RunEvalRequest.benchmark_id"),
)

register(*CHECKS)
