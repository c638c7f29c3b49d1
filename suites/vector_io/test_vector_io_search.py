"""VectorIO search depth: results name the attached file, attribute filters select exactly the
matching files, an unknown store is a 404.

Files are attached through the files API the provider reads from (``helpers.attached_file``);
results are told apart by a marker word in each file's text, so a filter's verdict does not
depend on the result's ``file_id`` (judged on its own by ``vector_io.search.file-id``).
"""

from __future__ import annotations

from typing import Any

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, NEGATIVE
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.negative import expect_not_found
from llama_conformance.report.applicability import NotApplicable
from llama_conformance_suites.vector_io import helpers as vio
from llama_conformance_suites.vector_io.checks import (
    CHUNKS_PRECOMPUTED,
    CHUNKS_QUERY,
    NOT_FOUND,
    NOT_FOUND_404,
    SEARCH,
    SEARCH_FILE_ID,
    SEARCH_FILTERS,
    SEARCH_HYBRID_OPTIONS,
    SEARCH_MODES,
    SEARCH_RANKERS,
    STORE_CREATE,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("vector_io")]


@pytest.mark.checks(STORE_CREATE, SEARCH_FILE_ID, *ANSWER)
def test_search_names_attached_file(llama_kit: Kit) -> None:
    """vector_io.search.file-id: every result of a store holding one attached file names that
    file's id. ogx-client and openai clients use it to fetch the file; an internal document id
    there names nothing the Files API knows."""
    kit = llama_kit
    check = SEARCH_FILE_ID
    store = vio.created_store(kit, name="kit-file-id")
    try:
        text = "Platypuses lay eggs and hunt with electroreception in Tasmanian streams."
        file_id = vio.attached_file(kit, store, text, "platypus.txt", check)
        results = vio.search_with(kit, store.id, text, check)
        kit.judge.check(bool(results), check, f"searching for the text of {file_id} found nothing.")
        wrong = sorted({str(r.file_id) for r in results} - {file_id})
        kit.judge.check(not wrong, check,
                        f"search results from the store's only file {file_id} name file_id {wrong}: not the "
                        f"attached file's id (attributes: {results[0].attributes!r}).")
    finally:
        vio.delete_store(kit, store.id)


# Three files: a marker word each and the attributes the filters select on.
FILES = {
    "aardvark": {"region": "north", "year": 2020, "tag": "a"},
    "bandicoot": {"region": "south", "year": 2022, "tag": "b"},
    "cassowary": {"region": "north", "year": 2024, "tag": "c"},
}


def _cmp(kind: str, key: str, value: Any) -> dict[str, Any]:
    return {"type": kind, "key": key, "value": value}


# Each filter and the markers of the files it selects.
FILTERS: list[tuple[str, dict[str, Any], set[str]]] = [
    ("eq", _cmp("eq", "region", "north"), {"aardvark", "cassowary"}),
    ("ne", _cmp("ne", "region", "north"), {"bandicoot"}),
    ("gt", _cmp("gt", "year", 2020), {"bandicoot", "cassowary"}),
    ("gte", _cmp("gte", "year", 2022), {"bandicoot", "cassowary"}),
    ("lt", _cmp("lt", "year", 2022), {"aardvark"}),
    ("lte", _cmp("lte", "year", 2022), {"aardvark", "bandicoot"}),
    ("in", _cmp("in", "tag", ["a", "c"]), {"aardvark", "cassowary"}),
    ("nin", _cmp("nin", "tag", ["a", "c"]), {"bandicoot"}),
    ("and", {"type": "and", "filters": [_cmp("eq", "region", "north"), _cmp("gt", "year", 2021)]}, {"cassowary"}),
    ("or", {"type": "or", "filters": [_cmp("eq", "tag", "a"), _cmp("eq", "tag", "b")]}, {"aardvark", "bandicoot"}),
    ("nested", {"type": "or", "filters": [
        {"type": "and", "filters": [_cmp("eq", "region", "north"), _cmp("lt", "year", 2021)]},
        _cmp("eq", "tag", "b")]}, {"aardvark", "bandicoot"}),
]
QUERY = "Marsupials and other animals of the southern continents"


