"""Which HTTP route calls each protocol member, and where each request field travels.

The routes are read from the package's own ``<api>.fastapi_routes.create_router(impl)``,
built over a placeholder impl: the route objects are what a server mounts, so the kit and
the server cannot disagree about paths, verbs or parameter locations. A route's endpoint
is a closure that calls ``impl.<member>``; the member it calls is read from the names its
code touches, which is how the kit maps members to routes without a hand-written table.

Parameter locations come from FastAPI's flattened dependant: path, query, JSON body
(the request model itself, or the fields a path parameter leaves over), or multipart form
with files (uploads).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from types import CodeType
from typing import Any

from llama_conformance.contract.disk_cache import cached_json
from llama_conformance.contract.packages import ApiPackage


@dataclass(frozen=True)
class RouteSpec:
    """One route that calls one member: verb, path template and where values go."""

    api: str
    member: str
    method: str
    path: str
    name: str
    path_params: tuple[str, ...] = ()
    query_params: tuple[str, ...] = ()
    form_params: tuple[str, ...] = ()  # multipart text fields, by wire name
    file_params: tuple[str, ...] = ()  # multipart files, by wire name
    json_body: bool = False  # the remaining request fields are the JSON body
    embedded_body: tuple[str, ...] = ()  # several body params: {"name": value, ...}
    streams: bool = False

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class RouteMap:
    """Every routed member of one API package."""

    package: ApiPackage
    by_member: dict[tuple[str, str], RouteSpec] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # api -> why it has no routes

    def route(self, api: str, member: str) -> RouteSpec | None:
        return self.by_member.get((api, member))

    def apis(self) -> list[str]:
        return sorted({api for api, _ in self.by_member})

    def of_api(self, api: str) -> list[RouteSpec]:
        return [spec for (a, _), spec in self.by_member.items() if a == api]


class RouterPlaceholder:
    """An impl whose every attribute exists: ``create_router`` only stores it.

    Public because the HTTP mode mounts routers over it to learn which operations a provider
    can serve before anything is built.
    """

    def __getattr__(self, name: str) -> Any:
        return None


def _names_touched(code: CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if inspect.iscode(const):
            names |= _names_touched(const)
    return names


def _routes_module(package: ApiPackage, api: str) -> Any:
    # ``inspect`` lives in ``inspect_api`` in ogx_api; try the API name first.
    for name in (api, f"{api}_api"):
        try:
            return importlib.import_module(f"{package.module.__name__}.{name}.fastapi_routes")
        except ImportError:
            continue
    return None


def has_routers(package: ApiPackage, api: str) -> bool:
    """Whether the package ships ``api``'s FastAPI routers (``<api>.fastapi_routes``), which the kit mounts to
    serve a provider over HTTP in-process: llama-stack 0.2 has none (its server built routes itself)."""
    return _routes_module(package, api) is not None


def _is_file(field_info: Any) -> bool:
    from fastapi.params import File

    return isinstance(field_info, File)


def _is_form(field_info: Any) -> bool:
    from fastapi.params import Form

    return isinstance(field_info, Form)


def _wire_names(fields: list[Any]) -> tuple[str, ...]:
    """Parameter names on the wire; a query/path parameter typed as a model spreads its fields."""
    from pydantic import BaseModel

    names: list[str] = []
    for param in fields:
        annotation = getattr(param.field_info, "annotation", None)
        if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
            names += [f.alias or name for name, f in annotation.model_fields.items()]
        elif param.alias not in names:
            names.append(param.alias)
    return tuple(names)


@dataclass
class _Flat:
    path: list[Any] = field(default_factory=list)
    query: list[Any] = field(default_factory=list)
    body: list[Any] = field(default_factory=list)


def _flatten(dependant: Any) -> _Flat:
    """Every parameter of an endpoint and its sub-dependencies (FastAPI's own helper moved
    between releases; these four attributes have not)."""
    flat, pending, seen = _Flat(), [dependant], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        flat.path += current.path_params
        flat.query += current.query_params
        flat.body += current.body_params
        pending.extend(reversed(current.dependencies))
    return flat


def _route_spec(api: str, member: str, route: Any, streams: bool) -> RouteSpec:
    flat = _flatten(route.dependant)
    files = tuple(p.alias for p in flat.body if _is_file(p.field_info))
    forms = tuple(p.alias for p in flat.body if _is_form(p.field_info) and not _is_file(p.field_info))
    plain_body = [p for p in flat.body if not _is_form(p.field_info) and not _is_file(p.field_info)]
    return RouteSpec(
        api=api,
        member=member,
        method=sorted(route.methods)[0],
        path=route.path,
        name=route.name,
        path_params=_wire_names(flat.path),
        query_params=_wire_names(flat.query),
        form_params=forms,
        file_params=files,
        json_body=len(plain_body) == 1,
        embedded_body=tuple(p.alias for p in plain_body) if len(plain_body) > 1 else (),
        streams=streams,
    )


# --------------------------------------------------------------------------- on-disk cache
# Building the maps mounts every API's routers (create_router per API, FastAPI's dependants):
# a fifth of an HTTP run's start-up, and the same answer every run until the API package or the
# kit changes: kept by ``disk_cache``.


RouteMembers = tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]
"""(api, member names, streaming member names) of every API: what a route map is built for."""


def route_map(package: ApiPackage, members: Callable[[], RouteMembers]) -> RouteMap:
    """Routes of every API of ``package``; ``members()`` (which derives the package's surfaces, importing it) is
    called only to build the map, so a run that finds it cached never imports the API modules for it."""
    stored = cached_json(package, "routes", None, lambda: _route_map_json(package, members()))
    return RouteMap(
        package=package,
        by_member={(spec["api"], spec["member"]): _spec_from_json(spec) for spec in stored["routes"]},
        problems=dict(stored["problems"]),
    )


def _spec_from_json(stored: dict[str, Any]) -> RouteSpec:
    fields: dict[str, Any] = {name: tuple(v) if isinstance(v, list) else v for name, v in stored.items()}
    return RouteSpec(**fields)


def _route_map_json(package: ApiPackage, surfaces: RouteMembers) -> dict[str, Any]:
    built = _build_route_map(package, surfaces)
    return {"routes": [asdict(spec) for spec in built.by_member.values()], "problems": built.problems}


def _build_route_map(package: ApiPackage, surfaces: RouteMembers) -> RouteMap:
    result = RouteMap(package=package)
    for api, members, streaming in surfaces:
        module = _routes_module(package, api)
        if module is None or not hasattr(module, "create_router"):
            result.problems[api] = f"{package} has no {api}.fastapi_routes.create_router"
            continue
        try:
            router = module.create_router(RouterPlaceholder())
        except Exception as exc:  # a package whose router cannot be built has no HTTP surface here
            result.problems[api] = f"{api}.fastapi_routes.create_router failed: {exc}"
            continue
        known = set(members)
        for _, route in iter_api_routes(router):
            called = _names_touched(route.endpoint.__code__) & known
            # A route that dispatches to several members (models: openai / anthropic /
            # google listings) is matched by its own name (or its ``openai_`` member) when that is one.
            named = [n for n in (route.name, f"openai_{route.name}") if n in called]
            member = named[0] if named else (next(iter(called)) if len(called) == 1 else None)
            if member is None or (api, member) in result.by_member:
                continue
            result.by_member[(api, member)] = _route_spec(api, member, route, member in streaming)
    return result


_CONVERTER = re.compile(r"\{(\w+):\w+\}")


def published_form(path: str) -> str:
    """A route path as OpenAPI documents publish it (``{model_id:path}`` -> ``{model_id}``)."""
    return _CONVERTER.sub(r"{\1}", path)


def iter_api_routes(router: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(full path, APIRoute)`` of a router, into the routers it includes.

    Older FastAPI copies an included router's routes into the parent; newer keeps an
    ``_IncludedRouter`` holding the original router and the include prefix.
    """
    from fastapi.routing import APIRoute

    for route in router.routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            context = getattr(route, "include_context", None)
            yield from iter_api_routes(route.original_router, prefix + (getattr(context, "prefix", "") or ""))


@functools.cache
def package_routes(package: ApiPackage) -> frozenset[tuple[str, str]]:
    """Every (verb, path) the package's routers define, member-mapped or not.

    What tells two packages' servers apart: a deployment publishes its package's routes,
    including the admin and inspection routes no provider member backs.
    """
    pairs = cached_json(package, "package-routes", None, lambda: sorted(_package_routes(package)))
    return frozenset((method, path) for method, path in pairs)


def _package_routes(package: ApiPackage) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for info in pkgutil.iter_modules(package.module.__path__):
        try:
            module = importlib.import_module(f"{package.module.__name__}.{info.name}.fastapi_routes")
            router = module.create_router(RouterPlaceholder())
        except Exception:  # not an API with routes (or one that cannot be built here)
            continue
        for path, route in iter_api_routes(router):
            found |= {(method, published_form(path)) for method in route.methods}
    return found
