"""Provider type -> provider entry, from every place a server would look, in order.

1. ``--llama-provider-module PKG``: ``PKG.provider.get_provider_spec()`` (one spec or a list);
2. installed packages that advertise providers: the entry-point group
   ``llama_conformance.providers`` and distributions named ``llama-stack-provider-*`` /
   ``ogx-provider-*`` (same ``PKG.provider`` convention);
3. ``--llama-providers-dir DIR`` in the server's ``remote|inline/<api>/<name>.yaml`` layout;
4. the built-in registry of an installed ``ogx`` or ``llama-stack`` server.

Sources are read lazily: the server registry (a slow import) is only consulted when the
type was not found earlier. An unknown type is a usage error listing what was found and
the nearest match.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import importlib.util
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from llama_conformance.contract.generation import import_failure_hint
from llama_conformance.contract.packages import PACKAGE_TABLE
from llama_conformance.errors import KitUsageError, describe_exception

ENTRY_POINT_GROUP = "llama_conformance.providers"
_PROVIDER_DIST_PREFIXES = tuple(row.provider_dist_prefix for row in PACKAGE_TABLE)
# The ``module`` of a deployment's HTTP stand-in (``target.http.RemoteTarget.put``), whose ``provider_type`` is the
# deployment's URL: what names the target in a repr must not show that URL (it may carry credentials).
DEPLOYMENT_MODULE = "(http)"


@dataclass
class ProviderEntry:
    """What the kit needs to know to build one provider, whatever its source."""

    provider_type: str
    api: str
    module: str
    config_class: str
    api_dependencies: list[str] = field(default_factory=list)
    optional_api_dependencies: list[str] = field(default_factory=list)
    source: str = ""
    spec_module: str | None = None  # module of the spec's class: names its API package
    raw_spec: Any = None

    @property
    def is_inline(self) -> bool:
        return self.provider_type.startswith("inline::")

    @property
    def factory_name(self) -> str:
        return "get_provider_impl" if self.is_inline else "get_adapter_impl"


@dataclass
class DiscoveryOptions:
    provider_module: str | None = None
    providers_dir: Path | None = None
    api: str | None = None
    api_package: str | None = None


def _enum_value(value: Any) -> str:
    return str(getattr(value, "value", value))


def entry_from_spec(spec: Any, source: str) -> ProviderEntry:
    """Normalise a ``ProviderSpec`` of either API package."""
    missing = [name for name in ("api", "provider_type", "config_class") if not getattr(spec, name, None)]
    if missing:
        raise KitUsageError(
            f"{source} returned {type(spec).__name__} without {', '.join(missing)}: "
            "`get_provider_spec()` must return InlineProviderSpec / RemoteProviderSpec objects."
        )
    module = getattr(spec, "module", None)
    if not module:
        raise KitUsageError(
            f"The spec for {spec.provider_type} from {source} has no `module`: the kit cannot "
            "find its get_provider_impl / get_adapter_impl."
        )
    return ProviderEntry(
        provider_type=spec.provider_type,
        api=_enum_value(spec.api),
        module=module,
        config_class=spec.config_class,
        api_dependencies=[_enum_value(a) for a in getattr(spec, "api_dependencies", []) or []],
        optional_api_dependencies=[
            _enum_value(a) for a in getattr(spec, "optional_api_dependencies", []) or []
        ],
        source=source,
        spec_module=type(spec).__module__,
        raw_spec=spec,
    )


def _import(module_name: str, why: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except Exception as exc:
        raise KitUsageError(
            f"Cannot import {module_name} ({why}): {describe_exception(exc)}. Install the "
            "provider's package (and its dependencies) in the environment that runs pytest."
            f"{import_failure_hint(module_name)}"
        ) from exc


def specs_from_module(package: str) -> list[ProviderEntry]:
    """``PKG.provider.get_provider_spec()`` (or ``PKG.get_provider_spec()``)."""
    root = _import(package, "--llama-provider-module")
    holder = root if hasattr(root, "get_provider_spec") else None
    if holder is None:
        holder = _import(f"{package}.provider", f"{package} has no get_provider_spec()")
    get_spec = getattr(holder, "get_provider_spec", None)
    if get_spec is None:
        raise KitUsageError(
            f"{holder.__name__} has no get_provider_spec(). An external provider package "
            "exposes `get_provider_spec()` (returning one spec or a list) in `<package>.provider`."
        )
    try:
        specs = get_spec()
    except Exception as exc:
        raise KitUsageError(
            f"{holder.__name__}.get_provider_spec() raised {describe_exception(exc)}."
        ) from exc
    specs = specs if isinstance(specs, list | tuple) else [specs]
    return [entry_from_spec(s, f"{holder.__name__}.get_provider_spec()") for s in specs]


def advertised_packages() -> list[str]:
    """Packages that advertise providers: the kit's entry point, then provider distributions.

    Provider distributions are found by name (``llama-stack-provider-*``), reading only the
    metadata of those: ``packages_distributions()`` would read every installed file list,
    which was most of the kit's start-up time. The name comes from the ``.dist-info`` folder
    where the finder knows it (``PathDistribution._normalized_name``, Python 3.10+), not from
    each distribution's METADATA file, which every run would otherwise parse (200 of them here).
    """
    names = [ep.value for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)]
    for dist in importlib.metadata.distributions():
        folder_name = getattr(dist, "_normalized_name", None)
        if isinstance(folder_name, str) and not folder_name.replace("_", "-").startswith(_PROVIDER_DIST_PREFIXES):
            continue
        dist_name = str(dist.metadata["Name"] or "").lower().replace("_", "-")
        if not dist_name.startswith(_PROVIDER_DIST_PREFIXES):
            continue
        top_level = (dist.read_text("top_level.txt") or "").split()
        names.extend(top_level or [dist_name.replace("-", "_")])
    return list(dict.fromkeys(names))


def specs_from_dir(directory: Path) -> list[ProviderEntry]:
    """The server's external-providers layout: ``remote|inline/<api>/<name>.yaml``."""
    if not directory.is_dir():
        raise KitUsageError(f"--llama-providers-dir {directory} is not a directory.")
    entries = []
    for path in sorted(directory.glob("*/*/*.yaml")):
        kind, api, name = path.parent.parent.name, path.parent.name, path.stem
        if kind not in ("remote", "inline"):
            continue
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise KitUsageError(f"{path} is not valid YAML: {exc}") from exc
        adapter = data.get("adapter") or {}  # older llama-stack remote layout
        module = data.get("module") or adapter.get("module")
        config_class = data.get("config_class") or adapter.get("config_class")
        if not module or not config_class:
            raise KitUsageError(
                f"{path} needs `module` and `config_class` (the server's external provider format)."
            )
        entries.append(
            ProviderEntry(
                provider_type=f"{kind}::{name}",
                api=api,
                module=module,
                config_class=config_class,
                api_dependencies=list(data.get("api_dependencies") or []),
                optional_api_dependencies=list(data.get("optional_api_dependencies") or []),
                source=str(path),
            )
        )
    return entries


