"""The vector_io suites catch each broken provider made for them; the kit's reference passes.

Each fixture (``fixtures/broken/vector_io_*.py``) differs from the reference vector_io
provider by one defect. Each run selects the suites with ``-m`` and the tests that judge the
defect with ``-k``; the expected verdict is exact (these tests fail, naming these checks).

The fixtures are in-memory reference subclasses that touch no server storage, so their kit
runs share one fresh process (``tests_support.run_kit_batch``): one interpreter start and one import of the
API package for all of them, instead of one each (about 5 s apiece on CI).
"""

from __future__ import annotations

import pytest
from test_behavioural_checks import _block, assert_fails_exactly, assert_passes, literal, only
from tests_support import run_kit_batch

pytestmark = [pytest.mark.defects, pytest.mark.xdist_group("vector_io-batch")]

SUITES = ("-m", "behavioral or negative or stateful")
VECTOR_IO = "--llama-api=vector_io"

# defect -> (tests to run, {failing test: check ids its failure must name}); no other selected test fails
MUST_DEFECTS: dict[str, tuple[tuple[str, ...], dict[str, tuple[str, ...]]]] = {
    "create-drops-name": (("test_store_create_retrieve_update",),
                          {"test_store_create_retrieve_update": ("vector_io.store.create",)}),
    "retrieve-differs": (("test_store_create_retrieve_update",),
                         {"test_store_create_retrieve_update": ("vector_io.store.retrieve",)}),
    "update-ignored": (("test_store_create_retrieve_update",),
                       {"test_store_create_retrieve_update": ("vector_io.store.update",)}),
    "list-ignores-after": (("test_store_list_and_delete",),
                           {"test_store_list_and_delete": ("vector_io.store.list",)}),
    "delete-keeps": (("test_store_list_and_delete", "test_vector_io_state_machine"),
                     {"test_store_list_and_delete": ("vector_io.store.delete",),
                      "test_vector_io_state_machine": ("vector_io.stateful",)}),
    "query-unranked": (("test_chunks_insert_query_search",),
                       {"test_chunks_insert_query_search": ("vector_io.chunks.query",)}),
    "search-ignores-max": (("test_chunks_insert_query_search",),
                           {"test_chunks_insert_query_search": ("vector_io.search",)}),
    "query-all-stores": (("test_stores_are_isolated",), {"test_stores_are_isolated": ("vector_io.isolation",)}),
    "attach-not-indexed": (("test_attach_file",), {"test_attach_file": ("vector_io.files.attach",)}),
    "batch-counts-wrong": (("test_file_batch",), {"test_file_batch": ("vector_io.files.batch",)}),
    "unknown-key-error": (("test_unknown_ids",), {"test_unknown_ids": ("call.typed-error",)}),
    "shared-backend": (("test_backend_shared_with_another_instance",),
                       {"test_backend_shared_with_another_instance": ("vector_io.isolation.backend",)}),
}


REFERENCE_RUN = ("--llama-provider=inline::kit-vector-io", VECTOR_IO)  # every suite
SHOULD_RUN = ("--llama-provider=inline::broken-vector-io-infinite-scores", VECTOR_IO, *SUITES,
              *only("test_exact_match_scores_are_finite"))


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pytest.RunResult]:
    """Every defect run of this module, in one process; by defect name."""
    names = sorted(MUST_DEFECTS)
    runs = [(f"--llama-provider=inline::broken-vector-io-{name}", VECTOR_IO, *SUITES, *only(*MUST_DEFECTS[name][0]))
            for name in names]
    results = run_kit_batch(tmp_path_factory.mktemp("vector-io-batch"), [*runs, SHOULD_RUN, REFERENCE_RUN])
    return {**dict(zip(names, results, strict=False)), "infinite-scores": results[-2], "reference": results[-1]}


@pytest.mark.parametrize("defect", sorted(MUST_DEFECTS))
def test_must_defect_is_caught(batch: dict[str, pytest.RunResult], defect: str) -> None:
    assert_fails_exactly(batch[defect], MUST_DEFECTS[defect][1])


def test_infinite_score_is_a_should_finding(batch: dict[str, pytest.RunResult]) -> None:
    """An exact match scored infinity (faiss's 1/distance) is a SHOULD finding: the run passes."""
    result = batch["infinite-scores"]
    assert_passes(result)
    findings = "\n".join(_block(result, "llama-conformance: SHOULD-level findings (warnings, not failures)"))
    assert "[SHOULD vector_io.search.scores-finite] query_chunks of an exact match scored [inf]" in findings, findings


def test_reference_vector_io_passes_every_suite(batch: dict[str, pytest.RunResult]) -> None:
    """The good twin: the kit's reference vector_io passes structure, behaviour, negative and
    stateful suites (the shared-backend check is skipped: its config names no backend)."""
    result = batch["reference"]
    outcomes = assert_passes(result)
    assert outcomes.get("skipped") == 1, outcomes
    result.stdout.fnmatch_lines([literal("SKIPPED [1] *the provider's config names no storage backend*")])
