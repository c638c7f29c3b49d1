"""Scoring suite: listed functions, score (sample and drawn rows), score_batch, unknown names.

Only functions the provider lists are used. score_batch reads a dataset through the
provider's datasetio dependency: the kit's reference datasetio serves the sample dataset
``kit-qa`` (three rows), so it is checked where the provider depends on datasetio.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, FUZZED, NEGATIVE
from llama_conformance.behaviour.negative import expect_not_found, unknown_ids
from llama_conformance.behaviour.scoring import list_functions, sample_rows, score, score_batch, shape_problems
from llama_conformance.behaviour.steps import KIT_DATASET_ID, refused_cleanly

pytestmark = [pytest.mark.behavioral, pytest.mark.api("scoring")]

KIT_DATASET_ROWS = 3
CELL = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
ROW = st.fixed_dictionaries({"input_query": CELL, "expected_answer": CELL, "generated_answer": CELL})


def _functions(kit: Kit) -> list[str]:
    outcome = list_functions(kit)
    kit.judge.answered(outcome, "scoring.functions.listed")
    kit.validate(outcome, kit.member("list_scoring_functions"), expect_stream=False,
                 check_id="scoring.functions.listed")
    ids = [fn.identifier for fn in outcome.value]
    kit.judge.check(len(ids) == len(set(ids)), "scoring.functions.listed",
                    f"list_scoring_functions names some functions twice: {ids}.")
    if not ids:
        pytest.skip("list_scoring_functions names no function, so there is nothing to score with")
    return ids


def _answering(kit: Kit, functions: list[str], *, judge: bool = True) -> list[str]:
    """Functions that score the sample rows (others may refuse them with a typed error).

    Only test_score_listed_functions judges the refusals (``judge``); the other tests go on
    with the functions that answered, so one broken function does not hide their checks.
    """
    rows = sample_rows()
    usable = []
    for name in functions:
        outcome = score(kit, rows, [name])
        kit.judge.no_hang(outcome)
        if outcome.error is not None:
            if judge:
                kit.judge.typed_rejection(outcome)
            continue
        if not judge:
            usable.append(name)
            continue
        kit.validate(outcome, kit.member("score"), expect_stream=False, check_id="scoring.score")
        problems = shape_problems(outcome.value, [name], len(rows))
        kit.judge.check(not problems, "scoring.score", f"score with {name}: {'; '.join(problems)}.")
        usable.append(name)
    kit.judge.check(bool(usable) or not judge, "scoring.score",
                    f"none of the listed functions {functions} scores rows with input_query / expected_answer / "
                    "generated_answer.")
    return usable


@pytest.mark.checks("scoring.functions.listed", "scoring.score", *ANSWER, "call.typed-error")
def test_score_listed_functions(llama_kit: Kit) -> None:
    """scoring.score: each listed function alone, then all answering ones together."""
    kit = llama_kit
    usable = _answering(kit, _functions(kit))
    rows = sample_rows()
    outcome = score(kit, rows, usable)
    kit.judge.answered(outcome, "scoring.score")
    kit.validate(outcome, kit.member("score"), expect_stream=False, check_id="scoring.score")
    problems = shape_problems(outcome.value, usable, len(rows))
    kit.judge.check(not problems, "scoring.score", f"score with {usable}: {'; '.join(problems)}.")


@pytest.mark.checks("scoring.score.fuzz", *ANSWER, *FUZZED)
def test_score_fuzz(llama_kit: Kit) -> None:
    """scoring.score.fuzz: drawn rows are scored validly (one row each) or refused with a typed error."""
    kit = llama_kit
    usable = _answering(kit, _functions(kit), judge=False)
    if not usable:
        pytest.skip("no listed function scores the sample rows")

    def body(rows: list[dict]) -> None:
        outcome = score(kit, rows, usable)
        if refused_cleanly(kit, outcome, "scoring.score.fuzz"):
            return
        kit.validate(outcome, kit.member("score"), expect_stream=False, check_id="scoring.score.fuzz")
        problems = shape_problems(outcome.value, usable, len(rows))
        kit.judge.check(not problems, "scoring.score.fuzz", "; ".join(problems))

    kit.examples(st.lists(ROW, min_size=1, max_size=6), body, label="input_rows")


@pytest.mark.checks("scoring.score-batch", *ANSWER)
def test_score_batch(llama_kit: Kit) -> None:
    """scoring.score-batch: every row of the kit's sample dataset is scored."""
    kit = llama_kit
    if not kit.in_process:
        pytest.skip("score_batch reads the kit's sample dataset from the provider's datasetio dependency: "
                    "in-process only")
    if "datasetio" not in kit.put.entry.api_dependencies or "datasetio" not in kit.put.dependencies:
        pytest.skip("the provider does not depend on datasetio, so the kit cannot give it a dataset to score")
    usable = _answering(kit, _functions(kit), judge=False)
    if not usable:
        pytest.skip("no listed function scores the sample rows")
    outcome = score_batch(kit, KIT_DATASET_ID, usable)
    kit.judge.answered(outcome, "scoring.score-batch")
    kit.validate(outcome, kit.member("score_batch"), expect_stream=False, check_id="scoring.score-batch")
    problems = shape_problems(outcome.value, usable, KIT_DATASET_ROWS)
    kit.judge.check(not problems, "scoring.score-batch", f"score_batch of {KIT_DATASET_ID}: {'; '.join(problems)}.")


@pytest.mark.checks("scoring.not-found", *NEGATIVE)
@pytest.mark.negative
def test_unknown_function_and_dataset(llama_kit: Kit) -> None:
    """scoring.not-found: unknown scoring functions and datasets are client errors."""
    kit = llama_kit
    names = unknown_ids("kit-unknown::", known="kit::does-not-exist", max_size=30)

    def body(name: str) -> None:
        expect_not_found(kit, score(kit, sample_rows(), [name]), "scoring.not-found", f"score with {name!r}")
        expect_not_found(kit, score_batch(kit, f"kit-unknown-dataset-{name}", [name]), "scoring.not-found",
                         f"score_batch of an unknown dataset with {name!r}")

    kit.examples(names, body, label="scoring function")
