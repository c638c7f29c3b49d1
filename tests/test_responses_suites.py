"""The reference responses provider passes the responses suites, in-process, over HTTP and
against llama_stack_api; so do the tool_groups and connectors references it is built with.

The broken responses fixtures (``fixtures/broken/responses_*.py``, each differing from
``inline::kit-responses`` by one defect) are declared in the wing's check table
(``suites/responses/checks.py``: ``WING.proofs``) and run by ``tests/test_proofs.py``.
"""

from __future__ import annotations

import pytest
from tests_support import assert_passes, output_block, requires

pytestmark = pytest.mark.defects

SUITES = ("-m", "behavioral or negative or stateful")


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
    assert not output_block(result, "SHOULD-level findings"), result.stdout.str()
    text = result.stdout.str()
    for test in ("test_create_and_retrieve", "test_create_stream", "test_create_fuzz", "test_create_stream_fuzz",
                 "test_list_pagination_and_order", "test_input_items", "test_delete", "test_cancel_finished_response",
                 "test_previous_response_chain", "test_store_false_is_not_kept"):
        assert f"PASSED responses/test_responses.py::{test}" in text, (test, text[-3000:])
    for test in ("test_max_output_tokens", "test_background_cancel", "test_background_stream",
                 "test_structured_output", "test_include_logprobs"):
        assert f"PASSED responses/test_responses_depth.py::{test}" in text, (test, text[-3000:])
    for test in ("test_params_echoed", "test_prompt_template", "test_prompt_unknown", "test_conversation_with_previous",
                 "test_conversation_unknown", "test_stream_include_logprobs"):
        assert f"PASSED responses/test_responses_params.py::{test}" in text, (test, text[-3000:])
    assert "PASSED negative/test_unknown_ids.py::test_unknown_ids[responses]" in text, text[-3000:]
    assert "PASSED responses/test_responses_stateful.py::test_responses_state_machine" in text, text[-3000:]


@pytest.mark.parametrize("provider", ["inline::kit-tool-groups", "inline::kit-connectors"])
def test_reference_responses_dependencies_pass(run_suites, provider: str) -> None:
    """The tool_groups and connectors references the kit builds for a responses provider pass the
    structural suite themselves (their APIs have no behavioural suite yet)."""
    outcomes = assert_passes(run_suites(provider))
    assert outcomes.get("passed", 0) >= 5, outcomes
