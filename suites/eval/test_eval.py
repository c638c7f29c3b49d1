"""Eval suite: evaluate_rows, the run_eval job lifecycle, unknown jobs.

A benchmark over the kit's sample dataset (``kit-qa``, three rows, scored by
``kit::equality``) is registered as the benchmarks routing table does. Its rows come from
the provider's datasetio dependency and its scores from the scoring dependency: the kit's
reference providers, which serve exactly these. Each test names the checks it makes
(``checks.py`` beside this file); unknown benchmarks are the shared negative table's row
(``WING.unknown_ids``: ``test_unknown_ids[eval]``).
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, NEGATIVE
from llama_conformance.behaviour.negative import expect_not_found, unknown_ids
from llama_conformance.behaviour.steps import KIT_SCORING_FN
from llama_conformance_suites.benchmarks.checks import REGISTER
from llama_conformance_suites.benchmarks.helpers import benchmark, register_benchmark, unregister_benchmark, unregisters
from llama_conformance_suites.eval.checks import EVALUATE_ROWS, JOB_LIFECYCLE, JOB_NOT_FOUND
from llama_conformance_suites.eval.helpers import (
    eval_row,
    evaluate_rows,
    job_call,
    response_problems,
    run_eval,
    wait_for_job,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("eval")]

KIT_DATASET_ROWS = 3
FUNCTIONS = (KIT_SCORING_FN,)
TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)


@pytest.fixture
def registered(llama_kit: Kit):
    item = benchmark(llama_kit)
    register_benchmark(llama_kit, item, REGISTER)
    yield item
    if unregisters(llama_kit):
        unregister_benchmark(llama_kit, item.identifier)


@pytest.mark.checks(REGISTER, EVALUATE_ROWS, *ANSWER)
def test_evaluate_rows(llama_kit: Kit, registered) -> None:
    """eval.evaluate-rows: one generation per drawn row, one score row per row and function."""
    kit = llama_kit

    def body(pairs: list[tuple[str, str]]) -> None:
        rows = [eval_row(q, a) for q, a in pairs]
        response = kit.accept(evaluate_rows(kit, registered.identifier, rows), "evaluate_rows", EVALUATE_ROWS)
        problems = response_problems(response, len(rows), FUNCTIONS)
        kit.judge.check(not problems, EVALUATE_ROWS, f"evaluate_rows of {len(rows)} rows: {'; '.join(problems)}.")

    kit.examples(st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=4), body, label="rows")


@pytest.mark.checks(REGISTER, JOB_LIFECYCLE, *ANSWER)
def test_run_eval_job_lifecycle(llama_kit: Kit, registered) -> None:
    """eval.job.lifecycle: run_eval -> Job; job_status names it; job_result scores the dataset's rows."""
    kit = llama_kit
    for num_examples in (None, 2):
        started = kit.accept(run_eval(kit, registered.identifier, num_examples), "run_eval", JOB_LIFECYCLE)
        job = wait_for_job(kit, registered.identifier, started.job_id, JOB_LIFECYCLE)
        kit.judge.check(job.job_id == started.job_id, JOB_LIFECYCLE,
                        f"job_status of {started.job_id!r} answered for job {job.job_id!r}.")
        status = str(getattr(job.status, "value", job.status))
        if status != "completed":  # e.g. its metrics need a real model: the kit's echo model is none
            pytest.skip(f"job {job.job_id} of the kit's sample benchmark ({KIT_SCORING_FN} over three rows) ended "
                        f"{status!r}: the provider could not evaluate it, so job_result is not judged")
        result = kit.accept(job_call(kit, "job_result", registered.identifier, job.job_id), "job_result",
                            JOB_LIFECYCLE)
        rows = KIT_DATASET_ROWS if num_examples is None else num_examples
        problems = response_problems(result, rows, FUNCTIONS)
        kit.judge.check(not problems, JOB_LIFECYCLE,
                        f"job_result (num_examples={num_examples}): {'; '.join(problems)}.")


JOB_MEMBERS = ("job_status", "job_result", "job_cancel")


@pytest.mark.checks(REGISTER, JOB_NOT_FOUND, *NEGATIVE)
@pytest.mark.negative
def test_unknown_job(llama_kit: Kit, registered) -> None:
    """eval.job.not-found: unknown jobs are a client error (job_cancel may be unimplemented: 501).

    Not a row of the negative table: the calls need a registered benchmark (the ``registered``
    fixture), and job_cancel may answer 501 honestly.
    """
    kit = llama_kit
    ids = unknown_ids("kit-unknown-", known="kit-job-does-not-exist", max_size=30)

    def body(job_id: str) -> None:
        for name in JOB_MEMBERS:
            outcome = job_call(kit, name, registered.identifier, job_id)
            if name == "job_cancel" and outcome.answer is not None and outcome.answer.not_implemented:
                continue  # cancelling is optional; 501 says so honestly
            expect_not_found(kit, outcome, JOB_NOT_FOUND, f"{name}(job_id={job_id!r})")

    kit.examples(ids, body, label="job_id")
