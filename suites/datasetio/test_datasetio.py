"""DatasetIO suite: register (the routing table's call), iterrows and its pagination, append_rows,
unregister.

Datasets are registered as the datasets routing table does, through ``register_dataset``
(in-process only: the server gives it no route) and unregistered again afterwards. Each test
names the checks it makes (``checks.py`` beside this file); unknown dataset ids are the shared
negative table's row (``WING.unknown_ids``: ``test_unknown_ids[datasetio]``).
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.checks import CheckDef
from llama_conformance.strategies.alphabet import WIRE_CHARACTERS
from llama_conformance_suites.datasetio.checks import (
    APPEND_ROWS,
    ITERROWS,
    PAGINATION,
    REGISTER,
    UNREGISTER,
    UNREGISTER_FORGETS,
)
from llama_conformance_suites.datasetio.helpers import (
    append_rows,
    iterrows,
    plain,
    register_dataset,
    unregister_dataset,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("datasetio")]

COLUMNS = ("input_query", "expected_answer", "generated_answer", "id")
VALUES = st.one_of(st.text(WIRE_CHARACTERS, max_size=20),
                   st.integers(-1000, 1000))


def table(min_size: int = 1, max_size: int = 8) -> st.SearchStrategy[list[dict]]:
    """Rows that share one set of columns (a dataset is a table)."""
    return st.sets(st.sampled_from(COLUMNS), min_size=1).flatmap(
        lambda cols: st.lists(st.fixed_dictionaries({c: VALUES for c in sorted(cols)}),
                              min_size=min_size, max_size=max_size))


def _rows(kit: Kit, outcome: Outcome, check: CheckDef) -> list:
    return plain(kit.accept(outcome, "iterrows", check).data)


def _cleanup(kit: Kit, dataset_id: str) -> None:
    if callable(getattr(kit.put.impl, "unregister_dataset", None)):
        unregister_dataset(kit, dataset_id)


@pytest.mark.checks(REGISTER, ITERROWS, PAGINATION, *ANSWER)
def test_iterrows_and_pagination(llama_kit: Kit) -> None:
    """datasetio.iterrows returns every row; walking pages of ``limit`` from ``start_index`` 0 does too."""
    kit = llama_kit

    def body(example: tuple) -> None:
        rows, limit = example
        dataset_id = register_dataset(kit, rows)
        try:
            whole = _rows(kit, iterrows(kit, dataset_id), ITERROWS)
            kit.judge.check(whole == plain(rows), ITERROWS,
                            f"iterrows without a limit returned {len(whole)} rows {whole[:3]}..., not the "
                            f"{len(rows)} registered {plain(rows)[:3]}....")
            kit.judge.check(outcome_has_more(kit, dataset_id) is False, PAGINATION,
                            "iterrows without a limit returned every row but says has_more=true.")
            walked, start = [], 0
            for _ in range(len(rows) + 2):
                page = iterrows(kit, dataset_id, start_index=start, limit=limit)
                data = _rows(kit, page, PAGINATION)
                kit.judge.check(len(data) <= limit, PAGINATION,
                                f"a page asked for limit={limit} holds {len(data)} rows.")
                walked.extend(data)
                start += len(data)
                remaining = start < len(rows)
                kit.judge.check(page.value.has_more == remaining, PAGINATION,
                                f"the page ending at row {start} of {len(rows)} says has_more="
                                f"{page.value.has_more}.")
                if not page.value.has_more or not data:
                    break
            kit.judge.check(walked == plain(rows), PAGINATION,
                            f"walking pages of limit={limit} returned {len(walked)} rows that differ from the "
                            f"{len(rows)} registered (first {walked[:2]} vs {plain(rows)[:2]}).")
        finally:
            _cleanup(kit, dataset_id)

    kit.examples(st.tuples(table(), st.integers(1, 3)), body, label="rows, limit")


def outcome_has_more(kit: Kit, dataset_id: str) -> bool:
    outcome = iterrows(kit, dataset_id, limit=-1)
    kit.judge.answered(outcome, ITERROWS)
    return bool(outcome.value.has_more)


@pytest.mark.checks(REGISTER, APPEND_ROWS, ITERROWS, *ANSWER)
def test_append_rows_round_trip(llama_kit: Kit) -> None:
    """datasetio.append-rows: appended rows follow the registered ones in iterrows."""
    kit = llama_kit

    def body(example: tuple) -> None:
        rows, extra = example
        dataset_id = register_dataset(kit, rows)
        try:
            kit.accept(append_rows(kit, dataset_id, extra), "append_rows", APPEND_ROWS)
            after = _rows(kit, iterrows(kit, dataset_id), ITERROWS)
            expected = plain(rows + extra)
            kit.judge.check(after == expected, APPEND_ROWS,
                            f"after appending {len(extra)} rows to {len(rows)}, iterrows returned {len(after)} "
                            f"rows (last {after[-2:]}), not the registered rows followed by the appended ones "
                            f"(last {expected[-2:]}).")
        finally:
            _cleanup(kit, dataset_id)

    columns = {"input_query": VALUES, "expected_answer": VALUES}
    rows = st.lists(st.fixed_dictionaries(columns), min_size=1, max_size=5)
    kit.examples(st.tuples(rows, rows), body, label="rows, appended")


@pytest.mark.checks(REGISTER, UNREGISTER, UNREGISTER_FORGETS, *ANSWER)
def test_unregister(llama_kit: Kit) -> None:
    """datasetio.unregister answers; datasetio.unregister.forgets (SHOULD): the rows are gone after it."""
    kit = llama_kit
    dataset_id = register_dataset(kit, [{"input_query": "q", "expected_answer": "a"}])
    outcome = unregister_dataset(kit, dataset_id)
    kit.judge.answered(outcome, UNREGISTER)
    after = iterrows(kit, dataset_id)
    kit.judge.no_hang(after)
    gone = after.error is not None and after.answer is not None and after.answer.client_error
    kit.judge.check(gone, UNREGISTER_FORGETS,
                    f"iterrows of unregistered dataset {dataset_id} "
                    + (f"raised {after.describe_error()}, not a not-found error." if after.error else
                       f"still returned {len(after.value.data)} rows."))
