"""VectorIO filters in depth: the filter key pattern of the API package (ogx 1.5) on search, and
filters in query_chunks params on chunk metadata.

Chunks are inserted with their own embeddings (``helpers.embedded_chunk``) and told apart by
their text (search) or chunk id (query), so a filter's verdict does not depend on ranking:
every query asks for more results than the store holds.
"""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, NEGATIVE
from llama_conformance.report.applicability import NotApplicable
from llama_conformance_suites.vector_io import helpers as vio
from llama_conformance_suites.vector_io.checks import (
    CHUNKS_FILTERS,
    CHUNKS_QUERY,
    SEARCH,
    SEARCH_FILTER_KEYS,
    STORE_CREATE,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("vector_io")]


def _cmp(kind: str, key: str, value: Any) -> dict[str, Any]:
    return {"type": kind, "key": key, "value": value}


# Keys with a hyphen and an underscore (inside ogx 1.5's pattern), and the chunks they select on.
KEYED = {
    "kit-key-a": ("Okapis browse leaves in the Ituri rainforest.", {"release-year": 2019, "kit_region": "north"}),
    "kit-key-b": ("Okapis use long tongues to clean their ears.", {"release-year": 2021, "kit_region": "south"}),
    "kit-key-c": ("Okapis are the only living relatives of giraffes.", {"release-year": 2023, "kit_region": "north"}),
}
KEYED_FILTERS: list[tuple[dict[str, Any], set[str]]] = [
    (_cmp("gt", "release-year", 2020), {"kit-key-b", "kit-key-c"}),
    ({"type": "or", "filters": [_cmp("eq", "kit_region", "south"),
                                {"type": "and", "filters": [_cmp("eq", "kit_region", "north"),
                                                            _cmp("lt", "release-year", 2020)]}]},
     {"kit-key-a", "kit-key-b"}),
]
# Keys a JSON path or SQL would read as more than a name: a dot, a space, a quote, a comment, nothing.
# Only those the API package's own ComparisonFilter refuses are asked about (``_refused_keys``).
SUSPECT_KEYS = ("release.year", "kit region", "kit_region'", "kit_region--", "kit_region;", "")


def _refused_keys(api: Any) -> list[str]:
    comparison = getattr(api, "ComparisonFilter", None)
    refused = []
    for key in SUSPECT_KEYS:
        try:
            if comparison is not None:
                comparison(type="eq", key=key, value=1)
                continue
        except (pydantic.ValidationError, ValueError):
            refused.append(key)
    return refused


