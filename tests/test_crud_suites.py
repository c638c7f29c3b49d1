"""The batches and conversations suites catch each broken provider made for them;
the kit's reference providers pass.

Each fixture (``fixtures/broken/{batches,conversations}_*.py``; the prompts wing declares its proofs in
``suites/prompts/checks.py``, run by ``tests/test_proofs.py``) differs from a kit
reference provider by one defect; the expected verdict is exact (these tests fail, naming these
checks; a SHOULD defect passes with its finding in the summary). A fresh pytest process costs
~5 s of start-up, so the ~35 kit runs here share ONE fresh process (``tests_support.run_kit_batch``:
``pytest.main`` once per run, a separate session each), read with the same helpers as the
other matrices.
"""

from __future__ import annotations

import pytest
from _pytest.pytester import RunResult
from test_behavioural_checks import _block, assert_fails_exactly, assert_passes, failed_tests, only
from tests_support import run_kit_batch

pytestmark = [pytest.mark.defects, pytest.mark.xdist_group("crud-batch")]

SUITES = ("-m", "behavioral or negative or stateful")
# The machines' defects need two resources and the right interleaving: pinned seeds that find them.
SEEDED = ("--hypothesis-seed=1",)

def _case(provider: str, api: str, *args: str) -> list[str]:
    return [f"--llama-provider={provider}", f"--llama-api={api}", *SUITES, *args]


# defect -> (tests to run (-k), {failing test: check ids its failure must name}, extra arguments)
MUST_DEFECTS: dict[str, tuple[str, dict[str, tuple[str, ...]], tuple[str, ...]]] = {
    "conversations-create-adds-metadata": ("test_create_get_update",
                                            {"test_create_get_update": ("conversations.create",)}, ()),
    "conversations-get-differs": ("test_create_get_update", {"test_create_get_update": ("conversations.get",)}, ()),
    "conversations-update-not-stored": ("test_create_get_update",
                                        {"test_create_get_update": ("conversations.update",)}, ()),
    "conversations-delete-keeps": ("test_delete and not pagination", {"test_delete": ("conversations.delete",)}, ()),
    "conversations-add-answers-nothing": ("test_items_add_retrieve_order",
                                          {"test_items_add_retrieve_order": ("conversations.items.add",)}, ()),
    "conversations-retrieve-first-item": ("test_items_add_retrieve_order",
                                          {"test_items_add_retrieve_order": ("conversations.items.retrieve",)}, ()),
    "conversations-asc-ignored": ("test_items_add_retrieve_order",
                                  {"test_items_add_retrieve_order": ("conversations.items.order",)}, ()),
    "conversations-after-skips": ("test_items_pagination_and_delete",
                                  {"test_items_pagination_and_delete": ("conversations.items.pagination",)}, ()),
    "conversations-item-delete-keeps": ("test_items_pagination_and_delete",
                                        {"test_items_pagination_and_delete": ("conversations.items.delete",)}, ()),
    "conversations-unknown-answered": ("test_unknown_ids", {"test_unknown_ids": ("conversations.not-found",)}, ()),
    "conversations-items-to-latest": ("stateful", {"test_conversations_state_machine": ("conversations.stateful",)},
                                      SEEDED),
    "batches-create-drops-metadata": ("test_create_run_complete", {"test_create_run_complete": ("batches.create",)},
                                      ()),
    "batches-retrieve-differs": ("test_create_run_complete", {"test_create_run_complete": ("batches.retrieve",)}, ()),
    "batches-status-reopens": ("test_create_run_complete", {"test_create_run_complete": ("batches.status",)}, ()),
    "batches-output-drops-line": ("test_create_run_complete", {"test_create_run_complete": ("batches.complete",)},
                                  ()),
    "batches-list-after-skips": ("test_list_pagination", {"test_list_pagination": ("batches.list",)}, ()),
    "batches-cancel-ignored": ("test_cancel", {"test_cancel": ("batches.cancel",)}, ()),
    "batches-unknown-answered": ("test_unknown_batch_id", {"test_unknown_batch_id": ("batches.not-found",)}, ()),
}

# defect -> (tests to run, the SHOULD finding the summary must show); the run passes
SHOULD_DEFECTS: dict[str, tuple[str, str]] = {
    "conversations-default-asc": ("test_items_add_retrieve_order",
                                  "[SHOULD conversations.items.default-order] list_items without order"),
    "batches-body-string": ("test_create_run_complete",
                            "[SHOULD batches.output.format] output line for 'line-0' has response.body of type str"),
    "batches-missing-input-completes": ("test_missing_input_file",
                                        "[SHOULD batches.invalid-input] a batch over a missing input file ended "
                                        "'completed'"),
}

GOOD: dict[str, tuple[str, ...]] = {
    "kit-conversations": ("conversations",),
    "kit-prompts": ("prompts",),
    "kit-batches": ("batches",),
    "kit-conversations-http": ("conversations", "--llama-over-http", "-m", "not fuzz"),
    "kit-prompts-http": ("prompts", "--llama-over-http", "-m", "not fuzz"),
}


def _api(defect: str) -> str:
    return defect.split("-", 1)[0]


def _cases() -> dict[str, list[str]]:
    cases = {}
    for defect, (tests, _, extra) in MUST_DEFECTS.items():
        cases[defect] = _case(f"inline::broken-{defect}", _api(defect), *only(tests), *extra)
    for defect, (tests, _) in SHOULD_DEFECTS.items():
        cases[defect] = _case(f"inline::broken-{defect}", _api(defect), *only(tests))
    for name, (api, *extra) in GOOD.items():
        provider = "inline::" + name.removesuffix("-http")
        cases[name] = [f"--llama-provider={provider}", f"--llama-api={api}", *extra]
    return cases


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RunResult]:
    """Every run of this module, made once in one fresh process (see the module docstring)."""
    cases = _cases()
    results = run_kit_batch(tmp_path_factory.mktemp("crud-runs"), [tuple(args) for args in cases.values()])
    return dict(zip(cases, results, strict=True))


@pytest.mark.parametrize("defect", sorted(MUST_DEFECTS))
def test_must_defect_is_caught(runs: dict[str, RunResult], defect: str) -> None:
    _, failing, _ = MUST_DEFECTS[defect]
    result = runs[defect]
    assert failed_tests(result) == set(failing), result.stdout.str()
    assert_fails_exactly(result, failing)


@pytest.mark.parametrize("defect", sorted(SHOULD_DEFECTS))
def test_should_defect_is_a_finding(runs: dict[str, RunResult], defect: str) -> None:
    _, finding = SHOULD_DEFECTS[defect]
    result = runs[defect]
    assert_passes(result)
    findings = "\n".join(_block(result, "llama-conformance: SHOULD-level findings (warnings, not failures)"))
    assert finding in findings, result.stdout.str()


@pytest.mark.parametrize("name", sorted(GOOD))
def test_reference_passes_every_suite(runs: dict[str, RunResult], name: str) -> None:
    """The good twins pass structure, behaviour, negative and stateful suites, in-process and over HTTP."""
    result = runs[name]
    outcomes = assert_passes(result)
    assert outcomes.get("passed", 0) >= 9, outcomes
    assert "SHOULD-level findings" not in result.stdout.str() or name.endswith("-http"), result.stdout.str()
