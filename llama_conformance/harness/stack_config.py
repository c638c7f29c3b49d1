"""``--llama-stack-config RUN.yaml``: a provider's dependencies built as that server config builds them.

By default the kit satisfies dependencies with its own stand-ins, which judge a provider
alone but cannot answer for a shield that asks an LLM to judge, or an eval that needs real
scores. Given a server run config (the file ``ogx run`` / ``llama stack run`` takes), the
kit builds, for every API the provider depends on, the provider the config lists for it,
from the installed server's own registry (``get_provider_registry()``; a ``module:`` entry
from that package's ``get_provider_spec()``), with that entry's config: env references
expanded as ``harness.config`` does, storage backends registered in the kit's temp dir as
``harness.storage`` does (the user's own state is never touched), validated the way the
server does. Their own dependencies come from the same config, in dependency order, one
instance per API, as a server shares them.

What the server would do differently, and what the kit does instead:

* a routed API (inference, vector_io, safety ...) is handed over as the server's router
  over all of its providers; the kit has no router and hands over the *first* provider the
  config lists for it (a non-routed API: the last, as the server's ``impls[api] = impl``);
* routing tables (``models``, ``shields`` ...) are the kit's stand-ins, present exactly when
  the config serves their router API; models and shields under ``registered_resources`` are
  added to the stand-in stores the real dependencies are given; a tool runtime's tool groups
  are registered with it, where the installed server reads them (``registered_tool_groups``);
* the APIs a server implements itself, whatever the config says (``prompts``,
  ``conversations``, ``connectors``: ``INTERNAL_APIS``), are the kit's stand-ins too.

Only dependencies built from the config are *real* (``StackPlan.real``); stand-ins are not,
so a check resting on them can be told apart. Problems with the file (missing, unknown
provider type, a required API the config does not provide, an entry that does not validate)
are usage errors, one paragraph each.
"""

from __future__ import annotations

import contextlib
import importlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llama_conformance.capabilities import ToolGroupDecl
from llama_conformance.contract import Contract, package_row
from llama_conformance.discovery import ProviderEntry, entry_from_spec, specs_from_module
from llama_conformance.errors import KitUsageError, describe_exception
from llama_conformance.gate import CallGate
from llama_conformance.harness.config import (
    CONFIG_FROM_STACK,
    expand_env,
    import_config_class,
    read_yaml_mapping,
    validate_config,
)
from llama_conformance.harness.dependencies import (
    OGX,
    ROUTING_TABLES,
    build_reference,
    has_reference,
    select_fixture_package,
    stores_for,
)

OPTION = "--llama-stack-config"
_DISABLED = {None, "", "__disabled__"}
# APIs both servers implement themselves for every config (``distribution.INTERNAL_APIS``).
INTERNAL_APIS = frozenset({"inspect", "providers", "prompts", "conversations", "connectors", "admin", "containers"})


@dataclass
class StackProvider:
    """One provider of the run config that the kit will build: its entry and validated config."""

    api: str
    provider_id: str
    entry: ProviderEntry
    config: Any
    values: dict[str, Any]


@dataclass
class StackPlan:
    """What ``--llama-stack-config`` decided before any provider code runs."""

    path: Path
    package: str
    data: dict[str, Any]
    served: set[str]
    # In dependency order: real providers from the config, one per API.
    providers: list[StackProvider] = field(default_factory=list)
    # Routing-table APIs handed out as the kit's stand-ins (the config serves their router).
    stand_ins: list[str] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    # A tool runtime's: the tool groups the server registers for it at start-up (``registered_tool_groups``).
    tool_groups: tuple[ToolGroupDecl, ...] = ()

    @property
    def real(self) -> set[str]:
        return {p.api for p in self.providers}

    def storage_values(self) -> dict[str, Any]:
        """Every planned config, for ``register_backends`` (one registration serves them all)."""
        return {p.provider_id: p.values for p in self.providers}


def load_stack_config(path: Path) -> dict[str, Any]:
    """The run config as a mapping, its ``providers`` a mapping of lists; else a usage error."""
    data = read_yaml_mapping(path, OPTION)
    providers = data.get("providers")
    if not isinstance(providers, dict) or not all(isinstance(v, list | None) for v in providers.values()):
        raise KitUsageError(
            f"{OPTION} {path} has no `providers:` mapping of API names to provider lists, so it is not a "
            "server run config (the file `ogx run` / `llama stack run` takes)."
        )
    return data