@pytest.mark.checks(STORE_CREATE, CHUNKS_QUERY, SEARCH, SEARCH_FILTER_KEYS, *ANSWER, *NEGATIVE)
def test_search_filter_keys(llama_kit: Kit) -> None:
    """vector_io.search.filter-keys: keys with ``-`` and ``_`` filter a search exactly (also nested);
    each key the API package's ComparisonFilter refuses is refused by the search with a 4xx, at the
    top of the filter and nested in or/and. ogx 1.5 defines the pattern because stores write the key
    into a JSON path inside SQL (sqlite-vec ``$.metadata.<key>``); a package without it (llama-stack
    0.7.3) makes this not applicable."""
    kit = llama_kit
    check = SEARCH_FILTER_KEYS
    refused = _refused_keys(kit.api)
    if not refused:
        raise NotApplicable("the API package's ComparisonFilter accepts any key (no filter key pattern: ogx-api 1.5)")
    store = vio.created_store(kit, name="kit-filter-keys")
    try:
        chunks = [vio.embedded_chunk(kit, store, text, chunk_id, metadata)
                  for chunk_id, (text, metadata) in KEYED.items()]
        kit.judge.answered(vio.insert(kit, store.id, chunks), CHUNKS_QUERY)
        query = "Okapis of the rainforest"

        def found(texts: list[str]) -> set[str]:
            return {chunk_id for chunk_id, (text, _) in KEYED.items() if text in texts}

        everything = found(vio.result_texts(vio.search_with(kit, store.id, query, SEARCH, max_num_results=10)))
        kit.judge.check(everything == set(KEYED), SEARCH,
                        f"a search without filters finds {sorted(everything)} of the chunks {sorted(KEYED)}.")
        problems = []
        for search_filter, expected in KEYED_FILTERS:  # keys the package accepts: refusing them is this SHOULD's
            outcome = kit.ask_with("openai_search_vector_store",
                                   {"query": query, "filters": search_filter, "max_num_results": 10},
                                   vector_store_id=store.id)
            kit.judge.no_hang(outcome)
            if outcome.error is not None:
                problems.append(f"{search_filter} (keys the package accepts) raised {outcome.describe_error()}")
            elif (got := found(vio.result_texts(vio.page_results(kit, outcome.value)))) != expected:
                problems.append(f"{search_filter} found {sorted(got)}, not {sorted(expected)}")
        asked = [_cmp("eq", key, "north") for key in refused]
        asked.append({"type": "or", "filters": [_cmp("eq", "kit_region", "north"),
                                                {"type": "and", "filters": [_cmp("eq", refused[0], 1)]}]})
        for search_filter in asked:
            outcome = kit.ask_with("openai_search_vector_store", {"query": query, "filters": search_filter},
                                   vector_store_id=store.id)
            kit.judge.no_hang(outcome)
            if outcome.error is None:
                problems.append(f"{search_filter} was answered, not refused with a 4xx")
            elif outcome.answer is None or not 400 <= outcome.answer.status < 500:
                problems.append(f"{search_filter} raised {outcome.describe_error()}, not a 4xx")
        kit.judge.check(not problems, check,
                        "filter keys (the API package refuses keys like " + ", ".join(map(repr, refused)) + "): "
                        + "; ".join(problems) + ".")
    finally:
        vio.delete_store(kit, store.id)


# Upstream's chunks (tests/integration/vector_io/test_vector_io_filters.py), with their metadata.
DOCS = {
    "kit-doc1": ("Python is a high-level programming language known for its readability.",
                 {"topic": "programming", "priority": 1, "is_featured": True, "year": 2020}),
    "kit-doc2": ("Machine learning enables systems to learn from data automatically.",
                 {"topic": "ai", "priority": 2, "is_featured": True, "year": 2021}),
    "kit-doc3": ("Data structures provide efficient ways to organize and access data.",
                 {"topic": "computer_science", "priority": 3, "is_featured": False, "year": 2019}),
    "kit-doc4": ("Neural networks are inspired by the biological neural networks in brains.",
                 {"topic": "ai", "priority": 1, "is_featured": True, "year": 2022}),
    "kit-doc5": ("JavaScript is the language of the web, running in browsers and servers.",
                 {"topic": "programming", "priority": 2, "is_featured": False, "year": 2018}),
}


def _docs(*numbers: int) -> set[str]:
    return {f"kit-doc{n}" for n in numbers}


CHUNK_FILTERS: list[tuple[dict[str, Any], set[str]]] = [
    (_cmp("eq", "topic", "ai"), _docs(2, 4)),
    (_cmp("ne", "topic", "ai"), _docs(1, 3, 5)),
    (_cmp("gt", "year", 2020), _docs(2, 4)),
    (_cmp("gte", "year", 2020), _docs(1, 2, 4)),
    (_cmp("lt", "year", 2020), _docs(3, 5)),
    (_cmp("lte", "priority", 1), _docs(1, 4)),
    (_cmp("in", "topic", ["ai", "programming"]), _docs(1, 2, 4, 5)),
    (_cmp("nin", "topic", ["ai", "programming"]), _docs(3)),
    (_cmp("eq", "is_featured", True), _docs(1, 2, 4)),
    ({"type": "and", "filters": [_cmp("eq", "topic", "ai"), _cmp("eq", "is_featured", True),
                                 _cmp("eq", "priority", 1)]}, _docs(4)),
    ({"type": "or", "filters": [_cmp("eq", "topic", "computer_science"), _cmp("gt", "year", 2021)]}, _docs(3, 4)),
    ({"type": "or", "filters": [{"type": "and", "filters": [_cmp("eq", "topic", "programming"),
                                                            _cmp("lt", "year", 2019)]},
                                _cmp("eq", "priority", 3)]}, _docs(3, 5)),
    (_cmp("eq", "topic", "kit-no-such-topic"), set()),
]


