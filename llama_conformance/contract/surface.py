"""The API surface a provider of one ``Api`` must offer, derived from the installed package.

No method list is written by hand. For each ``Api`` member the kit finds the protocol whose
name matches it (``vector_io`` -> ``VectorIO``), preferring a provider-facing variant
(``InferenceProvider`` over ``Inference``: the router, not the provider, serves the stored
chat-completion listing). Private protocols (``ModelsProtocolPrivate`` ...) are linked to
the APIs whose providers must satisfy them by the resource they register:

1. a protocol attribute ``*_store`` / ``*_table`` typed with a store protocol whose methods
   return resource ``R`` links every private protocol whose ``register_*`` takes ``R``
   (``InferenceProvider.model_store`` -> ``ModelStore.get_model -> Model`` ->
   ``ModelsProtocolPrivate.register_model(model: Model)``);
2. an API with no store attribute is linked through its request models: a field
   ``<resource>_id`` on most of them (``RunEvalRequest.benchmark_id`` ... ->
   ``BenchmarksProtocolPrivate``). Routing-table APIs (their protocol declares public
   ``register_*`` methods: ``Models``, ``Benchmarks`` ...) are served by the server itself
   and get no private protocol.

A private ``register_x`` without its ``unregister_x`` twin yields an *implied* member: the
server's routing tables call ``unregister_x(identifier)`` on providers regardless.
"""

from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from llama_conformance.contract.members import (
    AttributeSpec,
    MemberSpec,
    exploded_request_call,
    flat_request_call,
    implied_unregister,
    member_from_function,
    positional_call,
    resolved_hints,
)
from llama_conformance.contract.packages import ApiPackage
from llama_conformance.contract.typecompat import normalize

_PRIVATE_SUFFIX = "ProtocolPrivate"

# Documented errata: (package, protocol, member) where the server's router does not call
# providers as the protocol declares but with the request model's fields as keywords. Every
# in-tree provider (datasetio localfs, huggingface, nvidia) has the called shape, and one
# with the declared shape would raise TypeError behind the real router, so the structural
# suite must accept the called shape rather than fail every real provider.
ROUTER_EXPLODES_REQUEST: dict[tuple[str, str, str], str] = {
    ("llama_stack_api", "DatasetIO", "iterrows"): (
        "llama-stack 0.5-0.7 DatasetIORouter.iterrows calls "
        "provider.iterrows(dataset_id=..., start_index=..., limit=...)"
    ),
    ("llama_stack_api", "DatasetIO", "append_rows"): (
        "llama-stack 0.5-0.7 DatasetIORouter.append_rows calls "
        "provider.append_rows(dataset_id=..., rows=...)"
    ),
}


@dataclass(frozen=True)
class ApiSurface:
    """Everything a provider of one API must offer."""

    api: str
    protocol: type | None
    members: tuple[MemberSpec, ...]
    attributes: tuple[AttributeSpec, ...]
    private_protocols: tuple[type, ...] = field(default=())

    def member(self, name: str) -> MemberSpec:
        for member in self.members:
            if member.name == name:
                return member
        raise KeyError(f"{self.api} has no member {name!r}")


def _key(name: str) -> str:
    return name.replace("_", "").lower()


def _is_protocol_class(obj: Any) -> bool:
    return isinstance(obj, type) and bool(obj.__dict__.get("_is_protocol", False))


def package_protocols(package: ApiPackage) -> dict[str, type]:
    """Every Protocol class defined in the package, by class name."""
    package.module  # noqa: B018 - importing the top module imports its API subpackages
    found: dict[str, type] = {}
    for module_name, module in list(sys.modules.items()):
        if module is None or not package.owns(module_name):
            continue
        for obj in list(vars(module).values()):
            if _is_protocol_class(obj) and package.owns(obj.__module__):
                found.setdefault(obj.__name__, obj)
    return found


def api_enum(package: ApiPackage) -> type[Enum]:
    return package.submodule("datatypes").Api


