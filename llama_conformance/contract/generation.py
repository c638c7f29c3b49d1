"""Which API generation a provider is built on, beside the contract it is judged against.

A provider written for llama-stack 0.2 (``llama_stack.apis``) or for llama-stack-api 0.5 and
judged against the installed ogx-api 1.5 fails on every signature the generations changed;
its own defects drown in those failures unless the run says, at the top, that the two
differ. This module gathers what is known without running the provider's code:

* the API modules its source imports, read with ``ast`` from the provider's own package
  (the modules reachable from its provider, spec and config modules), so a provider whose
  generation is not installed is recognised without importing it;
* the module of its ``ProviderSpec`` class (already imported by discovery);
* the ``Requires-Dist`` of its distribution on ``llama-stack``, ``llama-stack-api``,
  ``ogx-api`` or ``ogx`` (the servers pin no version of their API package, but are released
  in step with it, so a server requirement dates the API generation too).

``judge`` compares that with the installed contract package: a different generation, or an
installed version outside the provider's requirement, is a mismatch.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib.metadata
import importlib.util
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from llama_conformance.contract.packages import ApiPackage, installed_api_packages

LLAMA_STACK = "llama-stack"  # llama-stack <= 0.3: the API lives inside the server package
LLAMA_STACK_API = "llama-stack-api"  # llama-stack-api 0.4 - 0.7
OGX_API = "ogx-api"  # ogx-api 1.x
_SPLIT = Version("0.4")  # the first llama-stack release with a separate llama-stack-api

# Generation -> the modules that mark it. Only API modules: a provider built on 0.7 still
# imports server helpers (``llama_stack.providers.utils``), which say nothing of its contract.
MARKERS: dict[str, tuple[str, ...]] = {
    OGX_API: ("ogx_api",),
    LLAMA_STACK_API: ("llama_stack_api",),
    LLAMA_STACK: ("llama_stack.apis", "llama_stack.providers.datatypes", "llama_stack.schema_utils"),
}
TITLES: dict[str, str] = {
    OGX_API: "ogx-api 1.x",
    LLAMA_STACK_API: "llama-stack-api 0.4+",
    LLAMA_STACK: "llama-stack 0.3 or older",
}
_FILE_BUDGET = 300  # modules read per provider: a server's built-ins would otherwise pull in the server
_SITES_SHOWN = 2  # import sites kept as evidence per marker module


@dataclasses.dataclass(frozen=True)
class Evidence:
    """One fact about the generation: ``kind`` is import, spec-class, requires-dist or installed."""

    generation: str
    kind: str
    detail: str
    short: str  # how the run header names it
    specifier: str | None = None

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "package": self.generation, "detail": self.detail}


@dataclasses.dataclass(frozen=True)
class BuiltOn:
    """The generation a provider is built on (``package`` None: nothing tells)."""

    package: str | None
    evidence: tuple[Evidence, ...] = ()
    installed: str | None = None  # llama-stack <= 0.3 installed here: the version the provider imports

    @property
    def version_spec(self) -> str | None:
        """The provider's requirement on its generation (``==0.2.14``, ``<0.6,>=0.5``), if it declares one."""
        return next((e.specifier for e in self.evidence
                     if e.kind == "requires-dist" and e.generation == self.package and e.specifier), None)

    @property
    def code_families(self) -> set[str]:
        """Every generation the code names (several: a provider with import fallbacks)."""
        return {e.generation for e in self.evidence if e.kind in ("import", "spec-class")}

    @property
    def shown(self) -> str:
        """``llama-stack 0.2.14``, ``llama-stack-api <0.6,>=0.5``, ``ogx-api 1.x``."""
        spec = self.version_spec
        if self.package is None:
            return "unknown"
        if spec and spec.startswith("==") and "," not in spec:
            return f"{self.package} {spec[2:]}"
        if spec:
            return f"{self.package} {spec}"
        return f"{self.package} {self.installed}" if self.installed else TITLES[self.package]

    @property
    def how(self) -> str:
        """The evidence in a few words, for one line of the header: the generation's best-known
        module among those imported (every site stays in ``evidence``), then the other kinds."""
        mine = [e for e in self.evidence if e.generation == self.package]
        imported = {e.short for e in mine if e.kind == "import"}
        marker = next((m for m in MARKERS.get(self.package or "", ()) if m in imported), None)
        shorts = [marker] if marker else []
        return "; ".join(dict.fromkeys([*shorts, *(e.short for e in mine if e.kind != "import")]))

    @property
    def summary(self) -> str:
        """``llama-stack 0.2.14 (llama_stack.apis; Requires-Dist llama-stack==0.2.14)``."""
        return f"{self.shown} ({self.how})" if self.how else self.shown

    def as_json(self) -> dict[str, Any] | None:
        if self.package is None and not self.evidence:
            return None
        return {"package": self.package, "version_spec": self.version_spec, "summary": self.summary,
                "evidence": [e.as_json() for e in self.evidence]}


