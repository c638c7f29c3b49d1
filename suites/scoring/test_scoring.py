"""Scoring suite: listed functions, score (sample and drawn rows), score_batch, unknown names.

Only functions the provider lists are used. score_batch reads a dataset through the
provider's datasetio dependency: the kit's reference datasetio serves the sample dataset
``kit-qa`` (three rows), so it is checked where the provider depends on datasetio. Each test
names the checks it makes (``checks.py`` beside this file).
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, FUZZED, NEGATIVE
from llama_conformance.behaviour.negative import expect_not_found, unknown_ids
from llama_conformance.behaviour.steps import KIT_DATASET_ID, refused_cleanly
from llama_conformance.engine_checks import TYPED_ERROR
from llama_conformance.evidence import Inconclusive
from llama_conformance.strategies.alphabet import WIRE_CHARACTERS
from llama_conformance_suites.scoring.checks import FUNCTIONS_LISTED, NOT_FOUND, SCORE, SCORE_BATCH, SCORE_FUZZ
from llama_conformance_suites.scoring.helpers import (
    list_functions,
    sample_rows,
    score,
    score_batch,
    shape_problems,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("scoring")]

KIT_DATASET_ROWS = 3
CELL = st.text(WIRE_CHARACTERS, max_size=40)
ROW = st.fixed_dictionaries({"input_query": CELL, "expected_answer": CELL, "generated_answer": CELL})


def _functions(kit: Kit) -> list[str]:
    listed = kit.accept(list_functions(kit), "list_scoring_functions", FUNCTIONS_LISTED)
    ids = [fn.identifier for fn in listed]
    kit.judge.check(len(ids) == len(set(ids)), FUNCTIONS_LISTED,
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
    refused_by_stand_in = []  # functions whose judge model the kit's stand-in inference does not serve
    for name in functions:
        outcome = score(kit, rows, [name])
        kit.judge.no_hang(outcome)
        if outcome.error is not None:
            if judge:
                kit.judge.typed_rejection(outcome)
            refusal = kit.judge.stand_in_refusal(outcome)
            if refusal is not None:
                refused_by_stand_in.append(f"{name}: {refusal}")
            continue
        if not judge:
            usable.append(name)
            continue
        kit.validate(outcome, kit.member("score"), expect_stream=False, check_id=SCORE)
        problems = shape_problems(outcome.value, [name], len(rows))
        kit.judge.check(not problems, SCORE, f"score with {name}: {'; '.join(problems)}.")
        usable.append(name)
    if judge and not usable and refused_by_stand_in:
        raise Inconclusive([SCORE.id], refused_by_stand_in[-1])
    kit.judge.check(bool(usable) or not judge, SCORE,
                    f"none of the listed functions {functions} scores rows with input_query / expected_answer / "
                    "generated_answer.")
    return usable


@pytest.mark.checks(FUNCTIONS_LISTED, SCORE, *ANSWER, TYPED_ERROR)
def test_score_listed_functions(llama_kit: Kit) -> None:
    """scoring.score: each listed function alone, then all answering ones together."""
    kit = llama_kit
    usable = _answering(kit, _functions(kit))
    rows = sample_rows()
    response = kit.accept(score(kit, rows, usable), "score", SCORE)
    problems = shape_problems(response, usable, len(rows))
    kit.judge.check(not problems, SCORE, f"score with {usable}: {'; '.join(problems)}.")


@pytest.mark.checks(FUNCTIONS_LISTED, SCORE, SCORE_FUZZ, *ANSWER, *FUZZED)
def test_score_fuzz(llama_kit: Kit) -> None:
    """scoring.score.fuzz: drawn rows are scored validly (one row each) or refused with a typed error."""
    kit = llama_kit
    usable = _answering(kit, _functions(kit), judge=False)
    if not usable:
        pytest.skip("no listed function scores the sample rows")

    def body(rows: list[dict]) -> None:
        outcome = score(kit, rows, usable)
        if refused_cleanly(kit, outcome, SCORE_FUZZ):
            return
        kit.validate(outcome, kit.member("score"), expect_stream=False, check_id=SCORE_FUZZ)
        problems = shape_problems(outcome.value, usable, len(rows))
        kit.judge.check(not problems, SCORE_FUZZ, "; ".join(problems))

    kit.examples(st.lists(ROW, min_size=1, max_size=6), body, label="input_rows")


@pytest.mark.checks(FUNCTIONS_LISTED, SCORE, SCORE_BATCH, *ANSWER)
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
    response = kit.accept(score_batch(kit, KIT_DATASET_ID, usable), "score_batch", SCORE_BATCH)
    problems = shape_problems(response, usable, KIT_DATASET_ROWS)
    kit.judge.check(not problems, SCORE_BATCH, f"score_batch of {KIT_DATASET_ID}: {'; '.join(problems)}.")


@pytest.mark.checks(NOT_FOUND, *NEGATIVE)
@pytest.mark.negative
def test_unknown_function_and_dataset(llama_kit: Kit) -> None:
    """scoring.not-found: unknown scoring functions and datasets are client errors.

    Not a row of the negative table: the unknown name is a key of ``scoring_functions`` (no id
    field of the request), and score_batch's unknown dataset is derived from it.
    """
    kit = llama_kit
    names = unknown_ids("kit-unknown::", known="kit::does-not-exist", max_size=30)

    def body(name: str) -> None:
        expect_not_found(kit, score(kit, sample_rows(), [name]), NOT_FOUND, f"score with {name!r}")
        expect_not_found(kit, score_batch(kit, f"kit-unknown-dataset-{name}", [name]), NOT_FOUND,
                         f"score_batch of an unknown dataset with {name!r}")

    kit.examples(names, body, label="scoring function")
