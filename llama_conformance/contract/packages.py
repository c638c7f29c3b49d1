"""Which API package defines the contract: ``ogx_api`` (1.x) or ``llama_stack_api`` (0.x).

This and the rest of ``contract/`` are the only code that knows the two packages differ.
The choice follows the provider: a provider built against ``llama_stack_api`` is judged by
that package's contract even when ``ogx_api`` is installed beside it.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import importlib.util
import os
import traceback
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

from llama_conformance.errors import ApiPackageBroken, KitUsageError


# One row per API package generation, newest first: it is the default when a provider does not
# tell which one it was built against. Every way the two generations differ outside the
# protocols and models themselves is a column here, so the rest of the kit asks this table.
@dataclass(frozen=True)
class PackageRow:
    """What the kit knows of one API package generation besides its contract."""

    name: str  # import name (``ogx_api``)
    distribution: str  # its distribution (``ogx-api``)
    server: str  # import name of the server built on it: ``<server>.core.storage``, ``<server>.core.distribution``
    server_distribution: str  # the server as users name it (``ogx``, ``llama-stack``)
    provider_dist_prefix: str  # external provider distributions advertise themselves by this prefix
    # The Files API's enum of purposes an upload may name (ogx 1.x split it from the older ``OpenAIFilePurpose``).
    file_upload_purpose: str
    # The MIME types every file processor must process. ogx 1.5's vector stores hand each attached
    # file to the file processor and have no other path; llama-stack 0.7's fall back to their own
    # chunking when it fails (openai_vector_store_mixin.py, "falling back to legacy chunking"), so a
    # PDF-only processor there need only refuse text cleanly.
    file_processor_core_types: tuple[str, ...] = ()
    # Where the upload router reads ``expires_after`` from: None if what OpenAI clients send
    # (``expires_after[anchor]`` / ``[seconds]`` form fields, or its JSON) reaches the provider; else why
    # not. llama-stack-api 0.7.3 declares ``expires_after: Form(ExpiresAfter | None)``, which FastAPI
    # reads from flattened ``anchor`` / ``seconds`` fields only (files/fastapi_routes.py:121).
    upload_drops_expires_after: str | None = None
    # Why the messages ``count_tokens`` route answers 500 to whatever the provider raises, if it does: then
    # over HTTP a typed error (unknown model: 404, bad request: 400) cannot be told from a crash.
    count_tokens_errors_as_500: str | None = None
    # Where the contract lives when not in the package ``name`` alone: module prefixes (llama-stack 0.2
    # kept its private protocols and ProviderSpec in ``llama_stack.providers.datatypes``, outside
    # ``llama_stack.apis``), and the module presenting it as one flat namespace (``contract.presplit``).
    contract_modules: tuple[str, ...] = ()
    namespace: str | None = None
    # The versions of ``distribution`` that are this generation (the server carried the API before 0.4).
    versions: str | None = None
    registry: str | None = None  # the server's registry module when not ``<server>.core.distribution``
    # Its protocols take flat parameters where later ones take request models (``members.flat_request_call``),
    # defaulted as the server's routers in ``routers`` default them (``surface.router_defaults``).
    flat_requests: bool = False
    routers: str | None = None
    # The server function whose code names every ``unregister_*`` its routing tables call on providers,
    # when not every twin of a private ``register_*`` (``surface.server_unregisters``).
    unregister_caller: str | None = None
    # Where the server calls every private ``register_*`` with the resource as its one positional argument
    # (so the parameter's name is the provider's to choose), when the kit should say so (``members.positional_call``).
    positional_registers: str | None = None
    # The versions of ``distribution`` whose protocols take flat parameters for some members where later
    # ones take request models (llama-stack-api 0.4 everywhere; 0.5 in vector_io, file_processors, tool_groups;
    # 0.6 in tool_groups.list_tools).
    flat_versions: str | None = None
    # Columns whose value holds for some versions of the package only: (versions, column, value), put
    # over the row's own by ``ApiPackage.row`` when the installed version is one of ``versions``.
    by_version: tuple[tuple[str, str, str], ...] = ()
    # What the server's routers give a parameter the protocol requires when a client leaves it out, for
    # versions whose server the kit does not have beside the API package (``surface.router_defaults``
    # reads an installed one): (versions, protocol, member, parameter), each None as the router declares.
    router_nones: tuple[tuple[str, str, str, str], ...] = ()

    @property
    def server_registry(self) -> str:
        """The module whose ``get_provider_registry()`` lists the server's built-in providers."""
        return self.registry or f"{self.server}.core.distribution"

    @property
    def namespace_module(self) -> str:
        """The module the kit reads the package's names from (``api.Files``, ``api.Api``)."""
        return self.namespace or self.name