def enabled_entries(data: dict[str, Any], api: str) -> list[dict[str, Any]]:
    """The config's provider entries for ``api`` a server would start (``provider_id`` set, not disabled)."""
    return [p for p in (data.get("providers") or {}).get(api) or []
            if isinstance(p, dict) and p.get("provider_id") not in _DISABLED]


def served_apis(data: dict[str, Any], package: str) -> set[str]:
    """The APIs a server started from ``data`` hands to providers (keys of its ``impls``).

    The servers serve ``apis:`` (or, without it, every API with providers plus every routed
    one), create each routed API's routing table with it, and start non-routed providers
    whatever ``apis:`` says; a routed API's own providers only reach others through its
    router, which exists only when the API is served.
    """
    tables = ROUTING_TABLES.get(package, ROUTING_TABLES["llama_stack_api"])
    routers = set(tables.values())
    listed = [str(a) for a in data.get("apis") or []]
    configured = {api for api in (data.get("providers") or {}) if enabled_entries(data, api)}
    to_serve = set(listed) if listed else configured | routers | set(tables)
    served = {api for api in configured if api not in routers} | {api for api in to_serve if api in routers}
    served |= {table for table, router in tables.items() if router in to_serve}
    return served | INTERNAL_APIS


def server_registry(package: str) -> dict[str, dict[str, Any]]:
    """``{api: {provider_type: spec}}`` of the installed server the contract package belongs to."""
    row = package_row(package)
    server, module_name = row.server_distribution, row.server_registry
    try:
        registry = importlib.import_module(module_name).get_provider_registry()
    except Exception as exc:
        raise KitUsageError(
            f"{OPTION} builds dependencies from the {server} server's provider registry, which cannot be "
            f"loaded here ({describe_exception(exc)}). Install the {server} server in this environment "
            f"(the provider is built against {package}), or leave {OPTION} out to use the kit's stand-ins."
        ) from exc
    return {str(getattr(api, "value", api)): dict(specs) for api, specs in registry.items()}


def _spec_for(item: dict[str, Any], api: str, registry: dict[str, dict[str, Any]], path: Path) -> ProviderEntry:
    provider_type = str(item.get("provider_type") or "")
    source = f"{OPTION} {path} (provider_id {item.get('provider_id')!r})"
    module = item.get("module")
    if module:  # an external provider named by package, as the server loads it
        for candidate in specs_from_module(str(module)):
            if candidate.provider_type == provider_type and candidate.api == api:
                candidate.source = source
                return candidate
    spec = registry.get(api, {}).get(provider_type)
    if spec is None:
        known = ", ".join(sorted(registry.get(api, {}))) or "none"
        raise KitUsageError(
            f"{OPTION} {path} lists provider type {provider_type!r} for {api} (provider_id "
            f"{item.get('provider_id')!r}), which the installed server does not know (its {api} types: {known}). "
            "Fix the entry, or install the package that provides it and name it with `module:`."
        )
    return entry_from_spec(spec, source)


def server_config_defaults(
    package: str, entry: ProviderEntry, config_class: Any, values: dict[str, Any], data: dict[str, Any]
) -> dict[str, Any]:
    """What the generation's resolver adds to a provider's config from the run config.

    llama-stack 0.7.3 sets ``vector_stores_config`` (from the config's ``vector_stores``) for
    inline providers whose config class has that field; ogx 1.5 for remote ones too, and fills
    an unset ``metadata_store`` from ``storage.stores.vector_stores``. Pydantic models only:
    the servers look for the fields in ``__fields__``.
    """
    fields = getattr(config_class, "model_fields", None)
    if not isinstance(fields, dict):
        return values
    values = dict(values)
    vector_stores = data.get("vector_stores")
    if "vector_stores_config" in fields and vector_stores is not None and (package == OGX or entry.is_inline):
        values["vector_stores_config"] = vector_stores
    stores = (data.get("storage") or {}).get("stores") or {}
    if package == OGX and "metadata_store" in fields and values.get("metadata_store") is None \
            and stores.get("vector_stores") is not None:
        values["metadata_store"] = stores["vector_stores"]
    return values


def configured_values(
    plan: StackPlan, item: dict[str, Any], entry: ProviderEntry, config_class: Any
) -> dict[str, Any]:
    """An entry's ``config:`` expanded and completed as the server would before validating it."""
    raw = item.get("config") or {}
    if not isinstance(raw, dict):
        raise KitUsageError(f"{OPTION} {plan.path}: the config of provider_id {item.get('provider_id')!r} "
                            f"({entry.provider_type}) must be a mapping, not a {type(raw).__name__}.")
    values = expand_env(raw, plan.secrets)
    return server_config_defaults(plan.package, entry, config_class, values, plan.data)


