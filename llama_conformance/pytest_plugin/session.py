"""One provider per pytest session: discover and prepare at configure, build on first use.

Discovery and preparation (imports, contract, config validation) run in
``pytest_configure`` so a usage problem stops the run with exit code 4 before any test.
The factory runs lazily in the session fixture, so a provider that raises or hangs while
building fails ``test_build`` and the run continues to its summary.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field

import pytest

from llama_conformance.behaviour.profiles import PROFILES, Profile
from llama_conformance.behaviour.served import ServedModels, discover_served_models
from llama_conformance.capabilities import Manifest, load_manifest
from llama_conformance.discovery import DiscoveryOptions, discover
from llama_conformance.errors import KitUsageError
from llama_conformance.harness import (
    BuildOptions,
    ProviderUnderTest,
    construct_provider,
    prepare_provider,
)
from llama_conformance.harness.dependencies import API_PACKAGE_ENV
from llama_conformance.pytest_plugin.options import KitOptions

KIT_SESSION = pytest.StashKey["KitSession"]()


@dataclass
class KitSession:
    options: KitOptions
    put: ProviderUnderTest
    manifest: Manifest = field(default_factory=Manifest)
    seed: int = 0
    constructed: bool = False
    teardown_problems: list[str] = field(default_factory=list)
    served: ServedModels | None = None

    @property
    def profile(self) -> Profile:
        return PROFILES[self.options.profile]

    def served_models(self) -> ServedModels:
        """The models the provider serves, registering the manifest's first (once per run)."""
        if self.served is None:
            self.served = discover_served_models(self.put, self.manifest)
        return self.served

    def provider(self) -> ProviderUnderTest:
        if not self.constructed:
            self.constructed = True
            try:
                construct_provider(self.put)
            except KitUsageError as exc:
                # An environment problem found only while building (a declared package
                # missing): stop with the usage exit code rather than blame the provider.
                pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)
        return self.put

    def close(self) -> None:
        problem = self.put.close() if self.constructed else None
        if problem:
            self.teardown_problems.append(problem)


def open_session(config: pytest.Config) -> KitSession | None:
    """Discover and prepare the provider named on the command line, if any."""
    options = KitOptions.from_config(config)
    if not options.provider:
        return None
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
            ),
        )
    except KitUsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    try:
        manifest = load_manifest(options.manifest, options.capabilities, put.entry.api)
    except KitUsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    session = KitSession(options=options, put=put, manifest=manifest, seed=session_seed(config))
    config.stash[KIT_SESSION] = session
    return session


def session_seed(config: pytest.Config) -> int:
    """Hypothesis's --hypothesis-seed if given, else a fresh one, printed so a run can be repeated."""
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
