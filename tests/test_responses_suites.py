"""The responses checks catch their broken providers; the reference responses provider passes.

Each ``fixtures/broken/responses_*.py`` differs from ``inline::kit-responses`` by one defect.
A fresh pytest process per defect would cost ~5 s of start-up each (imports of the API
package and Hypothesis), fifteen times over; so one fresh process runs the kit once per
defect in a row (``tests_support.run_kit_batch``: ``pytest.main`` per defect, each with its
own session and provider). Each run's output is then judged like a ``pytester`` run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_behavioural_checks import _block, assert_fails_exactly, assert_passes, literal
from tests_support import requires, run_kit_batch

pytestmark = pytest.mark.defects

SUITES = ("-m", "behavioral or negative or stateful")
# One seed for the whole matrix: the drawn-only defects (streams-unasked, delete-cascades) are
# found for it in the fast profile (delete-cascades needs a chain, a delete and a list).
SEED = "--hypothesis-seed=1"

# defect -> {failing test: check ids its failure must name}; no other test fails
MUST_DEFECTS: dict[str, dict[str, tuple[str, ...]]] = {
    "model-renamed": {"test_create_and_retrieve": ("responses.create",)},
    "streams-unasked": {"test_create_fuzz": ("responses.create.fuzz",)},
    "stream-deltas-short": {"test_create_stream": ("responses.stream",)},
    "retrieve-differs": {"test_create_and_retrieve": ("responses.retrieve",),
                         "test_create_stream": ("responses.retrieve",),
                         "test_responses_state_machine": ("responses.stateful",)},
    "list-without-input": {"test_list_pagination_and_order": ("responses.list",)},
    "list-after-skips": {"test_list_pagination_and_order": ("responses.list.pagination",)},
    "input-items-unordered": {"test_input_items": ("responses.input-items",)},
    "delete-keeps": {"test_delete": ("responses.delete",), "test_responses_state_machine": ("responses.stateful",)},
    "cancel-unknown-answered": {"test_unknown_response_id": ("responses.not-found",)},
    "cancel-finished": {"test_cancel_finished_response": ("responses.cancel",)},
    "chain-not-echoed": {"test_previous_response_chain": ("responses.chain",)},
    "store-ignored": {"test_store_false_is_not_kept": ("responses.store-false",)},
    "delete-cascades": {"test_responses_state_machine": ("responses.stateful",)},  # only the machine sees it
}
# defect -> (test, SHOULD check id, what the finding says): the run passes, the finding is listed
SHOULD_DEFECTS: dict[str, tuple[str, str, str]] = {
    "no-text-done": ("test_create_stream", "responses.stream.text-done", "text streamed for * gets no *"),
    "list-ignores-asc": ("test_list_pagination_and_order", "responses.list.order", "order=asc lists created_at *"),
    "chain-forgets": ("test_previous_response_chain", "responses.chain.context",
                      "the chained response used * input tokens, the same input alone *"),
}

def _runs(directory: Path, defects: list[str]) -> dict[str, pytest.RunResult]:
    """Run the kit on each defect in one fresh process; one ``RunResult`` per defect."""
    runs = [(f"--llama-provider=inline::broken-responses-{defect}", SEED, *SUITES) for defect in defects]
    return dict(zip(defects, run_kit_batch(directory, runs), strict=True))


def test_every_responses_defect_is_caught(tmp_path: Path) -> None:
    """Each MUST defect fails exactly its tests, naming its check; each SHOULD defect is a listed warning."""
    runs = _runs(tmp_path, [*MUST_DEFECTS, *SHOULD_DEFECTS])
    for defect, failing in MUST_DEFECTS.items():
        reports = assert_fails_exactly(runs[defect], failing)
        for test in failing:  # every behavioural failure tells how to rerun it with the same seed
            assert "--hypothesis-seed=" in reports[test], (defect, reports[test])
    for defect, (test, check_id, says) in SHOULD_DEFECTS.items():
        run = runs[defect]
        assert_passes(run)
        assert _block(run, "SHOULD-level findings"), (defect, run.stdout.str())
        run.stdout.fnmatch_lines([f"{literal(test)}: [[]SHOULD {check_id}[]] {says}"])


# Over HTTP only the responses suites: the OpenAPI fuzz suite's findings on these routes are
# about the package's routers (e.g. ``limit`` is capped at 100 by the model, not by the spec).
@pytest.mark.parametrize("extra", [(), ("--llama-over-http", *SUITES), ("--llama-api-package=llama_stack_api",)],
                         ids=["in-process", "over-http", "llama_stack_api"])
def test_reference_responses_provider_passes(run_suites, extra: tuple[str, ...]) -> None:
    """inline::kit-responses (the good twin of every defect) passes the suites, with no warnings."""
    if any("llama_stack_api" in arg for arg in extra):
        requires("llama_stack_api")
    result = run_suites("inline::kit-responses", *extra)
    outcomes = assert_passes(result)
    assert outcomes.get("passed", 0) >= 12, outcomes
    assert not _block(result, "SHOULD-level findings"), result.stdout.str()
    text = result.stdout.str()
    for test in ("test_create_and_retrieve", "test_create_stream", "test_create_fuzz", "test_create_stream_fuzz",
                 "test_list_pagination_and_order", "test_input_items", "test_delete", "test_cancel_finished_response",
                 "test_previous_response_chain", "test_store_false_is_not_kept", "test_unknown_response_id"):
        assert f"PASSED responses/test_responses.py::{test}" in text, (test, text[-3000:])
    assert "PASSED responses/test_responses_stateful.py::test_responses_state_machine" in text, text[-3000:]


@pytest.mark.parametrize("provider", ["inline::kit-tool-groups", "inline::kit-connectors"])
def test_reference_responses_dependencies_pass(run_suites, provider: str) -> None:
    """The tool_groups and connectors references the kit builds for a responses provider pass the
    structural suite themselves (their APIs have no behavioural suite yet)."""
    outcomes = assert_passes(run_suites(provider))
    assert outcomes.get("passed", 0) >= 5, outcomes