@dataclasses.dataclass(frozen=True)
class GenerationFacts:
    """Built on versus judged against: what the header, the summary and the report show."""

    built_on: BuiltOn
    contract: ApiPackage
    mismatch: bool | None
    note: str | None = None  # the one warning sentence, when they differ

    @property
    def header_line(self) -> str:
        return f"built on: {self.built_on.summary} — judged against {self.contract}"


@dataclasses.dataclass
class _Scan:
    """Import sites per generation, found while walking the provider's own modules."""

    sites: dict[str, list[Evidence]] = dataclasses.field(default_factory=dict)  # by marker module
    seen: set[str] = dataclasses.field(default_factory=set)


def provider_modules(module: str, source: str = "", config_class: str = "") -> tuple[str, ...]:
    """Where a provider's code starts: its module, the module holding its spec, its config's."""
    starts = [module]
    if source.endswith(".get_provider_spec()"):
        starts.append(source.removesuffix(".get_provider_spec()"))
    if "." in config_class:
        starts.append(config_class.rpartition(".")[0])
    return tuple(dict.fromkeys(starts))


def facts_for(entry: Any, contract: ApiPackage) -> GenerationFacts:
    """The generation facts of a discovered ``ProviderEntry`` judged against ``contract``."""
    modules = provider_modules(entry.module, entry.source or "", entry.config_class or "")
    return judge(built_on(modules, entry.spec_module), contract)


@functools.cache
def built_on(modules: tuple[str, ...], spec_module: str | None = None) -> BuiltOn:
    """What the source, the spec class and the distribution say; never imports provider code."""
    scan = _Scan()
    _walk(modules, scan)
    code = [e for found in scan.sites.values() for e in found]
    if spec_module:
        family = _family_of_module(spec_module)
        if family:
            code.append(Evidence(family, "spec-class", f"ProviderSpec class from {spec_module}",
                                 f"ProviderSpec from {spec_module.split('.')[0]}"))
    requirements = list(_requirements(modules[0].split(".")[0], {e.generation for e in code}))
    package = _pick({e.generation for e in code}) or _pick({e.generation for e in requirements})
    evidence = [*code, *requirements]
    installed = _installed_llama_stack() if package == LLAMA_STACK else None
    if installed:
        evidence.append(Evidence(LLAMA_STACK, "installed", f"{LLAMA_STACK} {installed} is installed here",
                                 f"{LLAMA_STACK} {installed} installed"))
    return BuiltOn(package=package, evidence=tuple(evidence), installed=installed)


def judge(built: BuiltOn, contract: ApiPackage) -> GenerationFacts:
    """Differ when the generation is another package, or the installed version is outside the requirement.

    A provider whose code names several generations (import fallbacks) is built on the
    contract's, when that is one of them.
    """
    if contract.distribution in built.code_families:
        built = dataclasses.replace(built, package=contract.distribution)
    if built.package is None:
        return GenerationFacts(built, contract, None)
    spec = built.version_spec
    if built.package != contract.distribution:
        gap = f", another API generation than the {contract} it is judged against"
    elif spec and not _admits(spec, contract.version):
        gap = f" but is judged against {contract}, outside its requirement"
    else:
        return GenerationFacts(built, contract, False)
    if built.package in (OGX_API, LLAMA_STACK_API):
        fix = (f"install the provider beside {built.package}{spec or ''} (the API package it was built on) "
               "to judge it against its own contract")
    elif built.installed:  # llama-stack <= 0.3 is installed here: its contract can be chosen
        fix = f"choose its own contract with --llama-api-package={LLAMA_STACK}"
    else:
        fix = (f"install the provider beside {LLAMA_STACK}{spec or '<0.4'} (the server package whose "
               "llama_stack.apis it was built on) to judge it against its own contract")
    note = (f"MISMATCH: this provider is built on {built.summary}{gap}. Failures of signatures may come "
            f"from the generation gap, not the provider; {fix}.")
    return GenerationFacts(built, contract, True, note)


