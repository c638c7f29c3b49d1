"""The contract: the API surface of every ``Api``, read from the installed API package.

Everything else in the kit asks this package; nothing else knows that ``ogx_api`` and
``llama_stack_api`` differ.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from llama_conformance.contract.members import AttributeSpec, MemberSpec, ParamSpec
from llama_conformance.contract.packages import (
    PACKAGE_TABLE,
    ApiPackage,
    PackageRow,
    installed_api_packages,
    package_for_provider,
    package_of_module,
    package_row,
    resolve_api_package,
    select_api_package,
    selected_api_package,
)
from llama_conformance.contract.routes import RouteMap, RouteMembers, RouteSpec, route_map
from llama_conformance.contract.surface import (
    ApiSurface,
    api_enum,
    derive_surface,
    package_protocols,
    router_defaults,
    server_unregisters,
)
from llama_conformance.errors import KitUsageError


@dataclass(frozen=True, eq=False)
class Contract:
    """The published contract of one API package.

    The surfaces are derived on first use: deriving them imports every API module of the package
    (about a second of CPU for ``ogx_api``), which a run that needs only the routes (a fuzz-only
    run against a server: which APIs it serves, read from the cached route map) never pays.
    """

    package: ApiPackage

    @functools.cached_property
    def surfaces(self) -> dict[str, ApiSurface]:
        return derive_surfaces(self.package)

    @property
    def apis(self) -> list[str]:
        return list(self.surfaces)

    def surface(self, api: str) -> ApiSurface:
        try:
            return self.surfaces[api]
        except KeyError:
            raise KitUsageError(
                f"{self.package} has no API named {api!r}. Its APIs: {', '.join(self.apis)}."
            ) from None

    def api_enum(self) -> type:
        return api_enum(self.package)

    def routes(self) -> RouteMap:
        """The HTTP route of every routed member: from the kit's cache when this package version was
        mapped before, else built from the routers (and the surfaces) and cached."""
        return self._routes

    @functools.cached_property
    def _routes(self) -> RouteMap:
        return route_map(self.package, self._route_members)

    def _route_members(self) -> RouteMembers:
        return tuple(
            (api, tuple(m.name for m in surface.members), tuple(m.name for m in surface.members if m.streaming))
            for api, surface in self.surfaces.items()
        )


def derive_surfaces(package: ApiPackage) -> dict[str, ApiSurface]:
    """The surface of every API of ``package``, derived from its protocols (imports the package)."""
    protocols = package_protocols(package)
    flat = package.flat_requests
    defaults = {**package.known_router_defaults(), **router_defaults(package.row.routers)} if flat else {}
    unregisters = server_unregisters(package.row.unregister_caller)
    return {
        api.value: derive_surface(api.value, protocols, flat_requests=flat, defaults=defaults,
                                  unregisters=unregisters, positional_registers=package.row.positional_registers)
        for api in api_enum(package)
    }


@functools.cache
def load_contract(package_name: str | None = None) -> Contract:
    """The contract of the named API package (default: the newest installed), one per package."""
    return Contract(package=resolve_api_package(package_name))


__all__ = [
    "PACKAGE_TABLE",
    "ApiPackage",
    "ApiSurface",
    "AttributeSpec",
    "Contract",
    "MemberSpec",
    "PackageRow",
    "ParamSpec",
    "RouteMap",
    "RouteMembers",
    "RouteSpec",
    "derive_surfaces",
    "installed_api_packages",
    "load_contract",
    "package_for_provider",
    "package_of_module",
    "package_row",
    "resolve_api_package",
    "select_api_package",
    "selected_api_package",
]