def specs_from_server_registry(api_package: str | None) -> Iterator[ProviderEntry]:
    """Built-in providers of the installed server(s) matching the API package, if any."""
    for row in PACKAGE_TABLE:
        registry_module = row.server_registry
        if api_package and api_package.replace("-", "_") not in (row.name, row.distribution.replace("-", "_")):
            continue
        try:
            module = importlib.import_module(registry_module)
            registry = module.get_provider_registry()
        except Exception:
            continue  # that server is not installed (or broken): not a source here
        for by_type in registry.values():
            for spec in by_type.values():
                try:
                    yield entry_from_spec(spec, f"{registry_module} built-in registry")
                except KitUsageError:
                    continue


def _sources(options: DiscoveryOptions, unreadable: list[str]) -> Iterator[Iterable[ProviderEntry]]:
    if options.provider_module:
        yield specs_from_module(options.provider_module)
    if options.providers_dir:
        yield specs_from_dir(options.providers_dir)
    for package in advertised_packages():
        try:
            yield specs_from_module(package)
        except KitUsageError as exc:
            unreadable.append(str(exc))  # told only if the type is not found: it may be in there
            continue  # a broken bystander package must not block another provider's run
    yield specs_from_server_registry(options.api_package)


def discover(provider_type: str, options: DiscoveryOptions) -> ProviderEntry:
    """Find ``provider_type``; raise a usage error naming what exists otherwise."""
    seen: dict[str, list[ProviderEntry]] = {}
    unreadable: list[str] = []
    for source in _sources(options, unreadable):
        for entry in source:
            seen.setdefault(entry.provider_type, []).append(entry)
        matches = [e for e in seen.get(provider_type, []) if options.api in (None, e.api)]
        if matches:
            return require_module(_single(provider_type, matches, options))
    raise KitUsageError(_unknown_type_message(provider_type, seen, options)
                        + "".join(f" An advertised provider package could not be read: {m}" for m in unreadable))