PACKAGE_TABLE: tuple[PackageRow, ...] = (
    PackageRow("ogx_api", "ogx-api", server="ogx", server_distribution="ogx", provider_dist_prefix="ogx-provider-",
               file_upload_purpose="OpenAIFileUploadPurpose", file_processor_core_types=("text/plain",),
               positional_registers="the server passes the resource positionally (ogx 1.5 "
               "core/routing_tables/common.py:55-57, register_object_with_provider), so any parameter name works",
               # 1.4 reads the bracketed fields (files/fastapi_routes.py:46-72 there); 1.1-1.3 unchecked, so
               # judged as 1.0 (not applicable over HTTP: a check not run, never a false failure).
               by_version=(("<1.4", "upload_drops_expires_after",
                            "its upload router (ogx-api 1.0: files/fastapi_routes.py:121, a Form of ExpiresAfter) "
                            "reads expires_after only from flattened anchor / seconds fields, so what OpenAI clients "
                            "send (expires_after[anchor], expires_after[seconds]) reaches no provider: over HTTP the "
                            "provider cannot be judged on it (in-process it is)"),
                           # 1.5 maps ModelNotFoundError -> 404, ValueError -> 400 there (fastapi_routes.py:161-175).
                           ("<1.5", "count_tokens_errors_as_500",
                            "its count_tokens route (messages/fastapi_routes.py: 1.0.4 lines 187-193, 1.4.1 lines "
                            "151-157) answers 500 to every exception but NotImplementedError, so over HTTP a "
                            "provider's typed error "
                            "(unknown model, bad request) cannot be told from a crash (in-process it can)"),)),
    PackageRow("llama_stack_api", "llama-stack-api", server="llama_stack", server_distribution="llama-stack",
               provider_dist_prefix="llama-stack-provider-", file_upload_purpose="OpenAIFilePurpose",
               positional_registers="the server passes the resource positionally (llama-stack 0.7.3 "
               "core/routing_tables/common.py:56-66, register_object_with_provider), so any parameter name works",
               upload_drops_expires_after="its upload router (files/fastapi_routes.py:121, a Form of ExpiresAfter) "
               "reads expires_after only from flattened anchor / seconds fields, so what OpenAI clients send "
               "(expires_after[anchor], expires_after[seconds]) reaches no provider: over HTTP the provider "
               "cannot be judged on it (in-process it is)", flat_versions="<0.7",
               # llama-stack 0.4's SafetyRouter.run_shield declares ``params: dict[str, Any] = None`` where the
               # protocol requires it (src/llama_stack/core/routers/safety.py:52-56 in llamastack/llama-stack
               # 014132b), and passes it on: a provider gets None when a client sends none.
               router_nones=(("<0.5", "Safety", "run_shield", "params"),)),
    # llama-stack 0.3 and older: the API inside the server package (``contract.presplit``).
    PackageRow("llama_stack.apis", "llama-stack", server="llama_stack", server_distribution="llama-stack",
               provider_dist_prefix="llama-stack-provider-", file_upload_purpose="OpenAIFilePurpose",
               contract_modules=("llama_stack.apis", "llama_stack.providers.datatypes"),
               namespace="llama_conformance.contract.presplit", versions="<0.4",
               registry="llama_stack.distribution.distribution", flat_requests=True,
               routers="llama_stack.distribution.routers",
               unregister_caller="llama_stack.distribution.routing_tables.common.unregister_object_from_provider",
               positional_registers="the server passes the resource positionally "
               "(llama_stack/distribution/routing_tables/common.py:37-49 in 0.2.14, register_object_with_provider), "
               "so any parameter name works"),
)
# (import name, distribution name), newest generation first.
KNOWN_API_PACKAGES: tuple[tuple[str, str], ...] = tuple((row.name, row.distribution) for row in PACKAGE_TABLE)
# Every name a row answers to (import and distribution name, as ``select_api_package`` writes them).
_ROW_NAMES = {n for row in PACKAGE_TABLE for n in (row.name, row.distribution.replace("-", "_"))}
# The package an unknown name falls back to: older llama-stack lines share the 0.x server's ways.
_FALLBACK = next(row for row in PACKAGE_TABLE if row.name == "llama_stack_api")


def package_row(name: str | None) -> PackageRow:
    """The table's row of the API package ``name`` (import or distribution name); the 0.x row for any other."""
    wanted = (name or "").replace("-", "_")
    for row in PACKAGE_TABLE:
        if wanted in (row.name, row.distribution.replace("-", "_")):
            return row
    return _FALLBACK


