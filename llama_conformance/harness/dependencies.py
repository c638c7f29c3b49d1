"""Satisfy a provider's ``api_dependencies`` and stores with the kit's reference providers.

The kit never borrows a real provider as a dependency: the provider under test must be
judged alone, against dependencies that are known to pass the kit themselves. A required
dependency the kit has no reference provider for is a usage error naming it; an optional
one is simply left out, as the server does when it is not configured.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from llama_conformance.contract import ApiSurface, Contract
from llama_conformance.discovery import ProviderEntry
from llama_conformance.errors import KitUsageError, describe_exception
from llama_conformance.gate import CallGate

API_PACKAGE_ENV = "LLAMA_CONFORMANCE_API_PACKAGE"


def select_fixture_package(contract: Contract) -> None:
    """Make the bundled fixtures build against the contract's package.

    Discovery may already have imported them against the default package (to list the
    reference specs); a provider judged against the other package needs them rebuilt.
    """
    os.environ[API_PACKAGE_ENV] = contract.package.name
    shim = sys.modules.get("llama_conformance_fixtures._api")
    if shim is not None and shim.api.__name__ != contract.package.name:
        for name in [n for n in sys.modules if n.startswith("llama_conformance_fixtures.")]:
            del sys.modules[name]


def _reference_tables() -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    from llama_conformance_fixtures.reference import REFERENCE_PROVIDERS, REFERENCE_STORES

    return REFERENCE_PROVIDERS, REFERENCE_STORES


def _build_reference(api: str, gate: CallGate, built: dict[Any, Any] | None = None) -> Any:
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


def reference_dependencies(entry: ProviderEntry, contract: Contract, gate: CallGate) -> dict[Any, Any]:
    """``{Api: impl}`` for the provider's dependencies, built through the gate."""
    select_fixture_package(contract)
    providers, _ = _reference_tables()
    api_enum = contract.api_enum()
    deps: dict[Any, Any] = {}
    for api in _build_order([*entry.api_dependencies, *entry.optional_api_dependencies]):
        if api not in providers:
            continue
        try:
            deps[api_enum(api)] = _build_reference(api, gate, deps)
        except Exception as exc:  # a kit defect, but say which dependency
            raise KitUsageError(
                f"The kit's reference {api} provider failed to build: {describe_exception(exc)}."
            ) from exc
    return deps


def stores_for(surface: ApiSurface, contract: Contract) -> dict[str, Any]:
    """Store objects to assign after construction, for the attributes the protocol declares."""
    select_fixture_package(contract)
    _, stores = _reference_tables()
    out = {}
    for attr in surface.attributes:
        if attr.name in stores:
            module_name, class_name = stores[attr.name]
            out[attr.name] = getattr(importlib.import_module(module_name), class_name)()
    return out
