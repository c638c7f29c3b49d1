"""Satisfy a provider's ``api_dependencies`` and stores with the kit's reference providers.

By default the kit never borrows a real provider as a dependency: the provider under test
must be judged alone, against dependencies that are known to pass the kit themselves (with
``--llama-stack-config`` they come from a server config instead, ``harness.stack_config``).
A required dependency the kit has no reference provider for is a usage error naming it; an
optional one is simply left out, as the server does when it is not configured.

What a provider is handed mirrors the servers' resolvers (ogx 1.5 and llama-stack 0.7.3
``core/resolver.py``, ``instantiate_providers``): ``deps`` holds exactly the APIs the spec
declares, required ones always and optional ones when the server has them. A routing table
(``models``, ``shields`` ...) exists in a server exactly when its router API is served
(``specs_for_autorouted_apis``), so a provider that declares one gets the kit's stand-in for
it whenever the kit serves the router API: an eval provider declaring ``safety`` and
``shields`` gets both, never one without the other. After construction the routing tables
assign their stores (``routing_tables/common.py``, ``initialize``): which attribute, for
which API, differs per generation (``ROUTING_STORES``); ``vector_store_table``, declared by
the VectorIO protocol, is assigned by neither server and stays as the provider left it.
"""

from __future__ import annotations

import importlib
from typing import Any

from llama_conformance.contract import ApiSurface, Contract, select_api_package
from llama_conformance.discovery import ProviderEntry
from llama_conformance.errors import KitUsageError, describe_exception
from llama_conformance.gate import CallGate

OGX = "ogx_api"
LLAMA_STACK = "llama_stack_api"
# llama-stack 0.3 and older (the API inside the server, ``llama_stack.apis``): the same routing tables,
# but vector stores were "vector DBs" there.
PRESPLIT = "llama_stack.apis"

# Routing-table API -> the router API it serves (``builtin_automatically_routed_apis``).
ROUTING_TABLES: dict[str, dict[str, str]] = {
    OGX: {"models": "inference", "tool_groups": "tool_runtime", "vector_stores": "vector_io"},
    LLAMA_STACK: {
        "models": "inference", "shields": "safety", "datasets": "datasetio",
        "scoring_functions": "scoring", "benchmarks": "eval", "tool_groups": "tool_runtime",
        "vector_stores": "vector_io",
    },
    # llama-stack 0.2.14 llama_stack/distribution/distribution.py:37-66
    PRESPLIT: {
        "models": "inference", "shields": "safety", "datasets": "datasetio",
        "scoring_functions": "scoring", "benchmarks": "eval", "tool_groups": "tool_runtime",
        "vector_dbs": "vector_io",
    },
}

# Provider API -> the attribute its routing table assigns at start-up
# (``CommonRoutingTableImpl.initialize``). Not ``vector_store_table``: no server sets it.
ROUTING_STORES: dict[str, dict[str, str]] = {
    OGX: {"inference": "model_store", "vector_io": "vector_store_store", "tool_runtime": "tool_store"},
    LLAMA_STACK: {
        "inference": "model_store", "safety": "shield_store", "vector_io": "vector_store_store",
        "datasetio": "dataset_store", "scoring": "scoring_function_store", "eval": "benchmark_store",
        "tool_runtime": "tool_store",
    },
    # llama-stack 0.2.14 llama_stack/distribution/routing_tables/common.py:96-112 (``vector_db_store``, the
    # VectorDBsRoutingTable, whose ``get_vector_db`` its remote vector_io providers await).
    PRESPLIT: {
        "inference": "model_store", "safety": "shield_store", "vector_io": "vector_db_store",
        "datasetio": "dataset_store", "scoring": "scoring_function_store", "eval": "benchmark_store",
        "tool_runtime": "tool_store",
    },
}


def generation(contract: Contract) -> str:
    """``ogx_api``, ``llama_stack_api`` or ``llama_stack.apis``: whose server's resolver the kit mirrors.

    llama-stack-api 0.4-0.6 share the 0.7 resolver's routing tables, so any package that is
    neither ogx-api nor the pre-split API is judged as llama-stack-api.
    """
    name = contract.package.name
    return name if name in (OGX, PRESPLIT) else LLAMA_STACK


def routing_tables(contract: Contract) -> dict[str, str]:
    """The generation's routing-table APIs, each with the router API that brings it."""
    return ROUTING_TABLES[generation(contract)]


def routed_apis(contract: Contract) -> set[str]:
    """The generation's routed APIs: their providers sit behind a router and a routing table."""
    return set(routing_tables(contract).values())