def module_absent(module_name: str) -> bool:
    """True if ``module_name`` does not exist at all (it, or a package above it, is not installed).

    A module that exists but whose own imports fail (a missing dependency) is not absent:
    importing it says which dependency, and that is a different fix.
    """
    try:
        return importlib.util.find_spec(module_name) is None
    except ModuleNotFoundError as exc:  # a parent package is missing, or a parent's import failed
        missing = exc.name or ""
        return bool(missing) and (module_name == missing or module_name.startswith(missing + "."))
    except Exception:
        return False  # the parent package exists but fails to import: the factory import reports it


def require_module(entry: ProviderEntry) -> ProviderEntry:
    """The entry, if the module it names exists; a packaging defect of the provider otherwise."""
    if not module_absent(entry.module):
        return entry
    yaml_file = entry.source.endswith((".yaml", ".yml"))
    where = f"the YAML file {entry.source}" if yaml_file else entry.source or "its provider spec"
    raise KitUsageError(
        f"{entry.provider_type}: {where} names the module {entry.module}, which does not exist in this "
        "environment (no installed package contains it). This is a packaging defect of the provider, not a "
        "missing dependency, so installing dependencies will not help: the provider's maintainer must ship "
        f"that module or correct {'`module:` in that file' if yaml_file else 'the spec'}."
    )


def single_provider(options: DiscoveryOptions) -> ProviderEntry:
    """The one provider ``--llama-provider-module`` (or ``--llama-providers-dir``) offers, without
    ``--llama-provider``; a usage error listing the types when there are several or none."""
    if options.provider_module:
        flag, entries = f"--llama-provider-module={options.provider_module}", specs_from_module(options.provider_module)
    else:
        assert options.providers_dir is not None
        flag, entries = f"--llama-providers-dir={options.providers_dir}", specs_from_dir(options.providers_dir)
    entries = [e for e in entries if options.api in (None, e.api)]
    scope = f" for API {options.api}" if options.api else ""
    if len(entries) == 1:
        return require_module(entries[0])
    if not entries:
        raise KitUsageError(f"{flag} offers no provider{scope}, so there is nothing to check. Name the package "
                            "(or directory) that declares the provider, and the provider with --llama-provider=TYPE.")
    types = sorted({f"{e.provider_type} ({e.api})" for e in entries})
    listed = ", ".join(types[:40]) + (f" and {len(types) - 40} more" if len(types) > 40 else "")
    raise KitUsageError(
        f"{flag} offers {len(entries)} providers{scope} and no --llama-provider was given, so the kit cannot "
        f"tell which one to check. Add --llama-provider=TYPE with one of: {listed}."
    )


def _single(provider_type: str, matches: list[ProviderEntry], options: DiscoveryOptions) -> ProviderEntry:
    by_api = {m.api: m for m in matches}
    if len(by_api) == 1:
        return matches[0]
    raise KitUsageError(
        f"Provider type {provider_type} exists for several APIs ({', '.join(sorted(by_api))}). "
        f"Choose one with --llama-api, e.g. --llama-api={sorted(by_api)[0]}."
    )


def _unknown_type_message(
    provider_type: str, seen: dict[str, list[ProviderEntry]], options: DiscoveryOptions
) -> str:
    known = sorted(seen)
    other_apis = sorted({e.api for e in seen.get(provider_type, [])})
    if other_apis:  # the type exists, for other APIs: naming itself as the nearest match would only confuse
        hint = (f" {provider_type} exists for {', '.join(other_apis)}, not for {options.api} (the installed API "
                f"package may not have {options.api} at all): use --llama-api={other_apis[0]}, or the package "
                f"generation that has {options.api}.")
    else:
        nearest = difflib.get_close_matches(provider_type, known, n=1, cutoff=0.5)
        hint = f" Did you mean {nearest[0]}?" if nearest else ""
    where = "; ".join(
        s
        for s in (
            f"module {options.provider_module}" if options.provider_module else "",
            f"directory {options.providers_dir}" if options.providers_dir else "",
            "advertised provider packages",
            "the installed server's built-in registry",
        )
        if s
    )
    listed = ", ".join(known[:40]) + (f" and {len(known) - 40} more" if len(known) > 40 else "")
    scope = f" for API {options.api}" if options.api else ""
    return (
        f"Unknown provider type {provider_type}{scope}.{hint} Looked in: {where}. "
        f"Types found: {listed or 'none'}. If the provider lives in an external package, "
        "pass --llama-provider-module=<package> (its <package>.provider.get_provider_spec())."
    )