def type_prefixes() -> tuple[str, ...]:
    """Module prefixes that a declared type's ``repr`` carries (``ogx_api.``): a readable name drops them."""
    return tuple(f"{prefix}." for row in PACKAGE_TABLE for prefix in dict.fromkeys((row.name, *row.contract_modules)))


@dataclass(frozen=True)
class ApiPackage:
    """One installed API package: its import name, distribution and version."""

    name: str
    distribution: str
    version: str

    @property
    def module(self) -> ModuleType:
        """The package's module; ``ApiPackageBroken`` (a usage error) when it does not import: the user's
        environment, against which nothing can be judged, and no provider is to blame."""
        try:
            return importlib.import_module(self.module_name)
        except Exception as exc:
            raise ApiPackageBroken(self._broken(exc)) from exc

    @property
    def module_name(self) -> str:
        """The name of ``module``, known without importing it (an import of ``ogx_api`` costs about a second)."""
        return self.row.namespace_module

    def submodule(self, dotted: str) -> ModuleType:
        """A module of the package; ``ImportError`` when this version has none (callers ask for optional ones),
        ``ApiPackageBroken`` when the package itself does not import."""
        self.module  # noqa: B018 - a broken package is the user's to fix, not a missing submodule
        return importlib.import_module(f"{self.name}.{dotted}")

    def _broken(self, exc: Exception) -> str:
        frames = traceback.extract_tb(exc.__traceback__)
        where = f" (raised at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
        return (f"The API package {self.module_name} ({self.distribution} {self.version}), which the kit judges "
                f"against, cannot be imported: {type(exc).__name__}: {exc}{where}. Nothing can be checked until it "
                f"imports. Reinstall it (pip install --force-reinstall '{self.distribution}=={self.version}'), or "
                "remove what shadows it on sys.path (PYTHONPATH, the working directory).")

    def owns(self, module_name: str | None) -> bool:
        """True if ``module_name`` belongs to this package (``ogx_api.files.api`` ...)."""
        return bool(module_name) and any(
            module_name == prefix or str(module_name).startswith(prefix + ".")
            for prefix in (self.name, *self.row.contract_modules)
        )

    @property
    def row(self) -> PackageRow:
        """This package's columns of ``PACKAGE_TABLE`` (server, registry, enum names ...)."""
        return _versioned_row(self.name, self.version)

    @property
    def flat_requests(self) -> bool:
        """Its protocols declare flat parameters where the suites speak in request models
        (``members.flat_request_call``; the references are reshaped to them, ``fixtures._api``)."""
        versions = self.row.flat_versions
        return self.row.flat_requests or bool(versions and _in_versions(self.version, versions))

    def known_router_defaults(self) -> dict[tuple[str, str], dict[str, Any]]:
        """``(protocol, member) -> {parameter: None}``: the row's ``router_nones`` of this version
        (the shape of ``surface.router_defaults``)."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for versions, protocol, member, parameter in self.row.router_nones:
            if _in_versions(self.version, versions):
                found.setdefault((protocol, member), {})[parameter] = None
        return found

    def file_upload_purposes(self) -> list[str]:
        """The purposes a Files upload may name in this package (``files.upload``'s ``purpose``)."""
        return [item.value for item in getattr(self.module, self.row.file_upload_purpose)]

    def __str__(self) -> str:
        return f"{self.distribution} {self.version}"


def installed_api_packages() -> list[ApiPackage]:
    """The API packages importable here, newest generation first."""
    found = []
    for row in PACKAGE_TABLE:
        try:
            if importlib.util.find_spec(row.name) is None:
                continue
        except ImportError:  # a dotted name whose parent is not installed
            continue
        try:
            version = importlib.metadata.version(row.distribution)
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
        if row.versions and not _in_versions(version, row.versions):
            continue
        found.append(ApiPackage(name=row.name, distribution=row.distribution, version=version))
    return found


@functools.cache
def _versioned_row(name: str, version: str) -> PackageRow:
    """The row of ``name`` with the columns ``by_version`` gives ``version`` (cached: ``owns`` asks often)."""
    row = package_row(name)
    for versions, column, value in row.by_version:
        if _in_versions(version, versions):
            row = replace(row, **{column: value})  # type: ignore[arg-type]  # by_version columns hold str values
    return row


def _in_versions(version: str, specifier: str) -> bool:
    """``version`` is one of the row's (an unreadable version is not: the row then claims nothing)."""
    from packaging.specifiers import SpecifierSet
    from packaging.version import InvalidVersion

    try:
        return SpecifierSet(specifier).contains(version, prereleases=True)
    except InvalidVersion:
        return False


def resolve_api_package(requested: str | None) -> ApiPackage:
    """The package named by ``--llama-api-package`` (import or distribution name), else the default."""
    packages = installed_api_packages()
    if not packages:
        raise KitUsageError(
            "No Llama Stack API package is installed, so there is no contract to check "
            "against. Install one: `pip install 'llama-conformance[ogx]'` (ogx-api 1.x) or "
            "`pip install 'llama-conformance[llama-stack]'` (llama-stack-api 0.7.x)."
        )
    if requested is None:
        return packages[0]
    wanted = requested.replace("-", "_")
    for package in packages:
        if wanted in (package.name, package.distribution.replace("-", "_")):
            return package
    names = ", ".join(f"{p.name} ({p})" for p in packages)
    raise KitUsageError(
        f"--llama-api-package={requested!r} is not installed. Installed API packages: "
        f"{names}. Use one of those names."
    )


def package_of_module(module_name: str | None) -> ApiPackage | None:
    """The installed API package a module belongs to, if any."""
    for package in installed_api_packages():
        if package.owns(module_name):
            return package
    return None


def packages_referenced_by(module_prefix: str) -> set[str]:
    """API packages that the already-imported modules under ``module_prefix`` use.

    A provider module that does ``from ogx_api import Files`` holds classes whose
    ``__module__`` is inside ``ogx_api``; a module that imports the package itself holds
    the module object. Both count as evidence of the package it was built against.
    """
    import sys

    found: set[str] = set()
    installed = installed_api_packages()
    for name, module in list(sys.modules.items()):
        if module is None or not (name == module_prefix or name.startswith(module_prefix + ".")):
            continue
        for value in list(vars(module).values()):
            owner = getattr(value, "__module__", None) if not isinstance(value, ModuleType) else value.__name__
            for package in installed:
                if isinstance(owner, str) and package.owns(owner):
                    found.add(package.name)
    return found


def declared_api_package(provider_module: str) -> set[str]:
    """The installed API package the provider's source or requirements name, when its loaded
    modules name none (a spec from a YAML file, the API imported inside the factory)."""
    from llama_conformance.contract.generation import built_on, provider_modules  # it imports this module

    package = built_on(provider_modules(provider_module)).package
    return {p.name for p in installed_api_packages() if p.distribution == package}


def package_for_provider(
    requested: str | None, spec_module: str | None, provider_module: str
) -> ApiPackage:
    """The API package a provider is judged against.

    ``--llama-api-package`` wins. Otherwise the evidence is the package of the spec's class
    and the packages the provider's modules use, else the package its source or requirements
    name (``contract.generation``); exactly one must remain. When both are
    installed and the evidence names both (or a provider names neither and both could
    apply), the kit refuses to guess.
    """
    if requested:
        return resolve_api_package(requested)
    installed = installed_api_packages()
    if len(installed) <= 1:
        return resolve_api_package(None)
    evidence = packages_referenced_by(provider_module)
    spec_package = package_of_module(spec_module)
    if spec_package is not None:
        evidence.add(spec_package.name)
    if not evidence:
        evidence = declared_api_package(provider_module)
    if len(evidence) <= 1:
        return resolve_api_package(evidence.pop() if evidence else None)
    raise KitUsageError(
        f"Both {installed[0]} and {installed[1]} are installed and provider module "
        f"{provider_module} uses both, so the kit cannot tell which contract it was "
        f"built against. Choose with --llama-api-package={installed[0].name} or "
        f"--llama-api-package={installed[1].name}."
    )


# The API package a run judges against, for code that cannot be handed it: the bundled fixtures
# (``llama_conformance_fixtures._api``) build their classes from it at import, in the kit's process
# and in a server the kit starts. This module is the one owner of the variable.
API_PACKAGE_ENV = "LLAMA_CONFORMANCE_API_PACKAGE"
_FIXTURES = "llama_conformance_fixtures"


def selected_api_package() -> str | None:
    """The package the run chose (``select_api_package``), None: none chosen (the newest installed)."""
    return os.environ.get(API_PACKAGE_ENV) or None


def select_api_package(name: str) -> None:
    """Make ``name`` the package the fixtures build against, from now on.

    Discovery may already have imported the fixtures against another package (to list the
    reference specs); they are then dropped from ``sys.modules``, so their next import rebuilds them.
    """
    import sys

    name = name.replace("-", "_")
    os.environ[API_PACKAGE_ENV] = name
    shim = sys.modules.get(f"{_FIXTURES}._api")
    built_from = package_row(name).namespace_module if name in _ROW_NAMES else name
    if shim is not None and getattr(getattr(shim, "api", None), "__name__", built_from) != built_from:
        for module in [n for n in sys.modules if n.startswith(f"{_FIXTURES}.")]:
            del sys.modules[module]
