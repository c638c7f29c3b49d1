"""One provider per pytest session: discover and prepare at configure, build on first use.

Discovery and preparation (imports, contract, config validation) run in
``pytest_configure`` so a usage problem stops the run with exit code 4 before any test.
The factory runs lazily in the session fixture, so a provider that raises or hangs while
building fails ``test_build`` and the run continues to its summary.
"""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from llama_conformance.behaviour.profiles import PROFILES, Profile
from llama_conformance.behaviour.served import ServedModels, discover_served_models
from llama_conformance.capabilities import Manifest, load_manifest
from llama_conformance.discovery import DiscoveryOptions, discover, single_provider
from llama_conformance.errors import KitUsageError
from llama_conformance.harness import (
    BuildOptions,
    ProviderUnderTest,
    construct_provider,
    prepare_provider,
)
from llama_conformance.harness.dependencies import API_PACKAGE_ENV
from llama_conformance.pytest_plugin.options import KitOptions
from llama_conformance.pytest_plugin.remote import RemoteTarget, mount_in_process, open_url_target
from llama_conformance.report.baseline import Baseline, load_baseline

KIT_SESSION = pytest.StashKey["KitSession"]()


@dataclass
class KitSession:
    options: KitOptions
    put: ProviderUnderTest
    manifest: Manifest = field(default_factory=Manifest)
    seed: int = 0
    constructed: bool = False
    teardown_problems: list[str] = field(default_factory=list)
    served: dict[str, ServedModels] = field(default_factory=dict)
    remote: RemoteTarget | None = None  # HTTP mode: a deployment, or the provider behind its routers
    baseline: Baseline | None = None  # --llama-baseline: failures expected by check id
    # Set in an xdist worker: hands a usage error found while building to the scheduling process.
    on_usage_error: Callable[[str], None] | None = None

    @property
    def profile(self) -> Profile:
        return PROFILES[self.options.profile]

    @property
    def over_http(self) -> bool:
        return self.remote is not None or self.options.over_http

    @property
    def apis(self) -> list[str]:
        """The APIs this run checks: the provider's, or those the deployment serves."""
        if self.options.stack_url and self.remote is not None:
            return self.remote.apis
        return [self.put.entry.api]

    def served_models(self, api: str | None = None) -> ServedModels:
        """The models served, registering the manifest's first (once per run and API).

        A deployment's models are the deployment's, whichever of its APIs a test checks:
        its Models API (``GET /v1/models``) names them, as it does for any client.
        """
        put = self.put_for("inference" if self.options.stack_url else api)
        key = put.entry.api
        if key not in self.served:
            self.served[key] = discover_served_models(put, self.manifest)
        return self.served[key]

    def operations(self) -> list[str]:
        """The deployment's operations, known before anything is built (the fuzz suite's items)."""
        if self.remote is not None:
            return self.remote.operations()
        from llama_conformance.contract.routes import RouterPlaceholder
        from llama_conformance.openapi.sse import creators_first, iter_operations, operation_key
        from llama_conformance.transport.asgi import app_for

        # Routers only store the impl; a placeholder with every member keeps the routes a
        # provider can serve and drops the ones that call no member (server features).
        spec = app_for({self.put.entry.api: RouterPlaceholder()}, self.put.contract).openapi()
        return creators_first([operation_key(method, path) for method, path, _ in iter_operations(spec)])

    def put_for(self, api: str | None) -> ProviderUnderTest:
        """What a behavioural test of ``api`` calls: the provider, or its HTTP stand-in."""
        if not self.over_http:
            return self.provider()
        if self.remote is None:  # --llama-over-http: mount the built provider on first use
            put = self.provider()
            if put.build_error:
                return put
            self.remote = mount_in_process(put, self.options)
        return self.remote.put(api or self.remote.apis[0])

    def provider(self) -> ProviderUnderTest:
        if not self.constructed:
            self.constructed = True
            try:
                construct_provider(self.put)
            except KitUsageError as exc:
                # An environment problem found only while building (a declared package
                # missing): stop with the usage exit code rather than blame the provider.
                if self.on_usage_error is not None:  # in a worker: the scheduling process must say it
                    self.on_usage_error(str(exc))
                pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)
        return self.put

    def close(self) -> None:
        if self.remote is not None:
            self.remote.close()
        problem = self.put.close() if self.constructed and not self.options.stack_url else None
        if problem:
            self.teardown_problems.append(problem)


