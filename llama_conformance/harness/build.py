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
import shlex
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
from llama_conformance.contract.generation import import_failure_hint, mismatch_hint
from llama_conformance.discovery import DEPLOYMENT_MODULE, ProviderEntry
from llama_conformance.errors import GateTimeout, KitUsageError, describe_exception
from llama_conformance.evidence import Evidence, EvidenceLog, environment_cause, watch_stand_in
from llama_conformance.gate import DEFAULT_TIMEOUT_S, CallGate
from llama_conformance.harness.config import (
    CONFIG_FROM_FILE,
    CONFIG_FROM_SAMPLE,
    CONFIG_FROM_STACK,
    CONFIG_NONE,
    config_as_data,
    config_secrets,
    expand_env,
    import_config_class,
    read_config_file,
    sample_config,
    validate_config,
)
from llama_conformance.harness.dependencies import (
    OGX,
    generation,
    missing_dependencies,
    reference_dependencies,
    routed_apis,
    stores_for,
    wanted_dependencies,
)
from llama_conformance.harness.server_context import open_request_context
from llama_conformance.harness.stack_config import (
    StackPlan,
    build_stack_dependencies,
    configured_values,
    own_entry,
    plan_stack,
)
from llama_conformance.harness.storage import register_backends
from llama_conformance.redact import Redactor

_MISSING = object()


@dataclass
class BuildOptions:
    config_file: Path | None = None
    api_package: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    # --llama-stack-config: dependencies (and the provider's own config, when the file lists
    # its type) from a server run config instead of the kit's stand-ins.
    stack_config: Path | None = None
    # --llama-without-optional-deps: False builds the provider with its required APIs only.
    optional_dependencies: bool = True
    # Where the provider's scratch directory goes: an isolated worker's run directory, which the
    # scheduler removes even when provider code killed the worker before it could clean up.
    scratch_root: Path | None = None


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
    # Which of ``dependencies`` are real providers built from --llama-stack-config (API names);
    # the others are the kit's stand-ins, on which a semantic verdict cannot rest.
    real_dependencies: set[str] = field(default_factory=set)
    # Whether optional dependencies are handed over (--llama-without-optional-deps clears it).
    optional_dependencies: bool = True
    # --llama-stack-config: what to build from the run config (``harness.stack_config``).
    stack: StackPlan | None = None
    # Real dependency impls, shut down after the provider (the kit's stand-ins hold nothing).
    real_impls: list[Any] = field(default_factory=list)
    # What calls into the provider saw that a verdict cannot rest on (its backend unreachable,
    # a stand-in asked to generate): see ``llama_conformance.evidence``.
    evidence: EvidenceLog = field(default_factory=EvidenceLog)
    # Set when the factory failed because the provider's backend could not be reached: the
    # build is then inconclusive, not a lifecycle.build failure.
    build_inconclusive: str | None = None
    # ``impl`` is a deployment reached over HTTP (``transport.RemoteImpl``): each call's answer
    # carries the JSON it was parsed from and its HTTP findings (``transport.wire.WireAnswer``).
    over_http: bool = False

    @property
    def shown_as(self) -> str:
        """What names this provider where a secret must not show: its type, or "a deployment" for a deployment's
        HTTP stand-in, whose ``provider_type`` is the URL (it may carry credentials)."""
        return "a deployment" if self.entry.module == DEPLOYMENT_MODULE else self.entry.provider_type

    def __repr__(self) -> str:
        """The provider and its API, never its config: a traceback or ``--showlocals`` that shows this object
        must not carry a secret, and the dataclass's own repr spelled out the config and the whole contract."""
        return f"ProviderUnderTest({self.shown_as}, api={self.entry.api!r})"

    @property
    def surface(self) -> ApiSurface:
        return self.contract.surface(self.entry.api)

    def close(self) -> str | None:
        """Call ``shutdown()`` through the gate; return a problem description, if any."""
        problem = None
        self.evidence.close()
        shutdown = getattr(self.impl, "shutdown", None)
        if callable(shutdown):
            try:
                self.gate.call("shutdown", shutdown)
            except (Exception, GateTimeout) as exc:
                problem = self.redactor(f"shutdown() failed: {describe_exception(exc)}")
        for dependency in reversed(self.real_impls):  # not the provider's problem: never reported
            stop = getattr(dependency, "shutdown", None)
            if callable(stop):
                with contextlib.suppress(Exception, GateTimeout):
                    self.gate.call("dependency shutdown", stop)
        self.gate.close()
        self.discard_workdir()
        return problem

    def discard_workdir(self) -> None:
        """Remove the scratch directory; also for a provider never built (the scheduling process of an
        isolated run prepares one to check the config, and would leave a directory per run in /tmp)."""
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


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
            f"{import_failure_hint(entry.module)}"
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