def select_fixture_package(contract: Contract) -> None:
    """Make the bundled fixtures build against the contract's package.

    Discovery may already have imported them against the default package (to list the
    reference specs); a provider judged against the other package needs them rebuilt.
    """
    select_api_package(contract.package.name)


def _reference_tables() -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    from llama_conformance_fixtures.reference import REFERENCE_PROVIDERS, REFERENCE_STORES

    return REFERENCE_PROVIDERS, REFERENCE_STORES


def has_reference(api: str) -> bool:
    """Whether the kit has a reference provider (or routing-table stand-in) for ``api``."""
    providers, _ = _reference_tables()
    return api in providers


def build_reference(api: str, gate: CallGate, built: dict[Any, Any] | None = None) -> Any:
    """One reference provider; ``built`` are the references built before it, passed as its deps.

    A reference that needs another (vector_io reads files and embeds through inference) gets
    the same instances the provider under test gets, as a server shares one files provider.
    """
    providers, _ = _reference_tables()
    module_name, config_name = providers[api]
    module = importlib.import_module(module_name)
    config = getattr(module, config_name)()
    deps = dict(built or {})
    return gate.run(f"reference {api} provider", lambda: module.get_provider_impl(config, deps))


# References that others use are built first, so those can be handed what they need.
_BUILD_FIRST = ("files", "models", "inference")


def _build_order(apis: list[str]) -> list[str]:
    return sorted(apis, key=lambda api: (_BUILD_FIRST.index(api) if api in _BUILD_FIRST else len(_BUILD_FIRST)))


def reference_apis(contract: Contract) -> set[str]:
    """The APIs the kit serves from its references, as a server config would list them.

    A routing table counts only when the kit also serves its router API: a server creates the
    one for the other, so the kit never hands out ``shields`` without ``safety`` or back.
    """
    providers, _ = _reference_tables()
    tables = routing_tables(contract)
    return {api for api in providers if api not in tables or tables[api] in providers}


def missing_dependencies(entry: ProviderEntry) -> None:
    """Raise a usage error if a required dependency has no reference provider."""
    providers, _ = _reference_tables()
    missing = [api for api in entry.api_dependencies if api not in providers]
    if missing:
        raise KitUsageError(
            f"{entry.provider_type} depends on {', '.join(missing)}, for which the kit has no "
            f"reference provider yet (it has: {', '.join(sorted(providers))}). The structural "
            "suite needs the provider built; this dependency cannot be satisfied here."
        )


def wanted_dependencies(entry: ProviderEntry, optional: bool = True) -> list[str]:
    """The APIs a server would try to hand the provider: required ones, and optional ones unless left out."""
    return list(dict.fromkeys([*entry.api_dependencies, *(entry.optional_api_dependencies if optional else [])]))


def reference_dependencies(
    entry: ProviderEntry, contract: Contract, gate: CallGate, *, optional: bool = True
) -> dict[Any, Any]:
    """``{Api: impl}`` for the provider's dependencies, built through the gate.

    Exactly the declared APIs the kit serves (``reference_apis``); with ``optional=False``
    only the required ones, as a server whose config lists none of the optional APIs.
    """
    select_fixture_package(contract)
    served = reference_apis(contract)
    api_enum = contract.api_enum()
    deps: dict[Any, Any] = {}
    for api in _build_order(wanted_dependencies(entry, optional)):
        if api not in served:
            continue
        try:
            deps[api_enum(api)] = build_reference(api, gate, deps)
        except Exception as exc:  # a kit defect, but say which dependency
            raise KitUsageError(
                f"The kit's reference {api} provider failed to build: {describe_exception(exc)}."
            ) from exc
    return deps


def store_attributes(api: str, contract: Contract) -> list[str]:
    """The attributes the generation's routing table assigns to a provider of ``api`` (none or one)."""
    name = ROUTING_STORES[generation(contract)].get(api)
    return [name] if name else []


def stores_for(surface: ApiSurface | str, contract: Contract) -> dict[str, Any]:
    """Stand-in stores to assign after construction: what the generation's routing table assigns.

    Keyed by the provider's API, not by the protocol's attributes: the servers assign
    ``vector_store_store`` (declared nowhere) and never ``vector_store_table`` (declared by
    VectorIO), ``benchmark_store`` to eval providers although ``Eval`` declares none.
    """
    select_fixture_package(contract)
    _, stores = _reference_tables()
    api = surface if isinstance(surface, str) else surface.api
    out = {}
    for name in store_attributes(api, contract):
        if name in stores:
            module_name, class_name = stores[name]
            out[name] = getattr(importlib.import_module(module_name), class_name)()
    return out
