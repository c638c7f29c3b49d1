"""Build a provider the way the server's resolver does, and tear it down afterwards.

Order (the server's): config -> storage backends -> dependencies -> factory. Like the
server, the kit leaves ``initialize()`` to the factory (every built-in factory awaits it);
what the factory returns is what the routers would call. Then, as the routing tables do at
start-up, the kit assigns the stores the protocol declares (``model_store`` ...), after
recording which protocol attributes the provider had on its own.

Usage problems (unimportable module, bad config) raise ``KitUsageError`` before anything
runs; the provider's own failures (factory raises or hangs) are kept on the result as
``build_error`` so one check can fail with them while the run goes on.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llama_conformance.contract import (
    ApiSurface,
    Contract,
    load_contract,
    package_for_provider,
)
from llama_conformance.discovery import ProviderEntry
from llama_conformance.errors import GateTimeout, KitUsageError, describe_exception
from llama_conformance.gate import DEFAULT_TIMEOUT_S, CallGate
from llama_conformance.harness.config import (
    config_secrets,
    expand_env,
    import_config_class,
    read_config_file,
    sample_config,
    validate_config,
)
from llama_conformance.harness.dependencies import (
    missing_dependencies,
    reference_dependencies,
    stores_for,
)
from llama_conformance.harness.storage import register_backends
from llama_conformance.redact import Redactor

_MISSING = object()


@dataclass
class BuildOptions:
    config_file: Path | None = None
    api_package: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S


@dataclass
class ProviderUnderTest:
    """A built (or failed-to-build) provider and everything checks need to judge it."""

    entry: ProviderEntry
    contract: Contract
    gate: CallGate
    redactor: Redactor
    config: Any = None
    impl: Any = None
    build_error: str | None = None
    own_attributes: dict[str, Any] = field(default_factory=dict)
    config_shown: dict[str, Any] = field(default_factory=dict)
    injected: list[str] = field(default_factory=list)
    workdir: Path | None = None
    # The reference providers built as its dependencies, by API name: a suite that needs
    # data in a dependency (a file to attach to a vector store) puts it there.
    dependencies: dict[str, Any] = field(default_factory=dict)
    # Set when ``impl`` is a deployment reached over HTTP: the JSON behind each parsed
    # value and the HTTP-level findings of each call (``transport.WireLog``).
    wire: Any = None

    @property
    def over_http(self) -> bool:
        return self.wire is not None

    @property
    def surface(self) -> ApiSurface:
        return self.contract.surface(self.entry.api)

    def close(self) -> str | None:
        """Call ``shutdown()`` through the gate; return a problem description, if any."""
        problem = None
        shutdown = getattr(self.impl, "shutdown", None)
        if callable(shutdown):
            try:
                self.gate.call("shutdown", shutdown)
            except (Exception, GateTimeout) as exc:
                problem = self.redactor(f"shutdown() failed: {describe_exception(exc)}")
        self.gate.close()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return problem


def factory_arguments(factory: Any, config: Any, deps: dict[Any, Any]) -> list[Any]:
    """``(config, deps)`` plus the extras the server passes when the signature asks."""
    args: list[Any] = [config, deps]
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return args
    if "policy" in params:
        args.append([])
    if "route_policy" in params:
        args.append([])
    return args


def load_factory(entry: ProviderEntry) -> Any:
    try:
        module = importlib.import_module(entry.module)
    except Exception as exc:
        raise KitUsageError(
            f"Cannot import provider module {entry.module} for {entry.provider_type}: "
            f"{describe_exception(exc)}. Install the provider's dependencies in this environment."
        ) from exc
    factory = getattr(module, entry.factory_name, None)
    if not callable(factory):
        raise KitUsageError(
            f"{entry.module} has no {entry.factory_name}(config, deps): a "
            f"{'inline' if entry.is_inline else 'remote'} provider module must define it."
        )
    return factory


def declared_package(entry: ProviderEntry, module_name: str | None) -> str | None:
    """The ``pip_packages`` entry that provides ``module_name``, if the spec declares one.

    Distribution names often extend the import name (``databricks-sdk`` for ``databricks``,
    ``faiss-cpu`` for ``faiss``, ``weaviate-client`` for ``weaviate``), so a requirement
    named after the module, or after the module plus a ``-suffix``, counts.
    """
    if not module_name:
        return None
    wanted = module_name.split(".")[0].replace("_", "-").lower()
    for requirement in getattr(entry.raw_spec, "pip_packages", None) or []:
        name = re.split(r"[<>=!~\[; ]", str(requirement), maxsplit=1)[0].replace("_", "-").lower()
        if name == wanted or name.startswith(wanted + "-"):
            return str(requirement)
    return None


def _show_config(config: Any, redactor: Redactor) -> dict[str, Any]:
    """The validated config as JSON data for the run header, secrets replaced."""
    try:
        return redactor.data(config.model_dump(mode="json"))
    except Exception:
        return {}


def prepare_provider(entry: ProviderEntry, options: BuildOptions) -> ProviderUnderTest:
    """Everything that can be decided before provider code runs; usage problems raise here.

    Imports the provider module, picks the API package and contract, loads and validates
    the config and registers storage. Nothing of the provider's own runs yet except its
    module import, so a provider failure cannot be mistaken for a usage error.
    """
    load_factory(entry)
    package = package_for_provider(options.api_package, entry.spec_module, entry.module)
    contract = load_contract(package.name)
    contract.surface(entry.api)  # unknown API for this package -> usage error now
    config_class = import_config_class(entry.config_class, entry.provider_type)
    missing_dependencies(entry)

    workdir = Path(tempfile.mkdtemp(prefix="llama-conformance-"))
    secrets: set[str] = set()
    try:
        if options.config_file is not None:
            raw = read_config_file(options.config_file)
        else:
            raw = sample_config(config_class, workdir / "distro")
        values = expand_env(raw, secrets)
        config = validate_config(config_class, values, entry.provider_type)
    except KitUsageError:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    register_backends(package, values, workdir / "storage")
    secrets |= config_secrets(config)
    redactor = Redactor(secrets)
    return ProviderUnderTest(
        entry=entry,
        contract=contract,
        gate=CallGate(options.timeout_s, name=entry.provider_type),
        redactor=redactor,
        config=config,
        config_shown=_show_config(config, redactor),
        workdir=workdir,
    )


def construct_provider(put: ProviderUnderTest) -> ProviderUnderTest:
    """Run the factory through the gate; a provider failure lands in ``build_error``."""
    entry = put.entry
    factory = load_factory(entry)
    redactor = put.redactor
    try:
        deps = reference_dependencies(entry, put.contract, put.gate)
        put.dependencies = {str(getattr(api, "value", api)): impl for api, impl in deps.items()}
        args = factory_arguments(factory, put.config, deps)
        impl = put.gate.run(entry.factory_name, lambda: factory(*args))
    except GateTimeout as exc:
        put.build_error = redactor(f"{entry.module}.{entry.factory_name}(): {exc}")
        return put
    except ModuleNotFoundError as exc:
        declared = declared_package(entry, exc.name)
        if declared is None:
            put.build_error = redactor(
                f"{entry.module}.{entry.factory_name}() raised {describe_exception(exc)}, and the "
                "spec's pip_packages does not declare it (a packaging defect of the provider)."
            )
            return put
        raise KitUsageError(
            f"{entry.provider_type} imports {exc.name!r} when it is built, a package its spec "
            f"declares ({declared!r}) but this environment lacks. Install it "
            f"(`pip install '{declared}'`) and run again."
        ) from exc
    except Exception as exc:
        put.build_error = redactor(
            f"{entry.module}.{entry.factory_name}() raised {describe_exception(exc)}"
        )
        return put
    if impl is None:
        put.build_error = f"{entry.module}.{entry.factory_name}() returned None, not a provider."
        return put
    put.impl = impl
    _mark_as_resolved(put)
    surface = put.surface
    put.own_attributes = {attr.name: getattr(impl, attr.name, _MISSING) for attr in surface.attributes}
    for name, store in stores_for(surface, put.contract).items():
        try:
            setattr(impl, name, store)
            put.injected.append(name)
        except Exception:
            pass  # the attribute check reports a provider that refuses the assignment
    return put


def provider_id(entry: ProviderEntry) -> str:
    """The id a run config would give the provider: its type without the ``inline::`` / ``remote::``."""
    return entry.provider_type.split("::", 1)[-1]


def _mark_as_resolved(put: ProviderUnderTest) -> None:
    """Set what the server's resolver sets on every impl (``__provider_id__``, spec, config).

    Providers read them: ``list_models()`` of the model-registry mixin names models by
    ``__provider_id__`` and fails without it.
    """
    for name, value in (("__provider_id__", provider_id(put.entry)),
                        ("__provider_spec__", put.entry.raw_spec),
                        ("__provider_config__", put.config)):
        # A slotted or frozen impl refuses: the server would fail there too; structure reports it.
        with contextlib.suppress(AttributeError, TypeError):
            setattr(put.impl, name, value)


def build_provider(entry: ProviderEntry, options: BuildOptions) -> ProviderUnderTest:
    """``prepare_provider`` then ``construct_provider``."""
    return construct_provider(prepare_provider(entry, options))


def is_missing(value: Any) -> bool:
    return value is _MISSING