def own_entry(data: dict[str, Any], entry: ProviderEntry) -> dict[str, Any] | None:
    """The run config's entry for the provider under test itself (same API and type), if any."""
    for item in enabled_entries(data, entry.api):
        if item.get("provider_type") == entry.provider_type:
            return item
    return None


def plan_stack(entry: ProviderEntry, path: Path, package: str, *, optional: bool = True) -> StackPlan:
    """Decide, before any provider code runs, which config providers the provider under test gets.

    Walks the declared dependencies (required ones, optional ones unless ``optional`` is
    False) and theirs, depth first, so ``providers`` ends in build order. A required API the
    config does not serve is a usage error naming it; an optional one is left out, as the
    server leaves it out.
    """
    data = load_stack_config(path)
    plan = StackPlan(path=path, package=package, data=data, served=served_apis(data, package))
    tables = ROUTING_TABLES.get(package, ROUTING_TABLES["llama_stack_api"])
    registry: dict[str, dict[str, Any]] | None = None
    done: set[str] = set()

    def need(api: str, required: bool, who: str) -> None:
        nonlocal registry
        if api in done:
            return
        entries = enabled_entries(data, api)
        stand_in = api in tables or api in INTERNAL_APIS
        if api not in plan.served or (not stand_in and not entries) or (stand_in and not has_reference(api)):
            if stand_in and api in plan.served and required:
                raise KitUsageError(
                    f"{who} requires the {api} API, which a server provides itself; the kit has no stand-in "
                    f"for it, so {OPTION} cannot satisfy it."
                )
            if required:
                raise KitUsageError(
                    f"{who} requires the {api} API, which {OPTION} {path} does not provide "
                    f"(it serves: {', '.join(sorted(plan.served)) or 'nothing'}). A server started from it "
                    f"would refuse to start; add a {api} provider"
                    f"{' (or its router API ' + tables[api] + ')' if api in tables else ''} to the config."
                )
            return
        done.add(api)
        if stand_in:  # a routing table (its router is served) or the server's own API: a stand-in
            plan.stand_ins.append(api)
            return
        registry = registry if registry is not None else server_registry(package)
        routed = api in tables.values()
        item = entries[0] if routed else entries[-1]
        dep = _spec_for(item, api, registry, path)
        for sub in dep.api_dependencies:
            need(sub, True, f"{dep.provider_type} (provider_id {item.get('provider_id')!r} in {path})")
        for sub in dep.optional_api_dependencies:
            need(sub, False, dep.provider_type)
        config_class = import_config_class(dep.config_class, dep.provider_type)
        values = configured_values(plan, item, dep, config_class)
        config = validate_config(config_class, values, f"{dep.provider_type} (provider_id "
                                 f"{item.get('provider_id')!r} in {OPTION} {path})", CONFIG_FROM_STACK)
        plan.providers.append(StackProvider(api=api, provider_id=str(item["provider_id"]), entry=dep,
                                            config=config, values=values))

    for api in entry.api_dependencies:
        need(api, True, entry.provider_type)
    for api in entry.optional_api_dependencies if optional else []:
        need(api, False, entry.provider_type)
    if entry.api == "tool_runtime":
        plan.tool_groups = registered_tool_groups(data, package, entry, path)
    return plan


