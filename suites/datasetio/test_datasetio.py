"""DatasetIO suite: register (the routing table's call), iterrows and its pagination, append_rows,
unregister, unknown ids.

Datasets are registered as the datasets routing table does, through ``register_dataset``
(in-process only: the server gives it no route) and unregistered again afterwards.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, NEGATIVE
from llama_conformance.behaviour.datasetio import (
    append_rows,
    iterrows,
    plain,
    register_dataset,
    unregister_dataset,
)
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.negative import expect_not_found, unknown_ids

pytestmark = [pytest.mark.behavioral, pytest.mark.api("datasetio")]

COLUMNS = ("input_query", "expected_answer", "generated_answer", "id")
VALUES = st.one_of(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20),
                   st.integers(-1000, 1000))


def table(min_size: int = 1, max_size: int = 8) -> st.SearchStrategy[list[dict]]:
    """Rows that share one set of columns (a dataset is a table)."""
    return st.sets(st.sampled_from(COLUMNS), min_size=1).flatmap(
        lambda cols: st.lists(st.fixed_dictionaries({c: VALUES for c in sorted(cols)}),
                              min_size=min_size, max_size=max_size))


def _rows(kit: Kit, outcome: Outcome, check_id: str) -> list:
    kit.judge.answered(outcome, check_id)
    kit.validate(outcome, kit.member("iterrows"), expect_stream=False, check_id=check_id)
    return plain(outcome.value.data)


def _cleanup(kit: Kit, dataset_id: str) -> None:
    if callable(getattr(kit.put.impl, "unregister_dataset", None)):
        unregister_dataset(kit, dataset_id)


@pytest.mark.checks("datasetio.register", "datasetio.iterrows", "datasetio.iterrows.pagination", *ANSWER)
def test_iterrows_and_pagination(llama_kit: Kit) -> None:
    """datasetio.iterrows returns every row; walking pages of ``limit`` from ``start_index`` 0 does too."""
    kit = llama_kit

    def body(example: tuple) -> None:
        rows, limit = example
        dataset_id = register_dataset(kit, rows)
        try:
            whole = _rows(kit, iterrows(kit, dataset_id), "datasetio.iterrows")
            kit.judge.check(whole == plain(rows), "datasetio.iterrows",
                            f"iterrows without a limit returned {len(whole)} rows {whole[:3]}..., not the "
                            f"{len(rows)} registered {plain(rows)[:3]}....")
            kit.judge.check(outcome_has_more(kit, dataset_id) is False, "datasetio.iterrows.pagination",
                            "iterrows without a limit returned every row but says has_more=true.")
            walked, start = [], 0
            for _ in range(len(rows) + 2):
                page = iterrows(kit, dataset_id, start_index=start, limit=limit)
                data = _rows(kit, page, "datasetio.iterrows.pagination")
                kit.judge.check(len(data) <= limit, "datasetio.iterrows.pagination",
                                f"a page asked for limit={limit} holds {len(data)} rows.")
                walked.extend(data)
                start += len(data)
                remaining = start < len(rows)
                kit.judge.check(page.value.has_more == remaining, "datasetio.iterrows.pagination",
                                f"the page ending at row {start} of {len(rows)} says has_more="
                                f"{page.value.has_more}.")
                if not page.value.has_more or not data:
                    break
            kit.judge.check(walked == plain(rows), "datasetio.iterrows.pagination",
                            f"walking pages of limit={limit} returned {len(walked)} rows that differ from the "
                            f"{len(rows)} registered (first {walked[:2]} vs {plain(rows)[:2]}).")
        finally:
            _cleanup(kit, dataset_id)

    kit.examples(st.tuples(table(), st.integers(1, 3)), body, label="rows, limit")


def outcome_has_more(kit: Kit, dataset_id: str) -> bool:
    outcome = iterrows(kit, dataset_id, limit=-1)
    kit.judge.answered(outcome, "datasetio.iterrows")
    return bool(outcome.value.has_more)


@pytest.mark.checks("datasetio.register", "datasetio.append-rows", "datasetio.iterrows", *ANSWER)
def test_append_rows_round_trip(llama_kit: Kit) -> None:
    """datasetio.append-rows: appended rows follow the registered ones in iterrows."""
    kit = llama_kit

    def body(example: tuple) -> None:
        rows, extra = example
        dataset_id = register_dataset(kit, rows)
        try:
            outcome = append_rows(kit, dataset_id, extra)
            kit.judge.answered(outcome, "datasetio.append-rows")
            kit.validate(outcome, kit.member("append_rows"), expect_stream=False, check_id="datasetio.append-rows")
            after = _rows(kit, iterrows(kit, dataset_id), "datasetio.iterrows")
            expected = plain(rows + extra)
            kit.judge.check(after == expected, "datasetio.append-rows",
                            f"after appending {len(extra)} rows to {len(rows)}, iterrows returned {len(after)} "
                            f"rows (last {after[-2:]}), not the registered rows followed by the appended ones "
                            f"(last {expected[-2:]}).")
        finally:
            _cleanup(kit, dataset_id)

    columns = {"input_query": VALUES, "expected_answer": VALUES}
    rows = st.lists(st.fixed_dictionaries(columns), min_size=1, max_size=5)
    kit.examples(st.tuples(rows, rows), body, label="rows, appended")


@pytest.mark.checks("datasetio.register", "datasetio.unregister", "datasetio.unregister.forgets", *ANSWER)
def test_unregister(llama_kit: Kit) -> None:
    """datasetio.unregister answers; datasetio.unregister.forgets (SHOULD): the rows are gone after it."""
    kit = llama_kit
    dataset_id = register_dataset(kit, [{"input_query": "q", "expected_answer": "a"}])
    outcome = unregister_dataset(kit, dataset_id)
    kit.judge.answered(outcome, "datasetio.unregister")
    after = iterrows(kit, dataset_id)
    kit.judge.no_hang(after)
    gone = after.error is not None and after.answer is not None and after.answer.client_error
    kit.judge.check(gone, "datasetio.unregister.forgets",
                    f"iterrows of unregistered dataset {dataset_id} "
                    + (f"raised {after.describe_error()}, not a not-found error." if after.error else
                       f"still returned {len(after.value.data)} rows."))


@pytest.mark.checks("datasetio.not-found", *NEGATIVE)
@pytest.mark.negative
def test_unknown_dataset(llama_kit: Kit) -> None:
    """datasetio.not-found: iterrows / append_rows of an unknown id are a typed not-found."""
    kit = llama_kit
    ids = unknown_ids("kit-unknown-", known="kit-dataset-does-not-exist", max_size=30)

    def body(dataset_id: str) -> None:
        expect_not_found(kit, iterrows(kit, dataset_id), "datasetio.not-found", f"iterrows({dataset_id!r})")
        expect_not_found(kit, append_rows(kit, dataset_id, [{"input_query": "q"}]), "datasetio.not-found",
                          f"append_rows({dataset_id!r})")

    kit.examples(ids, body, label="dataset_id")
