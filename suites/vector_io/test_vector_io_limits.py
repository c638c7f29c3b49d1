"""Vector stores under absurd sizes: ``call.resource-bound`` for search, query and listing.

``max_num_results`` is bounded by the schema (its bound is what is sent), a query string is
not (8 MB of text is sent), nor is ``limit`` of ``openai_list_vector_stores`` (2**31-1).
Each must be refused with a typed error or answered within the deadline; the store they run
against is created (and deleted) as the other vector_io tests do.
"""

from __future__ import annotations

import contextlib

import pytest

from llama_conformance.behaviour import resource_bound as rb
from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.engine_checks import RESOURCE_BOUND
from llama_conformance_suites.vector_io import helpers as vio
from llama_conformance_suites.vector_io.checks import STORE_CREATE

pytestmark = [pytest.mark.behavioral, pytest.mark.api("vector_io")]


@pytest.mark.checks(RESOURCE_BOUND, STORE_CREATE, *ANSWER)
def test_vector_io_resource_bound(llama_kit: Kit) -> None:
    """call.resource-bound: absurd result counts, queries and list limits are refused (4xx) or answered."""
    kit = llama_kit
    store = vio.created_store(kit, name="kit-resource-bound")
    try:
        search = kit.member("openai_search_vector_store")
        if search.request_model is not None:
            rb.check_cases(kit, search, rb.absurd_cases(search.request_model, {"query": "absurd sizes"}),
                           lambda case: vio.call(kit, search.name, vector_store_id=store.id, request=case.request))
        query = kit.member("query_chunks")
        if query.request_model is not None:
            base = {"vector_store_id": store.id, "query": "absurd sizes", "params": {"max_chunks": 2}}
            rb.check_cases(kit, query, rb.absurd_cases(query.request_model, base),
                           lambda case: kit.call_request(query, case.request))
        listing = kit.member("openai_list_vector_stores")
        rb.check_cases(kit, listing, rb.absurd_param_cases(listing, {}),
                       lambda case: vio.call(kit, listing.name, **case.request))
    finally:
        with contextlib.suppress(Exception):
            vio.delete_store(kit, store.id)