@pytest.mark.checks(STORE_CREATE, SEARCH, SEARCH_FILTERS, *ANSWER)
def test_search_filters(llama_kit: Kit) -> None:
    """vector_io.search.filters: each comparison operator, and/or, and a nested filter select
    exactly the files whose attributes match; without a filter all three are found
    (vector_io.search), so a filter that empties every search is seen."""
    kit = llama_kit
    check = SEARCH_FILTERS
    vio.require_typed_filters(kit)
    store = vio.created_store(kit, name="kit-filters")
    try:
        for marker, attributes in FILES.items():
            vio.attached_file(kit, store, f"{QUERY}: the {marker} file.", f"{marker}.txt", check, attributes)

        def found(**options: Any) -> set[str]:
            texts = vio.result_texts(vio.search_with(kit, store.id, QUERY, check, max_num_results=50, **options))
            return {marker for marker in FILES if any(marker in text for text in texts)}

        everything = found()
        kit.judge.check(everything == set(FILES), SEARCH,
                        f"a search without filters finds the files {sorted(everything)} of {sorted(FILES)}.")
        wrong = []
        for name, search_filter, expected in FILTERS:
            got = found(filters=search_filter)
            if got != expected:
                wrong.append(f"{name} {search_filter} found {sorted(got)}, not {sorted(expected)}")
        kit.judge.check(not wrong, check,
                        f"filters on the attributes {FILES} select the wrong files: " + "; ".join(wrong) + ".")
    finally:
        vio.delete_store(kit, store.id)


@pytest.mark.checks(STORE_CREATE, NOT_FOUND, NOT_FOUND_404, *NEGATIVE)
@pytest.mark.negative
def test_unknown_store_answers_404(llama_kit: Kit) -> None:
    """vector_io.not-found.404 (SHOULD): an unknown vector store is a 404, the status the API
    package's VectorStoreNotFoundError carries and the one SDKs turn into NotFoundError; a 400
    (a ValueError) is a client error that passes vector_io.not-found but tells a client its request
    was malformed. Unknown files and batches are left to vector_io.not-found."""
    kit = llama_kit
    store_id = "vs_kit_unknown_404"
    calls = {"openai_retrieve_vector_store": None, "openai_search_vector_store": {"query": "x"},
             "openai_delete_vector_store": None}  # member -> its request's fields (None: it takes the id alone)
    for name, payload in calls.items():
        outcome = vio.call_with(kit, name, payload, vector_store_id=store_id)
        expect_not_found(kit, outcome, NOT_FOUND, f"{name}({store_id!r})")
        status = outcome.answer.status if outcome.answer is not None else None
        kit.judge.check(status == 404, NOT_FOUND_404,
                        f"{name}({store_id!r}) was answered {status} ({outcome.describe_error()}), not 404: "
                        "raise the API package's VectorStoreNotFoundError.")


# Three chunks whose embeddings are chosen so the vector and keyword rankings of WORD disagree:
# the decoy lies next to WORD's embedding but lacks the word; the target holds the word but lies
# elsewhere. A provider that answers a keyword search with its vector ranking puts the decoy first.
WORD = "kangaroo"
DECOY, TARGET = "zebra finch songs at dawn", "kangaroo paw flowers bloom in spring"
CHUNKS = {"kit-decoy": (DECOY, WORD), "kit-target": (TARGET, "an unrelated direction for the kit"),
          "kit-filler": ("wombat burrows run deep", "another unrelated direction")}


def _ranking_store(kit: Kit) -> vio.Store:
    store = vio.created_store(kit, name="kit-search-modes")
    chunks = [vio.embedded_chunk(kit, store, text, chunk_id, near=near) for chunk_id, (text, near) in CHUNKS.items()]
    kit.judge.answered(vio.insert(kit, store.id, chunks), CHUNKS_QUERY)
    return store


def _search(kit: Kit, store: vio.Store, **options: Any) -> Outcome:
    outcome = kit.ask_with("openai_search_vector_store", {"query": WORD, "max_num_results": 3, **options},
                           vector_store_id=store.id)
    kit.judge.no_hang(outcome)
    return outcome