def missing_declared_package(entry: ProviderEntry, exc: BaseException | None) -> str | None:
    """Why ``exc`` is this environment's problem: a module of a package the spec declares is missing.

    Built-in providers import their optional heavy packages inside the call that needs them
    (llama-stack's ``inline::code-scanner`` imports ``codeshield`` in ``run_shield``), so a
    call raising ``ModuleNotFoundError`` for a package the spec's ``pip_packages`` names is an
    install the server's ``llama stack build`` would have done, not a defect of the provider.
    A module the spec does not declare stays the provider's packaging defect (None here).
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ModuleNotFoundError):
            declared = declared_package(entry, exc.name)
            if declared is not None:
                return (f"the provider imports {exc.name!r}, from the package its spec's pip_packages declares "
                        f"({declared!r}), and this environment lacks it; whoever runs the kit must install it "
                        f"(`pip install {shlex.quote(declared)}`) and run again")
        exc = exc.__cause__ or exc.__context__
    return None


@dataclass
class ProviderEvidence(EvidenceLog):
    """The evidence log of one provider: also knows the packages its spec declares."""

    entry: ProviderEntry | None = None

    def record_error(self, member: str, exc: BaseException | None) -> None:
        cause = missing_declared_package(self.entry, exc) if self.entry is not None else None
        if cause is None:
            super().record_error(member, exc)
        else:
            self.entries.append(Evidence("environment", member, cause))


def _show_config(config: Any, redactor: Redactor) -> dict[str, Any]:
    """The validated config as JSON data for the run header, secrets replaced (pydantic, dataclass or plain)."""
    return dict(redactor.data(config_as_data(config)))


def prepare_provider(entry: ProviderEntry, options: BuildOptions) -> ProviderUnderTest:
    """Everything that can be decided before provider code runs; usage problems raise here.

    Imports the provider module, picks the API package and contract, loads and validates
    the config and registers storage. Nothing of the provider's own runs yet except its
    module import, so a provider failure cannot be mistaken for a usage error.
    """
    load_factory(entry)
    package = package_for_provider(options.api_package, entry.spec_module, entry.module)
    contract = load_contract(package.name)
    try:
        contract.surface(entry.api)  # unknown API for this package -> usage error now
    except KitUsageError as exc:  # often an API of another generation (llama-stack 0.x safety on ogx-api)
        raise KitUsageError(f"{exc}{mismatch_hint(entry, package)}") from None
    config_class = import_config_class(entry.config_class, entry.provider_type)
    stack = None
    if options.stack_config is not None:
        # Required dependencies must be in the run config instead (checked by the plan).
        stack = plan_stack(entry, options.stack_config, package.name, optional=options.optional_dependencies)
    else:
        missing_dependencies(entry)

    workdir = Path(tempfile.mkdtemp(prefix="llama-conformance-", dir=options.scratch_root))
    secrets: set[str] = set(stack.secrets) if stack else set()
    try:
        listed = own_entry(stack.data, entry) if stack is not None and options.config_file is None else None
        if listed is not None:  # --llama-stack-config lists the provider itself: its config, as the server's
            assert stack is not None
            values = configured_values(stack, listed, entry, config_class)
            secrets |= stack.secrets  # the env values its entry used
            origin = CONFIG_FROM_STACK
        else:
            if options.config_file is not None:
                raw, origin = read_config_file(options.config_file), CONFIG_FROM_FILE
            else:
                raw = sample_config(config_class, workdir / "distro", entry.provider_type)
                origin = CONFIG_NONE if getattr(config_class, "sample_run_config", None) is None else CONFIG_FROM_SAMPLE
            values = expand_env(raw, secrets)
        config = validate_config(config_class, values, entry.provider_type, origin)
    except KitUsageError:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    # One registration for the provider and every config dependency (each call replaces the last).
    register_backends(package, {"provider": values, **(stack.storage_values() if stack else {})},
                      workdir / "storage")
    secrets |= config_secrets(config)
    for planned in stack.providers if stack else []:
        secrets |= config_secrets(planned.config)
    redactor = Redactor(secrets)
    return ProviderUnderTest(
        entry=entry,
        contract=contract,
        gate=CallGate(options.timeout_s, name=entry.provider_type),
        redactor=redactor,
        config=config,
        config_shown=_show_config(config, redactor),
        workdir=workdir,
        optional_dependencies=options.optional_dependencies,
        stack=stack,
        evidence=ProviderEvidence(entry=entry),
    )


def dependencies_for(put: ProviderUnderTest) -> dict[Any, Any]:
    """``{Api: impl}`` handed to the factory: from the run config when given, else the kit's stand-ins.

    Sets ``put.dependencies`` (by API name), ``put.real_dependencies`` and ``put.real_impls``.
    """
    entry = put.entry
    if put.stack is None:
        deps = reference_dependencies(entry, put.contract, put.gate, optional=put.optional_dependencies)
    else:
        built, put.real_impls = build_stack_dependencies(put.stack, put.contract, put.gate)
        api_enum = put.contract.api_enum()
        wanted = wanted_dependencies(entry, put.optional_dependencies)
        deps = {api_enum(api): built[api_enum(api)] for api in wanted if api_enum(api) in built}
        put.real_dependencies = {api for api in put.stack.real if api in wanted}
    put.dependencies = {str(getattr(api, "value", api)): impl for api, impl in deps.items()}
    return deps


def construct_provider(put: ProviderUnderTest) -> ProviderUnderTest:
    """Run the factory through the gate; a provider failure lands in ``build_error``."""
    entry = put.entry
    factory = load_factory(entry)
    redactor = put.redactor
    try:
        deps = dependencies_for(put)
        _watch_stand_ins(put)
        open_request_context(put.contract.package)
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
    except KitUsageError:
        raise  # a dependency the kit could not build (a stand-in, a --llama-stack-config entry): not the provider's
    except Exception as exc:
        put.build_error = redactor(
            f"{entry.module}.{entry.factory_name}() raised {describe_exception(exc)}"
        )
        cause = environment_cause(exc)
        put.build_inconclusive = redactor(cause) if cause else None
        return put
    if impl is None:
        put.build_error = f"{entry.module}.{entry.factory_name}() returned None, not a provider."
        return put
    put.impl = impl
    mark_as_resolved(impl, put.contract, provider_id(entry), entry.raw_spec, put.config, deps)
    problem = _introduce_siblings(put)
    if problem:
        put.build_error = redactor(problem)
        return put
    surface = put.surface
    put.own_attributes = {attr.name: getattr(impl, attr.name, _MISSING) for attr in surface.attributes}
    put.injected = assign_stores(impl, surface, put.contract)
    return put


def assign_stores(impl: Any, surface: ApiSurface, contract: Contract) -> list[str]:
    """Assign the stores the generation's routing table assigns at start-up; the names that took.

    A provider that refuses an assignment is left as it is: the attribute check reports it.
    """
    assigned = []
    for name, store in stores_for(surface, contract).items():
        with contextlib.suppress(Exception):
            setattr(impl, name, store)
            assigned.append(name)
    return assigned


def _watch_stand_ins(put: ProviderUnderTest) -> None:
    """Record the provider's generative calls into the kit's stand-in dependencies (not into
    real ones a server config built): a semantic check resting on them is inconclusive."""
    for api, impl in put.dependencies.items():
        if api not in put.real_dependencies:
            watch_stand_in(impl, api, put.evidence)


def provider_id(entry: ProviderEntry) -> str:
    """The id a run config would give the provider: its type without the ``inline::`` / ``remote::``."""
    return entry.provider_type.split("::", 1)[-1]


def mark_as_resolved(impl: Any, contract: Contract, pid: str, spec: Any, config: Any, deps: dict[Any, Any]) -> None:
    """Set what the generation's resolver sets on every impl it builds (``instantiate_provider``).

    Both set ``__provider_id__``, ``__provider_spec__`` and ``__provider_config__``; ogx 1.5
    also ``__provider_deps__`` (the deps it was built with). Providers read them:
    ``list_models()`` of the model-registry mixin names models by ``__provider_id__`` and
    fails without it.
    """
    values: list[tuple[str, Any]] = [("__provider_id__", pid), ("__provider_spec__", spec),
                                     ("__provider_config__", config)]
    if generation(contract) == OGX:
        values.append(("__provider_deps__", deps))
    for name, value in values:
        # A slotted or frozen impl refuses: the server would fail there too; structure reports it.
        with contextlib.suppress(AttributeError, TypeError):
            setattr(impl, name, value)


def _introduce_siblings(put: ProviderUnderTest) -> str | None:
    """ogx 1.5 hands every non-routed provider its siblings of the same API after building all of them.

    ``set_sibling_providers(others)`` is called on each impl that has it (``instantiate_providers``);
    the provider under test has no siblings in the kit, so it gets ``{}``, as alone in a config.
    """
    setter = getattr(put.impl, "set_sibling_providers", None)
    if generation(put.contract) != OGX or not callable(setter) or put.entry.api in routed_apis(put.contract):
        return None
    try:
        put.gate.call("set_sibling_providers", setter, {})
    except (Exception, GateTimeout) as exc:
        return (f"set_sibling_providers({{}}), which ogx calls after building every provider, raised "
                f"{describe_exception(exc)}")
    return None


def build_provider(entry: ProviderEntry, options: BuildOptions) -> ProviderUnderTest:
    """``prepare_provider`` then ``construct_provider``."""
    return construct_provider(prepare_provider(entry, options))


def is_missing(value: Any) -> bool:
    return value is _MISSING
