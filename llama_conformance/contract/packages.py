"""Which API package defines the contract: ``ogx_api`` (1.x) or ``llama_stack_api`` (0.x).

This and the rest of ``contract/`` are the only code that knows the two packages differ.
The choice follows the provider: a provider built against ``llama_stack_api`` is judged by
that package's contract even when ``ogx_api`` is installed beside it.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
from dataclasses import dataclass
from types import ModuleType

from llama_conformance.errors import KitUsageError

# (import name, distribution name), newest generation first: it is the default when a
# provider does not tell which one it was built against.
KNOWN_API_PACKAGES: tuple[tuple[str, str], ...] = (
    ("ogx_api", "ogx-api"),
    ("llama_stack_api", "llama-stack-api"),
)


@dataclass(frozen=True)
class ApiPackage:
    """One installed API package: its import name, distribution and version."""

    name: str
    distribution: str
    version: str

    @property
    def module(self) -> ModuleType:
        return importlib.import_module(self.name)

    def submodule(self, dotted: str) -> ModuleType:
        return importlib.import_module(f"{self.name}.{dotted}")

    def owns(self, module_name: str | None) -> bool:
        """True if ``module_name`` belongs to this package (``ogx_api.files.api`` ...)."""
        return bool(module_name) and (
            module_name == self.name or str(module_name).startswith(self.name + ".")
        )

    def __str__(self) -> str:
        return f"{self.distribution} {self.version}"


def installed_api_packages() -> list[ApiPackage]:
    """The API packages importable here, newest generation first."""
    found = []
    for name, dist in KNOWN_API_PACKAGES:
        if importlib.util.find_spec(name) is None:
            continue
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
        found.append(ApiPackage(name=name, distribution=dist, version=version))
    return found


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