def as_router_passes(kit: Kit, search_filter: dict[str, Any]) -> Any:
    """``search_filter`` as the provider receives it: both servers' routers parse query_chunks
    filters into the API package's ComparisonFilter / CompoundFilter before calling the provider
    (ogx ``core/routers/vector_io.py`` ``parse_filter``), and the stores read those types. In-process
    the kit plays that router; a deployment's router does it itself, so it gets the JSON."""
    comparison, compound = getattr(kit.api, "ComparisonFilter", None), getattr(kit.api, "CompoundFilter", None)
    if kit.session.options.stack_url or comparison is None or compound is None:
        return search_filter

    def parse(data: dict[str, Any]) -> Any:
        if data["type"] in ("and", "or"):
            return compound(type=data["type"], filters=[parse(sub) for sub in data["filters"]])
        return comparison(**data)

    return parse(search_filter)


@pytest.mark.checks(STORE_CREATE, CHUNKS_QUERY, CHUNKS_FILTERS, *ANSWER)
def test_query_chunks_filters(llama_kit: Kit) -> None:
    """vector_io.chunks.filters: each comparison operator, a boolean, and/or and a nested filter in
    query_chunks params select exactly the chunks whose metadata match, and a filter no chunk
    matches returns none; without a filter all five come back (vector_io.chunks.query). A provider
    without filtering may refuse it with a 501 (upstream skips chroma, qdrant, weaviate); an answer
    that ignores the filter is the defect. max_chunks exceeds the store's size, so a store that
    filters after its nearest-neighbour search still sees every chunk."""
    kit = llama_kit
    check = CHUNKS_FILTERS
    if kit.session.over_http and not kit.session.options.stack_url:
        raise NotApplicable("the server's router parses query_chunks filters before the provider sees them; the "
                            "kit's own HTTP mount has no router, so in this mode the provider would get raw JSON")
    vio.require_typed_filters(kit)
    store = vio.created_store(kit, name="kit-chunk-filters")
    try:
        chunks = [vio.embedded_chunk(kit, store, text, chunk_id, metadata)
                  for chunk_id, (text, metadata) in DOCS.items()]
        kit.judge.answered(vio.insert(kit, store.id, chunks), CHUNKS_QUERY)
        member = kit.member("query_chunks")

        def ask(params: dict[str, Any]) -> Any:
            request = kit.request(member, {"vector_store_id": store.id, "query": "technology",
                                           "params": {"max_chunks": len(DOCS) + 5, **params}})
            outcome = kit.call_request(member, request)
            kit.judge.no_hang(outcome)
            return outcome

        everything = ask({})
        kit.judge.answered(everything, CHUNKS_QUERY)
        ids = {c.chunk_id for c in everything.value.chunks}
        kit.judge.check(ids == set(DOCS), CHUNKS_QUERY,
                        f"query_chunks without filters (max_chunks {len(DOCS) + 5}) returns {sorted(ids)}, not all "
                        f"of {sorted(DOCS)}.")
        problems = []
        for search_filter, expected in CHUNK_FILTERS:
            outcome = ask({"filters": as_router_passes(kit, search_filter)})
            if outcome.error is not None:
                if outcome.answer is None or not outcome.answer.not_implemented:
                    problems.append(f"{search_filter} raised {outcome.describe_error()}: neither the matching chunks "
                                    "nor a refusal of filters (501)")
                continue
            got = {c.chunk_id for c in outcome.value.chunks}
            if got != expected:
                problems.append(f"{search_filter} returned {sorted(got)}, not {sorted(expected)}")
        kit.judge.check(not problems, check, "query_chunks filters on chunk metadata: " + "; ".join(problems) + ".")
    finally:
        vio.delete_store(kit, store.id)
