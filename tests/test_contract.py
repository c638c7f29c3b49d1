"""The contract layer derives each API's surface from the installed package, in both generations."""

from __future__ import annotations

import pytest

from llama_conformance.contract import load_contract

PACKAGES = ["ogx_api", "llama_stack_api"]

# What the server's routing tables need from providers, per the servers' own wiring
# (additional_protocols_map / routing tables): the kit must derive the same links.
EXPECTED_PRIVATE = {
    "ogx_api": {
        "inference": ["ModelsProtocolPrivate"],
        "vector_io": ["VectorStoresProtocolPrivate"],
        "tool_runtime": ["ToolGroupsProtocolPrivate"],
    },
    "llama_stack_api": {
        "inference": ["ModelsProtocolPrivate"],
        "safety": ["ShieldsProtocolPrivate"],
        "vector_io": ["VectorStoresProtocolPrivate"],
        "datasetio": ["DatasetsProtocolPrivate"],
        "scoring": ["ScoringFunctionsProtocolPrivate"],
        "eval": ["BenchmarksProtocolPrivate"],
        "tool_runtime": ["ToolGroupsProtocolPrivate"],
    },
}


@pytest.fixture(params=PACKAGES)
def contract(request: pytest.FixtureRequest):
    pytest.importorskip(request.param)
    return load_contract(request.param)


def test_every_api_with_a_protocol_has_members(contract) -> None:
    missing = [api for api, s in contract.surfaces.items() if s.protocol is None]
    assert missing == ["vector_stores"]  # a routing-table API served by the server alone
    assert all(s.members for s in contract.surfaces.values() if s.protocol is not None)


def test_private_protocols_are_linked_like_the_server_routes_them(contract) -> None:
    linked = {
        api: [p.__name__ for p in s.private_protocols]
        for api, s in contract.surfaces.items()
        if s.private_protocols
    }
    assert linked == EXPECTED_PRIVATE[contract.package.name]


def test_inference_providers_implement_the_provider_protocol(contract) -> None:
    surface = contract.surface("inference")
    assert surface.protocol.__name__ == "InferenceProvider"
    chat = surface.member("openai_chat_completion")
    assert chat.streaming and chat.is_async and not chat.optional
    assert chat.chunk_type.__name__ == "OpenAIChatCompletionChunk"
    assert surface.member("rerank").optional
    assert {a.name for a in surface.attributes} == {"API_NAMESPACE", "model_store"}


def test_files_members_take_request_models(contract) -> None:
    listing = contract.surface("files").member("openai_list_files")
    assert [p.name for p in listing.params] == ["request"]
    assert listing.request_models[0].__name__ == "ListFilesRequest"


def test_routing_table_unregister_is_implied_where_no_protocol_declares_it() -> None:
    pytest.importorskip("llama_stack_api")
    surface = load_contract("llama_stack_api").surface("eval")
    unregister = surface.member("unregister_benchmark")
    assert unregister.implied and unregister.private
    assert not surface.member("register_benchmark").implied


def test_unknown_api_is_a_usage_error(contract) -> None:
    from llama_conformance.errors import KitUsageError

    with pytest.raises(KitUsageError, match="has no API named 'nope'"):
        contract.surface("nope")