def _refused(outcome: Outcome) -> bool:
    return outcome.error is not None and outcome.answer is not None and (
        outcome.answer.client_error or outcome.answer.not_implemented)


@pytest.mark.checks(STORE_CREATE, CHUNKS_QUERY, SEARCH, SEARCH_MODES, *ANSWER)
def test_search_modes(llama_kit: Kit) -> None:
    """vector_io.search.modes: vector mode ranks the decoy (nearest vector) first; keyword mode
    ranks the chunk holding the word first; hybrid returns both; a mode the provider does not
    have is refused (4xx / 501: faiss has no keyword index), and an unknown mode is a 400."""
    kit = llama_kit
    check = SEARCH_MODES
    store = _ranking_store(kit)
    try:
        vector = _search(kit, store, search_mode="vector")
        kit.judge.answered(vector, SEARCH)
        texts = vio.result_texts(vio.page_results(kit, vector.value))
        kit.judge.check(bool(texts) and texts[0] == DECOY, SEARCH,
                        f"a vector search for {WORD!r} ranks {texts}, not the chunk nearest its embedding first.")
        problems = []
        keyword = _search(kit, store, search_mode="keyword")
        if keyword.error is None:
            texts = vio.result_texts(vio.page_results(kit, keyword.value))
            if not texts or texts[0] != TARGET:
                problems.append(f"search_mode=keyword ranks {texts}, not the chunk holding {WORD!r} first")
        elif not _refused(keyword):
            problems.append(f"search_mode=keyword raised {keyword.describe_error()}: neither results nor a "
                            "clean refusal (4xx / 501)")
        hybrid = _search(kit, store, search_mode="hybrid")
        if hybrid.error is None:
            texts = vio.result_texts(vio.page_results(kit, hybrid.value))
            if not {DECOY, TARGET} <= set(texts[:2]):
                problems.append(f"search_mode=hybrid ranks {texts}: not the best vector match ({DECOY!r}) and the "
                                f"best keyword match ({TARGET!r}) on top")
        elif not _refused(hybrid):
            problems.append(f"search_mode=hybrid raised {hybrid.describe_error()}: neither results nor a clean "
                            "refusal (4xx / 501)")
        unknown = _search(kit, store, search_mode="kit-no-such-mode")
        if unknown.error is None:
            problems.append("search_mode='kit-no-such-mode' was answered, not refused with a 400")
        elif unknown.answer is None or not unknown.answer.client_error:
            problems.append(f"search_mode='kit-no-such-mode' raised {unknown.describe_error()}, not a 400")
        kit.judge.check(not problems, check, "; ".join(problems) + ".")
    finally:
        vio.delete_store(kit, store.id)


@pytest.mark.checks(STORE_CREATE, CHUNKS_QUERY, SEARCH_HYBRID_OPTIONS, *ANSWER)
def test_hybrid_search_options(llama_kit: Kit) -> None:
    """vector_io.search.hybrid-options: text-only weights rank the chunk holding the word first,
    embedding-only weights the nearest vector; a provider that cannot apply weights answers 400,
    as HybridSearchOptions documents (a 5xx or 501 fails a Responses file_search whole, and results
    ranked some other way hide that the weights were dropped)."""
    kit = llama_kit
    check = SEARCH_HYBRID_OPTIONS
    api = kit.api
    if not hasattr(api, "HybridSearchOptions"):
        raise NotApplicable("the API package has no ranking_options.hybrid_search (HybridSearchOptions: ogx-api 1.5)")
    store = _ranking_store(kit)
    try:
        problems = []
        for (embedding_weight, text_weight), first in (((0.0, 1.0), TARGET), ((1.0, 0.0), DECOY)):
            options = api.SearchRankingOptions(hybrid_search=api.HybridSearchOptions(
                embedding_weight=embedding_weight, text_weight=text_weight))
            outcome = _search(kit, store, ranking_options=options)
            weights = f"hybrid_search embedding_weight={embedding_weight}, text_weight={text_weight}"
            if outcome.error is None:
                texts = vio.result_texts(vio.page_results(kit, outcome.value))
                if not texts or texts[0] != first:
                    problems.append(f"{weights} ranks {texts}, not {first!r} first")
            elif outcome.answer is None or outcome.answer.status != 400:
                problems.append(f"{weights} raised {outcome.describe_error()}: a provider that cannot apply the "
                                "weights must answer 400")
        kit.judge.check(not problems, check, "; ".join(problems) + ".")
    finally:
        vio.delete_store(kit, store.id)


