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


def test_package_table_columns_answer_for_each_package(contract) -> None:
    """The package differences the rest of the kit needs are columns of one table (``contract.packages``)."""
    from llama_conformance.contract import package_row
    from llama_conformance.contract.packages import type_prefixes

    row = contract.package.row
    assert row is package_row(contract.package.name) is package_row(contract.package.distribution)
    assert row.server_registry == f"{row.server}.core.distribution"
    assert f"{contract.package.name}." in type_prefixes()
    purposes = contract.package.file_upload_purposes()
    assert "assistants" in purposes and "batch" in purposes
    assert package_row("llama_stack_old_line") is package_row("llama_stack_api")  # older lines: the 0.x server


def test_select_api_package_rebuilds_fixtures_of_another_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment side channel has one owner: selecting a package exports it and drops fixtures
    imported against another one, so their next import rebuilds them."""
    import sys
    import types

    from llama_conformance.contract import select_api_package, selected_api_package
    from llama_conformance.contract.packages import API_PACKAGE_ENV

    # setenv first, so the undo deletes what ``select_api_package`` exports (a bare delenv of an unset
    # variable records nothing, and the choice would leak into every later subprocess of this worker)
    monkeypatch.setenv(API_PACKAGE_ENV, "")
    monkeypatch.delenv(API_PACKAGE_ENV)
    assert selected_api_package() is None
    for name in [n for n in sys.modules if n.startswith("llama_conformance_fixtures.")]:
        monkeypatch.setitem(sys.modules, name, sys.modules[name])  # put back after the test, whatever it drops
    shim = types.ModuleType("llama_conformance_fixtures._api")
    shim.api = types.ModuleType("ogx_api")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "llama_conformance_fixtures._api", shim)
    monkeypatch.setitem(sys.modules, "llama_conformance_fixtures.reference.files", types.ModuleType("files"))
    select_api_package("ogx-api")
    assert selected_api_package() == "ogx_api"
    assert "llama_conformance_fixtures.reference.files" in sys.modules  # the same package: kept
    select_api_package("llama_stack_api")
    assert selected_api_package() == "llama_stack_api"
    assert "llama_conformance_fixtures._api" not in sys.modules
    assert "llama_conformance_fixtures.reference.files" not in sys.modules


def test_selecting_a_package_in_a_test_does_not_leak_into_later_ones() -> None:
    """Runs after the test above (same module, file order): the variable is gone again."""
    import os

    from llama_conformance.contract.packages import API_PACKAGE_ENV

    assert API_PACKAGE_ENV not in os.environ
