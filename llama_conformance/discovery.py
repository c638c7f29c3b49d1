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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from llama_conformance.errors import KitUsageError, describe_exception

ENTRY_POINT_GROUP = "llama_conformance.providers"
_PROVIDER_DIST_PREFIXES = ("llama-stack-provider-", "ogx-provider-")
_SERVER_REGISTRIES = (
    ("ogx_api", "ogx.core.distribution"),
    ("llama_stack_api", "llama_stack.core.distribution"),
)


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
    which was most of the kit's start-up time.
    """
    names = [ep.value for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)]
    for dist in importlib.metadata.distributions():
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
    for package, registry_module in _SERVER_REGISTRIES:
        if api_package and api_package.replace("-", "_") != package:
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


def _sources(options: DiscoveryOptions) -> Iterator[Iterable[ProviderEntry]]:
    if options.provider_module:
        yield specs_from_module(options.provider_module)
    if options.providers_dir:
        yield specs_from_dir(options.providers_dir)
    for package in advertised_packages():
        try:
            yield specs_from_module(package)
        except KitUsageError:
            continue  # a broken bystander package must not block another provider's run
    yield specs_from_server_registry(options.api_package)


def discover(provider_type: str, options: DiscoveryOptions) -> ProviderEntry:
    """Find ``provider_type``; raise a usage error naming what exists otherwise."""
    seen: dict[str, list[ProviderEntry]] = {}
    for source in _sources(options):
        for entry in source:
            seen.setdefault(entry.provider_type, []).append(entry)
        matches = [e for e in seen.get(provider_type, []) if options.api in (None, e.api)]
        if matches:
            return _single(provider_type, matches, options)
    raise KitUsageError(_unknown_type_message(provider_type, seen, options))


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