def open_session(config: pytest.Config) -> KitSession | None:
    """Discover and prepare the provider named on the command line, if any."""
    options = KitOptions.from_config(config)
    if not options.provider and not options.stack_url:
        if not options.provider_module and not options.providers_dir:
            return None
        options = with_single_provider(options)
    keep_hypothesis_out_of_cwd()
    if options.provider and options.stack_url:
        raise pytest.UsageError("Give either --llama-provider (a provider in-process; add --llama-over-http to "
                                "call it through its HTTP routes) or --llama-stack-url (a running deployment), "
                                "not both.")
    if options.stack_url or not options.provider:
        from llama_conformance.behaviour.stress import refuse_non_loopback

        refuse_non_loopback(options.stack_url, options.profile)  # before any request: stress is loopback only
        return open_deployment_session(config, options)
    if options.api_package:
        os.environ[API_PACKAGE_ENV] = options.api_package.replace("-", "_")
    try:
        entry = discover(
            options.provider,
            DiscoveryOptions(
                provider_module=options.provider_module,
                providers_dir=options.providers_dir,
                api=options.api,
                api_package=options.api_package,
            ),
        )
        put = prepare_provider(
            entry,
            BuildOptions(
                config_file=options.provider_config,
                api_package=options.api_package,
                timeout_s=options.timeout_s,
                stack_config=options.stack_config,
                optional_dependencies=not options.without_optional_deps,
            ),
        )
    except KitUsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    try:
        manifest = load_manifest(options.manifest, options.capabilities, put.entry.api)
    except KitUsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    session = KitSession(options=options, put=put, manifest=manifest, seed=session_seed(config),
                         baseline=baseline_of(options))
    config.stash[KIT_SESSION] = session
    return session


def keep_hypothesis_out_of_cwd() -> None:
    """Hypothesis's caches (constants of local modules, Unicode tables) go to the kit's cache.

    ``database=None`` keeps examples out, but Hypothesis still writes ``.hypothesis/`` into
    the working directory, which is the provider author's repository. A location the user
    chose with ``HYPOTHESIS_STORAGE_DIRECTORY`` is kept.
    """
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return
    from hypothesis.configuration import set_hypothesis_home_dir

    try:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except RuntimeError:  # no home directory to find
        cache = Path(tempfile.gettempdir())
    set_hypothesis_home_dir(cache / "llama-conformance" / "hypothesis")


def with_single_provider(options: KitOptions) -> KitOptions:
    """``--llama-provider-module`` (or ``--llama-providers-dir``) without ``--llama-provider``.

    A package that declares one provider leaves no doubt which to check, so the kit checks
    it (the header names it); one that declares several gets a usage error listing their
    types. Silently collecting nothing (pytest's exit 5) would tell the author nothing.
    """
    if options.api_package:
        os.environ[API_PACKAGE_ENV] = options.api_package.replace("-", "_")
    try:
        entry = single_provider(DiscoveryOptions(provider_module=options.provider_module,
                                                 providers_dir=options.providers_dir, api=options.api,
                                                 api_package=options.api_package))
    except KitUsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    return replace(options, provider=entry.provider_type)


def open_deployment_session(config: pytest.Config, options: KitOptions) -> KitSession:
    """``--llama-stack-url``: nothing is built; the deployment is reached through its spec."""
    try:
        target = open_url_target(options)
        manifest = load_manifest(options.manifest, options.capabilities, None)
    except KitUsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    session = KitSession(options=options, put=target.put(target.apis[0]), manifest=manifest,
                        seed=session_seed(config), constructed=True, remote=target, baseline=baseline_of(options))
    config.stash[KIT_SESSION] = session
    return session


def baseline_of(options: KitOptions) -> Baseline | None:
    if options.update_baseline and options.baseline is None:
        raise pytest.UsageError("--llama-update-baseline needs --llama-baseline FILE: the file to write.")
    if options.baseline is None:
        return None
    try:
        return load_baseline(options.baseline, must_exist=not options.update_baseline)
    except KitUsageError as exc:
        raise pytest.UsageError(str(exc)) from None


WORKER_SEED = "llama_conformance_seed"  # xdist: the controller's seed, so every worker draws alike


def session_seed(config: pytest.Config) -> int:
    """Hypothesis's --hypothesis-seed if given, else a fresh one, printed so a run can be repeated."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput and WORKER_SEED in workerinput:
        return int(workerinput[WORKER_SEED])
    try:
        given = config.getoption("hypothesis_seed")
    except ValueError:  # Hypothesis's pytest plugin disabled
        given = None
    if given is not None:
        try:
            return int(given)
        except ValueError:
            raise pytest.UsageError(f"--hypothesis-seed must be an integer for the kit, got {given!r}") from None
    return random.SystemRandom().randrange(2**32)


def kit_session(config: pytest.Config) -> KitSession | None:
    return config.stash.get(KIT_SESSION, None)