def protocol_for_api(api: str, protocols: dict[str, type]) -> type | None:
    """The protocol a provider of ``api`` implements, by name, provider-facing first."""
    wanted = _key(api)
    by_key = {_key(name): cls for name, cls in protocols.items()}
    return by_key.get(wanted + "provider") or by_key.get(wanted)


def _own_functions(protocol: type) -> dict[str, Any]:
    """Public functions the protocol declares, including those of protocol bases."""
    functions: dict[str, Any] = {}
    for klass in reversed(protocol.__mro__):
        if klass is object or not _is_protocol_class(klass):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_"):
                continue
            func = value.__func__ if isinstance(value, classmethod | staticmethod) else value
            if inspect.isfunction(func):
                functions[name] = func
    return functions


def _attributes(api: str, protocol: type) -> tuple[AttributeSpec, ...]:
    attrs: dict[str, AttributeSpec] = {}
    for klass in reversed(protocol.__mro__):
        if klass is object or not _is_protocol_class(klass):
            continue
        try:
            import typing

            hints = typing.get_type_hints(klass)
        except Exception:
            hints = dict(vars(klass).get("__annotations__", {}))
        own = vars(klass).get("__annotations__", {})
        for name in own:
            if name.startswith("_"):
                continue
            attrs[name] = AttributeSpec(
                api=api,
                name=name,
                protocol=protocol.__name__,
                annotation=hints.get(name, own[name]),
                default=vars(klass).get(name, inspect.Parameter.empty),
            )
    return tuple(attrs.values())


def _classes_in(tp: Any) -> set[type]:
    norm = normalize(tp)
    members = norm if isinstance(norm, frozenset) else {norm}
    return {m for m in members if isinstance(m, type) and m is not type(None)}


def _resources_stored_by(attributes: tuple[AttributeSpec, ...]) -> set[type]:
    """Resource classes returned by the store protocols the API's attributes name."""
    resources: set[type] = set()
    for attr in attributes:
        for store in _classes_in(attr.annotation):
            if not _is_protocol_class(store):
                continue
            for func in _own_functions(store).values():
                resources |= _classes_in(resolved_hints(func).get("return"))
    return resources


def _registered_resources(private: type) -> dict[str, set[type]]:
    """``register_x`` name -> classes of the resource it takes."""
    out = {}
    for name, func in _own_functions(private).items():
        if name.startswith("register_"):
            hints = resolved_hints(func)
            out[name] = set().union(*(_classes_in(t) for k, t in hints.items() if k != "return"))
    return out


def _private_protocols_for(
    members: list[MemberSpec],
    attributes: tuple[AttributeSpec, ...],
    privates: list[type],
) -> list[type]:
    if any(m.name.startswith("register_") for m in members):
        return []  # a routing-table API: the server implements it, not a provider
    stored = _resources_stored_by(attributes)
    request_models: set[Any] = {model for m in members for model in m.request_models}
    linked = []
    for private in privates:
        registered = _registered_resources(private)
        if stored:
            if any(classes & stored for classes in registered.values()):
                linked.append(private)
            continue
        resource_ids = {name.removeprefix("register_") + "_id" for name in registered}
        carrying = [m for m in request_models if resource_ids & set(m.model_fields)]
        if request_models and 2 * len(carrying) > len(request_models):
            linked.append(private)
    return linked


def _with_erratum(member: MemberSpec, protocol: type) -> MemberSpec:
    """Attach the router's calling shape where a documented erratum names the member."""
    package = protocol.__module__.partition(".")[0]
    erratum = ROUTER_EXPLODES_REQUEST.get((package, protocol.__name__, member.name))
    return exploded_request_call(member, erratum) if erratum else member