def mismatch_hint(entry: Any, contract: ApiPackage) -> str:
    """A sentence for a usage error that the generation gap explains (an API the contract lacks), or ''."""
    facts = facts_for(entry, contract)
    return f" This provider is built on {facts.built_on.summary}, another API generation." if facts.mismatch else ""


def import_failure_hint(module: str) -> str:
    """A sentence for the usage error of a provider module that does not import, or ''.

    Names the generation the provider is built on when it is not the installed one, the
    commonest reason such an import fails (``No module named 'llama_stack.apis'``).
    """
    try:
        built = built_on(provider_modules(module))
    except Exception:  # a hint must never hide the error it explains
        return ""
    if built.package is None:
        return ""
    installed = installed_api_packages()
    listed = ", ".join(str(p) for p in installed) or "none"
    same = [p for p in installed if p.distribution == built.package]
    if built.package == LLAMA_STACK and _installed_llama_stack():
        return ""
    if not same:
        server = _server_without_old_api() if built.package == LLAMA_STACK else ""
        return (f" This provider is built on {built.summary}, which is not installed{server}; the contract "
                f"packages installed are {listed}.")
    if built.version_spec and not _admits(built.version_spec, same[0].version):
        return (f" This provider is built on {built.summary} and {same[0]} is installed: the import may fail "
                "on what the generations changed.")
    return ""


def clear_cache() -> None:
    """Forget what was read: a process that changes ``sys.path`` (the kit's own tests) reads again."""
    for cached in (built_on, _top_spec, distribution_shipping, _imports_of_file):
        cached.cache_clear()


# --------------------------------------------------------------------------- source


def _family_of_module(name: str) -> str | None:
    for family, markers in MARKERS.items():
        if any(name == m or name.startswith(m + ".") for m in markers):
            return family
    return None


def _pick(families: set[str]) -> str | None:
    """One generation; several (a provider with import fallbacks) resolve newest first."""
    return next((family for family in MARKERS if family in families), None)


def _walk(starts: Sequence[str], scan: _Scan) -> None:
    """Breadth first through the modules of the starting modules' own top-level packages."""
    tops = {name.split(".")[0] for name in starts}
    # The provider's own modules first: their import sites are the evidence worth showing.
    queue = [*starts, *(name for start in starts for name in _with_parents(start))]
    read = 0
    while queue and read < _FILE_BUDGET:
        name = queue.pop(0)
        if name in scan.seen:
            continue
        scan.seen.add(name)
        path = _module_file(name)
        if path is None:
            continue
        read += 1
        noted: set[int] = set()  # one site per import statement
        for imported, line in _imports(path, name):
            family = _family_of_module(imported)
            if family:
                marker = next(m for m in MARKERS[family] if imported == m or imported.startswith(m + "."))
                found = scan.sites.setdefault(marker, [])
                if len(found) < _SITES_SHOWN and line not in noted:
                    noted.add(line)
                    found.append(Evidence(family, "import", f"imports {imported} ({_short_path(path, name)}:{line})",
                                          marker))
            elif imported.split(".")[0] in tops:
                queue.extend(n for n in _with_parents(imported) if n not in scan.seen)


def _with_parents(name: str) -> list[str]:
    """``a.b.c`` -> ``a``, ``a.b``, ``a.b.c``: importing a module runs its packages' ``__init__``."""
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


@functools.cache
def _top_spec(top: str) -> Any:
    """The spec of a top-level package; finding it runs none of its code."""
    try:
        return importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None


