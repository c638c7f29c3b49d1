"""One target per pytest session: discover and prepare at configure (``target.KitSession`` holds it).

Discovery and preparation (imports, contract, config validation) run in
``pytest_configure`` so a usage problem stops the run with exit code 4 before any test.
The factory runs lazily in the session fixture, so a provider that raises or hangs while
building fails ``test_build`` and the run continues to its summary. This module is the pytest
wiring only: options from the command line, the seed, the stash, usage errors as pytest's.
"""

from __future__ import annotations

import os
import random
from dataclasses import replace
from typing import NoReturn

import pytest

from llama_conformance.cache_folder import kit_cache_dir
from llama_conformance.capabilities import load_manifest
from llama_conformance.contract import select_api_package
from llama_conformance.discovery import DiscoveryOptions, discover, single_provider
from llama_conformance.errors import KitUsageError
from llama_conformance.harness import BuildOptions, prepare_provider
from llama_conformance.pytest_plugin.isolation import worker_run_dir
from llama_conformance.pytest_plugin.options import options_from_config
from llama_conformance.report.baseline import Baseline, load_baseline
from llama_conformance.target import KitOptions, KitSession, open_url_target

KIT_SESSION = pytest.StashKey["KitSession"]()


def _usage_exit(message: str) -> NoReturn:
    pytest.exit(message, returncode=pytest.ExitCode.USAGE_ERROR)


def open_session(config: pytest.Config) -> KitSession | None:
    """Discover and prepare the provider named on the command line, if any."""
    options = options_from_config(config)
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
        select_api_package(options.api_package)
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
                scratch_root=worker_run_dir(config),
            ),
        )
    except KitUsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    try:
        manifest = load_manifest(options.manifest, options.capabilities, put.entry.api)
        session = KitSession(options=options, put=put, manifest=manifest, seed=session_seed(config),
                             baseline=baseline_of(options), stop_run=_usage_exit)
    except BaseException as exc:  # refused after preparing (or the session's own exit): nothing uses the provider
        put.discard_workdir()
        if isinstance(exc, KitUsageError):
            raise pytest.UsageError(str(exc)) from None
        raise
    config.stash[KIT_SESSION] = session
    return session


def keep_hypothesis_out_of_cwd() -> None:
    """Hypothesis's caches (constants of local modules, Unicode tables) go to the kit's cache folder.

    ``database=None`` keeps examples out, but Hypothesis still writes ``.hypothesis/`` into
    the working directory, which is the provider author's repository. A location the user
    chose with ``HYPOTHESIS_STORAGE_DIRECTORY`` is kept. In the kit's folder they stay warm
    from run to run: a cold one cost a run 0.3-0.4 s of CPU (Hypothesis parses every local
    module for constants on the first draw).
    """
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(kit_cache_dir() / "hypothesis")


def with_single_provider(options: KitOptions) -> KitOptions:
    """``--llama-provider-module`` (or ``--llama-providers-dir``) without ``--llama-provider``.

    A package that declares one provider leaves no doubt which to check, so the kit checks
    it (the header names it); one that declares several gets a usage error listing their
    types. Silently collecting nothing (pytest's exit 5) would tell the author nothing.
    """
    if options.api_package:
        select_api_package(options.api_package)
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
    session = KitSession(options=options, put=target.put_for(None), manifest=manifest, seed=session_seed(config),
                         constructed=True, remote=target, baseline=baseline_of(options), stop_run=_usage_exit)
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