@pytest.mark.checks(STORE_CREATE, CHUNKS_QUERY, CHUNKS_PRECOMPUTED, *ANSWER)
def test_precomputed_embeddings(llama_kit: Kit) -> None:
    """vector_io.chunks.precomputed-embeddings: query_chunks for WORD finds the decoy, whose given
    embedding lies next to WORD's though its text does not hold it (a provider that re-embeds the
    text finds something else); a chunk one dimension too long is refused with a 4xx, not stored
    (where it breaks every later query of the index) nor a 5xx."""
    kit = llama_kit
    check = CHUNKS_PRECOMPUTED
    store = _ranking_store(kit)
    try:
        found = kit.accept(vio.query(kit, store.id, WORD, max_chunks=3), "query_chunks", check)
        ids = [c.chunk_id for c in found.chunks]
        kit.judge.check(bool(ids) and ids[0] == "kit-decoy", check,
                        f"query_chunks for {WORD!r} ranks {ids}: not kit-decoy, the chunk whose given embedding "
                        "is nearest, first (the embedding sent with a chunk is the one to index).")
        chunk = vio.embedded_chunk(kit, store, "a chunk one dimension too long", "kit-too-long")
        chunk = chunk.model_copy(update={"embedding": [*chunk.embedding, 0.0],
                                         "embedding_dimension": store.dimension + 1})
        outcome = vio.insert(kit, store.id, [chunk])
        kit.judge.no_hang(outcome)
        kit.judge.check(outcome.error is not None and outcome.answer is not None and outcome.answer.client_error,
                        check, f"inserting a chunk of {store.dimension + 1} dimensions into a store of "
                               f"{store.dimension} " + ("was accepted" if outcome.error is None else
                                                       f"raised {outcome.describe_error()}") + ", not refused with "
                               "a 4xx.")
    finally:
        vio.delete_store(kit, store.id)


@pytest.mark.checks(STORE_CREATE, CHUNKS_QUERY, SEARCH_RANKERS, *ANSWER)
def test_search_rankers(llama_kit: Kit) -> None:
    """vector_io.search.rankers: in hybrid mode the weighted ranker with alpha=1 ranks the nearest
    vector (the decoy) first and with alpha=0 the chunk holding the word; rrf puts both on top. A
    provider without hybrid search (faiss) refuses each search (4xx / 501), as vector_io.search.modes
    asks; an answer ranked some other way hides that the ranker was dropped."""
    kit = llama_kit
    check = SEARCH_RANKERS
    api = kit.api
    if "alpha" not in api.SearchRankingOptions.model_fields:  # pydantic would drop it: weighted alpha=0 unasked
        raise NotApplicable(f"{kit.put.contract.package} declares no ranker but a free-form name "
                            "(SearchRankingOptions has no alpha; its rankers are documented from llama-stack-api 0.5)")
    store = _ranking_store(kit)
    try:
        problems = []
        cases = ((api.SearchRankingOptions(ranker="weighted", alpha=1.0), "weighted alpha=1", {DECOY}),
                 (api.SearchRankingOptions(ranker="weighted", alpha=0.0), "weighted alpha=0", {TARGET}),
                 (api.SearchRankingOptions(ranker="rrf"), "rrf", {DECOY, TARGET}))
        for options, label, top in cases:
            outcome = _search(kit, store, search_mode="hybrid", ranking_options=options)
            if outcome.error is None:
                texts = vio.result_texts(vio.page_results(kit, outcome.value))
                if not top <= set(texts[:len(top)]):
                    problems.append(f"{label} ranks {texts}, not {sorted(top)} on top")
            elif not _refused(outcome):
                problems.append(f"{label} raised {outcome.describe_error()}: neither results nor a clean refusal")
        kit.judge.check(not problems, check, "hybrid search for " + repr(WORD) + ": " + "; ".join(problems) + ".")
    finally:
        vio.delete_store(kit, store.id)