def _module_file(name: str) -> Path | None:
    """The ``.py`` file of ``name``, located without importing it or its parents."""
    top, _, rest = name.partition(".")
    spec = _top_spec(top)
    if spec is None:
        return None
    if not rest:
        origin = spec.origin or ""
        return Path(origin) if origin.endswith(".py") else None
    for base in spec.submodule_search_locations or []:
        path = Path(base, *rest.split("."))
        for candidate in (path.with_name(path.name + ".py"), path / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def _imports(path: Path, module: str) -> tuple[tuple[str, int], ...]:
    """Every module name an import statement names (``from a import b`` names ``a`` and ``a.b``)."""
    try:
        stat = path.stat()
    except OSError:
        return ()
    return _imports_of_file(path, module, (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns))


@functools.lru_cache(maxsize=4096)
def _imports_of_file(path: Path, module: str, version: tuple[int, ...]) -> tuple[tuple[str, int], ...]:
    """``_imports`` of one version of a file (inode, size, modification and change times: the key only): a
    process that judges several providers (the kit's batches of runs, a matrix) parses a shared module once."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError, OSError):
        return ()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1] if node.level <= len(parts) else []
                base = ".".join([*anchor, base] if base else anchor)
            if not base:
                continue
            found.append((base, node.lineno))
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names if alias.name != "*"]
    return tuple(found)


def _short_path(path: Path, module: str) -> str:
    """The file as its package lays it out (``pkg/provider.py``), not the site-packages path."""
    depth = module.count(".") + (1 if path.name == "__init__.py" else 0)
    return "/".join(path.parts[-(depth + 1):])


# --------------------------------------------------------------------------- distribution


def _requirements(top: str, code_families: set[str]) -> Iterator[Evidence]:
    """``Requires-Dist`` on an API package or server, installed unconditionally (extras are optional)."""
    dist = distribution_shipping(top)
    if dist is None:
        return
    owner = f"{dist.metadata['Name']} {dist.version}"
    for line in dist.requires or []:
        try:
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
        except (InvalidRequirement, ValueError):
            continue
        name = canonicalize_name(requirement.name)
        family = _family_of_requirement(name, requirement.specifier, code_families)
        if family:
            spec = str(requirement.specifier) or None
            shown = f"Requires-Dist {requirement.name}{requirement.specifier}"
            server = " (the server; its API package is released with it)" if name in ("ogx", LLAMA_STACK) \
                and family != LLAMA_STACK else ""
            yield Evidence(family, "requires-dist", f"{owner} requires {requirement}{server}", shown, spec)


def _family_of_requirement(name: str, spec: SpecifierSet, code_families: set[str]) -> str | None:
    if name in ("ogx", OGX_API):
        return OGX_API
    if name == LLAMA_STACK_API:
        return LLAMA_STACK_API
    if name != LLAMA_STACK:
        return None
    # The server: before 0.4 it carried the API, from 0.4 on llama-stack-api does. The
    # bounds decide; an open requirement (``>=0.2.5``) is read with what the code imports.
    if _bounded_below_split(spec):
        return LLAMA_STACK
    if any(c.operator in (">=", ">", "==", "~=") and _version(c.version) >= _SPLIT for c in spec):
        return LLAMA_STACK_API
    if LLAMA_STACK in code_families:
        return LLAMA_STACK
    return LLAMA_STACK_API if LLAMA_STACK_API in code_families else None


def _bounded_below_split(spec: SpecifierSet) -> bool:
    for clause in spec:
        version = _version(clause.version)
        if (clause.operator == "<" and version <= _SPLIT) or (
                clause.operator in ("<=", "==", "~=", "===") and version < _SPLIT):
            return True
    return False


def _version(text: str) -> Version:
    try:
        return Version(text.removesuffix(".*"))
    except InvalidVersion:
        return Version("0")


def _admits(spec: str, version: str) -> bool:
    try:
        return SpecifierSet(spec).contains(version, prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return True  # an unreadable requirement is no evidence of a mismatch


def _llama_stack_version() -> str | None:
    try:
        return importlib.metadata.version(LLAMA_STACK)
    except importlib.metadata.PackageNotFoundError:
        return None


def _installed_llama_stack() -> str | None:
    """The version of llama-stack <= 0.3 installed here: what lets such a provider import at all."""
    version = _llama_stack_version()
    return version if version and _version(version) < _SPLIT else None


def _server_without_old_api() -> str:
    """A newer llama-stack server installed explains ``No module named 'llama_stack.apis'``."""
    version = _llama_stack_version()
    return f" (llama-stack {version} is, without llama_stack.apis)" if version else ""


@functools.cache
def distribution_shipping(top: str) -> importlib.metadata.Distribution | None:
    """The installed distribution shipping the top-level package ``top``, cheapest lookup first.

    ``packages_distributions()`` reads every installed file list (most of a second), so it
    is the last resort: a distribution named like the package, or one whose
    ``top_level.txt`` lists it (setuptools writes one, editable installs included), answers
    almost always.
    """
    try:
        named = importlib.metadata.distribution(top)
        declared = (named.read_text("top_level.txt") or "").split()
        if not declared or top in declared:  # named like the package, and not saying it ships others only
            return named
    except (importlib.metadata.PackageNotFoundError, ValueError):
        pass
    for dist in importlib.metadata.distributions():
        if top in (dist.read_text("top_level.txt") or "").split():
            return dist
    if top in sys.stdlib_module_names:
        return None
    for name in importlib.metadata.packages_distributions().get(top, []):
        try:
            return importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None