def registered_tool_groups(data: dict[str, Any], package: str, entry: ProviderEntry,
                           path: Path) -> tuple[ToolGroupDecl, ...]:
    """The run config's tool groups of the provider under test, as the installed server reads them.

    llama-stack 0.2 registers the top-level ``tool_groups:``, 0.4-0.6 ``registered_resources.tool_groups``;
    ogx 1.5 and llama-stack 0.7.3 drop the latter (``RegisteredResources._warn_deprecated_tool_groups``,
    ``core/datatypes.py``) and a client registers groups instead (the kit: the manifest's ``tool_groups:``).
    Validating with the server's own model gives each generation's answer. Only the groups whose
    ``provider_id`` is the provider's own in the config (else its type's name) are its.
    """
    resources = data.get("registered_resources")
    raw = resources.get("tool_groups") if isinstance(resources, dict) else None
    raw = raw if raw is not None else data.get("tool_groups")
    if not raw:
        return ()
    raw = expand_env(raw, set(), "registered_resources.tool_groups")  # an endpoint URL is no secret
    row = package_row(package)
    module_name = f"{row.server_registry.rsplit('.', 1)[0]}.datatypes"
    try:
        datatypes = importlib.import_module(module_name)
        model = getattr(datatypes, "RegisteredResources", None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            if model is not None and "tool_groups" in model.model_fields:
                groups = model.model_validate({"tool_groups": raw}).tool_groups
            else:
                groups = [datatypes.ToolGroupInput.model_validate(item) for item in raw]
    except Exception as exc:  # the server missing, or a ValidationError
        raise KitUsageError(
            f"{OPTION} {path} registers tool groups, which the kit reads as the {row.server_distribution} server "
            f"reads them ({module_name}), and that failed: {describe_exception(exc)}. Fix the entries (each a "
            "ToolGroupInput: toolgroup_id, provider_id, mcp_endpoint: {uri: URL}), install the server, or give "
            "the groups as the manifest's `tool_groups:` (--llama-manifest) instead."
        ) from exc
    own = own_entry(data, entry)
    provider = str(own["provider_id"]) if own else entry.provider_type.split("::", 1)[-1]
    return tuple(ToolGroupDecl(toolgroup_id=str(group.toolgroup_id), provider_id=provider, args=dict(group.args or {}),
                               mcp_endpoint=str(group.mcp_endpoint.uri) if group.mcp_endpoint else None)
                 for group in groups if group.provider_id == provider)


def _registered(data: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    items = (data.get("registered_resources") or {}).get(kind) or []
    return [item for item in items if isinstance(item, dict)]


def seed_stores(stores: dict[str, Any], api_module: Any, data: dict[str, Any]) -> None:
    """Add the config's ``registered_resources`` models and shields to the stand-in stores.

    A server registers them with its routing tables at start-up, which is where a real
    inference adapter looks a model up (``model_store.has_model``) and a safety provider its
    shield (``shield_store.get_shield``).
    """
    add_model = getattr(stores.get("model_store"), "add", None)
    if callable(add_model):
        for item in _registered(data, "models"):
            with contextlib.suppress(Exception):  # a malformed entry: the provider reports the lookup
                add_model(api_module.Model(
                    identifier=item["model_id"], provider_resource_id=item.get("provider_model_id") or item["model_id"],
                    provider_id=item.get("provider_id") or "", model_type=item.get("model_type") or "llm",
                    metadata=item.get("metadata") or {}))
    add_shield = getattr(stores.get("shield_store"), "add", None)
    if callable(add_shield):
        for item in _registered(data, "shields"):
            with contextlib.suppress(Exception):
                shield_id = item["shield_id"]
                add_shield(api_module.Shield(
                    identifier=shield_id, provider_resource_id=item.get("provider_shield_id") or shield_id,
                    provider_id=item.get("provider_id") or "", params=item.get("params")))


def build_stack_dependencies(plan: StackPlan, contract: Contract, gate: CallGate) -> tuple[dict[Any, Any], list[Any]]:
    """Build the planned providers and stand-ins through the gate: ``({Api: impl}, real impls)``.

    Each real provider gets its own declared dependencies from those built before it, the
    stores its routing table would assign (seeded with the config's registered resources)
    and the attributes the resolver sets. A failure is a usage error naming the entry: the
    config's provider, not the provider under test, is at fault.
    """
    from llama_conformance.harness.build import factory_arguments, load_factory, mark_as_resolved

    select_fixture_package(contract)
    api_enum = contract.api_enum()
    built: dict[Any, Any] = {}
    for api in plan.stand_ins:
        built[api_enum(api)] = build_reference(api, gate, built)
    real: list[Any] = []
    for provider in plan.providers:
        entry = provider.entry
        factory = load_factory(entry)
        wanted = [*entry.api_dependencies, *entry.optional_api_dependencies]
        deps = {api_enum(api): built[api_enum(api)] for api in wanted if api_enum(api) in built}
        try:
            args = factory_arguments(factory, provider.config, deps)
            impl = gate.run(f"{entry.provider_type} from {OPTION}", lambda: factory(*args))  # noqa: B023
        except Exception as exc:
            raise KitUsageError(
                f"The {provider.api} provider {provider.provider_id!r} ({entry.provider_type}) of {OPTION} "
                f"{plan.path}, built as a dependency, failed: {describe_exception(exc)}. It is the config's "
                "provider that failed, not the one under test: fix the entry (or its service), or leave "
                f"{OPTION} out to use the kit's stand-ins."
            ) from exc
        mark_as_resolved(impl, contract, provider.provider_id, entry.raw_spec, provider.config, deps)
        stores = stores_for(provider.api, contract)
        seed_stores(stores, contract.package.module, plan.data)
        for name, store in stores.items():
            with contextlib.suppress(Exception):
                setattr(impl, name, store)
        built[api_enum(provider.api)] = impl
        real.append(impl)
    return built, real