def router_defaults(module: str | None) -> dict[tuple[str, str], dict[str, Any]]:
    """``(protocol, member) -> {parameter: default}`` of the server's routers in ``module``.

    A generation without request models (llama-stack 0.2) had clients call its routers, which
    default parameters the protocol requires and always pass them on: ``SafetyRouter.run_shield``
    declares ``params: dict[str, Any] = None`` where ``Safety.run_shield`` requires ``params``
    (llama_stack/distribution/routers/safety.py:50). Those are the values a provider receives when
    a client leaves them out. Empty when the server's routers cannot be imported here.
    """
    import importlib
    import pkgutil

    if not module:
        return {}
    try:
        package = importlib.import_module(module)
    except Exception:  # that server is not installed (or broken): no defaults to learn
        return {}
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for info in pkgutil.iter_modules(getattr(package, "__path__", [])):
        try:
            routers = importlib.import_module(f"{module}.{info.name}")
        except Exception:
            continue
        for router in list(vars(routers).values()):
            if not isinstance(router, type) or router.__module__ != routers.__name__:
                continue
            for protocol in [b for b in router.__mro__[1:] if _is_protocol_class(b)]:
                for name in _own_functions(protocol):
                    own = vars(router).get(name)
                    if not inspect.isfunction(own):
                        continue
                    defaults = {p.name: p.default for p in inspect.signature(own).parameters.values()
                                if p.default is not inspect.Parameter.empty}
                    if defaults:
                        found.setdefault((protocol.__name__, name), defaults)
    return found


def server_unregisters(caller: str | None) -> frozenset[str] | None:
    """The ``unregister_*`` members the server's routing tables call, read from the code of ``caller``
    (``module.function``); None: every twin of a private ``register_*`` (the newer servers), or the
    server is not importable here.

    llama-stack 0.2's routing tables unregister from vector_io, inference, datasetio and tool_runtime
    providers only and refuse the rest (routing_tables/common.py:54-65, "Unregister not supported"),
    so a shield provider without ``unregister_shield`` misses nothing there.
    """
    import importlib

    if not caller:
        return None
    module, _, name = caller.rpartition(".")
    try:
        code = getattr(importlib.import_module(module), name).__code__
    except Exception:  # that server is not installed (or changed): assume every twin is called
        return None
    return frozenset(n for n in code.co_names if n.startswith("unregister_"))


def derive_surface(api: str, protocols: dict[str, type], *, flat_requests: bool = False,
                   defaults: dict[tuple[str, str], dict[str, Any]] | None = None,
                   unregisters: frozenset[str] | None = None, positional_registers: str | None = None) -> ApiSurface:
    """The surface of one API from the package's protocols.

    ``flat_requests``: the generation declares flat parameters (``PackageRow.flat_requests``); each
    such member gets a request model made of them (``members.flat_request_call``, with the server's
    router ``defaults`` for what the protocol requires), which also links the private protocols by
    the resource ids those parameters carry (``eval(benchmark_id, ...)``). ``unregisters``: the
    implied ``unregister_*`` members the server calls (``server_unregisters``), None for all.
    ``positional_registers``: where the server passes a private ``register_*`` its resource positionally
    (``PackageRow.positional_registers``), None where the kit holds providers to the declared name.
    """
    protocol = protocol_for_api(api, protocols)
    if protocol is None:
        return ApiSurface(api=api, protocol=None, members=(), attributes=())
    members = [
        _with_erratum(member_from_function(api, protocol, name, func), protocol)
        for name, func in _own_functions(protocol).items()
    ]
    if flat_requests:
        members = [flat_request_call(member, (defaults or {}).get((member.protocol, member.name), {}))
                   for member in members]
    attributes = _attributes(api, protocol)
    privates = [cls for name, cls in protocols.items() if name.endswith(_PRIVATE_SUFFIX)]
    linked = _private_protocols_for(members, attributes, privates)
    declared = {m.name for m in members}
    for private in linked:
        functions = _own_functions(private)
        for name, func in functions.items():
            if name not in declared:
                member = member_from_function(api, private, name, func, private=True)
                if positional_registers and name.startswith("register_"):
                    member = positional_call(member, positional_registers)
                members.append(member)
                declared.add(name)
        for name in functions:
            twin = "un" + name
            if name.startswith("register_") and twin not in declared and (unregisters is None or twin in unregisters):
                members.append(implied_unregister(api, private, twin))
                declared.add(twin)
    return ApiSurface(
        api=api,
        protocol=protocol,
        members=tuple(members),
        attributes=attributes,
        private_protocols=tuple(linked),
    )
