"""Eval suite: evaluate_rows, the run_eval job lifecycle, unknown jobs and benchmarks.

A benchmark over the kit's sample dataset (``kit-qa``, three rows, scored by
``kit::equality``) is registered as the benchmarks routing table does. Its rows come from
the provider's datasetio dependency and its scores from the scoring dependency: the kit's
reference providers, which serve exactly these.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.benchmarks import benchmark, register_benchmark, unregister_benchmark
from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, NEGATIVE
from llama_conformance.behaviour.eval import (
    eval_row,
    evaluate_rows,
    job_call,
    response_problems,
    run_eval,
    wait_for_job,
)
from llama_conformance.behaviour.negative import expect_not_found, unknown_ids
from llama_conformance.behaviour.steps import KIT_SCORING_FN

pytestmark = [pytest.mark.behavioral, pytest.mark.api("eval")]

KIT_DATASET_ROWS = 3
FUNCTIONS = (KIT_SCORING_FN,)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)


@pytest.fixture
def registered(llama_kit: Kit):
    item = benchmark(llama_kit)
    register_benchmark(llama_kit, item, check_id="benchmarks.register")
    yield item
    if callable(getattr(llama_kit.put.impl, "unregister_benchmark", None)):
        unregister_benchmark(llama_kit, item.identifier)


@pytest.mark.checks("benchmarks.register", "eval.evaluate-rows", *ANSWER)
def test_evaluate_rows(llama_kit: Kit, registered) -> None:
    """eval.evaluate-rows: one generation per drawn row, one score row per row and function."""
    kit = llama_kit

    def body(pairs: list[tuple[str, str]]) -> None:
        rows = [eval_row(q, a) for q, a in pairs]
        outcome = evaluate_rows(kit, registered.identifier, rows)
        kit.judge.answered(outcome, "eval.evaluate-rows")
        kit.validate(outcome, kit.member("evaluate_rows"), expect_stream=False, check_id="eval.evaluate-rows")
        problems = response_problems(outcome.value, len(rows), FUNCTIONS)
        kit.judge.check(not problems, "eval.evaluate-rows", f"evaluate_rows of {len(rows)} rows: "
                                                            f"{'; '.join(problems)}.")

    kit.examples(st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=4), body, label="rows")


@pytest.mark.checks("benchmarks.register", "eval.job.lifecycle", *ANSWER)
def test_run_eval_job_lifecycle(llama_kit: Kit, registered) -> None:
    """eval.job.lifecycle: run_eval -> Job; job_status names it; job_result scores the dataset's rows."""
    kit = llama_kit
    for num_examples in (None, 2):
        outcome = run_eval(kit, registered.identifier, num_examples)
        kit.judge.answered(outcome, "eval.job.lifecycle")
        kit.validate(outcome, kit.member("run_eval"), expect_stream=False, check_id="eval.job.lifecycle")
        job = wait_for_job(kit, registered.identifier, outcome.value.job_id, "eval.job.lifecycle")
        kit.judge.check(job.job_id == outcome.value.job_id, "eval.job.lifecycle",
                        f"job_status of {outcome.value.job_id!r} answered for job {job.job_id!r}.")
        status = str(getattr(job.status, "value", job.status))
        if status != "completed":  # e.g. its metrics need a real model: the kit's echo model is none
            pytest.skip(f"job {job.job_id} of the kit's sample benchmark ({KIT_SCORING_FN} over three rows) ended "
                        f"{status!r}: the provider could not evaluate it, so job_result is not judged")
        result = job_call(kit, "job_result", registered.identifier, job.job_id)
        kit.judge.answered(result, "eval.job.lifecycle")
        kit.validate(result, kit.member("job_result"), expect_stream=False, check_id="eval.job.lifecycle")
        rows = KIT_DATASET_ROWS if num_examples is None else num_examples
        problems = response_problems(result.value, rows, FUNCTIONS)
        kit.judge.check(not problems, "eval.job.lifecycle",
                        f"job_result (num_examples={num_examples}): {'; '.join(problems)}.")


JOB_MEMBERS = ("job_status", "job_result", "job_cancel")


@pytest.mark.checks("benchmarks.register", "eval.job.not-found", *NEGATIVE)
@pytest.mark.negative
def test_unknown_job(llama_kit: Kit, registered) -> None:
    """eval.job.not-found: unknown jobs are a client error (job_cancel may be unimplemented: 501)."""
    kit = llama_kit
    ids = unknown_ids("kit-unknown-", known="kit-job-does-not-exist", max_size=30)

    def body(job_id: str) -> None:
        for name in JOB_MEMBERS:
            outcome = job_call(kit, name, registered.identifier, job_id)
            if name == "job_cancel" and outcome.answer is not None and outcome.answer.not_implemented:
                continue  # cancelling is optional; 501 says so honestly
            expect_not_found(kit, outcome, "eval.job.not-found", f"{name}(job_id={job_id!r})")

    kit.examples(ids, body, label="job_id")


@pytest.mark.checks("eval.benchmark.not-found", *NEGATIVE)
@pytest.mark.negative
def test_unknown_benchmark(llama_kit: Kit) -> None:
    """eval.benchmark.not-found: run_eval of a benchmark never registered is a client error."""
    kit = llama_kit
    ids = unknown_ids("kit-unknown-", known="kit-benchmark-does-not-exist", max_size=30)

    def body(benchmark_id: str) -> None:
        expect_not_found(kit, run_eval(kit, benchmark_id), "eval.benchmark.not-found",
                         f"run_eval(benchmark_id={benchmark_id!r})")

    kit.examples(ids, body, label="benchmark_id")
