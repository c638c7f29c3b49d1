"""``KitSession``: one run's target, options, manifest and seed: what a behavioural test holds.

The pytest plugin opens it at configure (``pytest_plugin.session``) and closes it at the end;
the ``Kit`` of every behavioural test reads it. The provider is discovered and prepared before
any test; its factory runs lazily, on the first test that needs it, so a provider that raises
or hangs while building fails ``test_build`` and the run continues to its summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from llama_conformance.capabilities import Manifest
from llama_conformance.errors import KitUsageError
from llama_conformance.harness import ProviderUnderTest
from llama_conformance.target.base import Target
from llama_conformance.target.http import RemoteTarget, mount_in_process
from llama_conformance.target.options import KitOptions
from llama_conformance.target.profiles import PROFILES, Profile
from llama_conformance.target.provider import ProviderTarget
from llama_conformance.target.served import ServedModels, discover_served_models


def _raise_usage(message: str) -> NoReturn:
    raise KitUsageError(message)


@dataclass
class KitSession:
    options: KitOptions
    put: ProviderUnderTest  # the provider built in-process; for a deployment, the stand-in of its first API
    manifest: Manifest = field(default_factory=Manifest)
    seed: int = 0
    constructed: bool = False
    teardown_problems: list[str] = field(default_factory=list)
    served: dict[str, ServedModels] = field(default_factory=dict)
    remote: RemoteTarget | None = None  # HTTP mode: a deployment, or the provider behind its routers
    baseline: Any = None  # --llama-baseline (``report.baseline.Baseline``): failures expected by check id
    # Set in an xdist worker: hands a usage error found while building to the scheduling process.
    on_usage_error: Callable[[str], None] | None = None
    # How a usage error found while building stops the run (the plugin: pytest's usage exit).
    stop_run: Callable[[str], NoReturn] = _raise_usage

    def __repr__(self) -> str:
        """What the run checks, in a line (the dataclass's repr held the provider, its contract and config)."""
        return f"KitSession({self.put!r}, over_http={self.over_http}, profile={self.options.profile!r})"

    def __post_init__(self) -> None:
        if self.options.over_http and not self.options.stack_url:
            self._check_routers()

    def _check_routers(self) -> None:
        """--llama-over-http mounts the provider behind its API package's own routers: a package without
        them (llama-stack 0.2) cannot be served that way, which is the user's to know before any test."""
        from llama_conformance.contract.routes import has_routers

        package, api = self.put.contract.package, self.put.entry.api
        if has_routers(package, api):
            return
        self.stop_run(
            f"--llama-over-http cannot judge this provider: it serves the provider through its API package's own "
            f"FastAPI routers ({api}.fastapi_routes.create_router), and {package} ({package.name}) has none: that "
            "generation declared its routes with @webmethod on the protocols and its server built them itself, "
            "which the kit does not reproduce. Judge the provider in-process instead (drop --llama-over-http): "
            "every behavioural, negative and stateful check runs there against the same contract; only the "
            "checks of HTTP answers (framing, error bodies, the fuzz suite) need a server.")

    @property
    def profile(self) -> Profile:
        return PROFILES[self.options.profile]

    @property
    def over_http(self) -> bool:
        return self.remote is not None or self.options.over_http

    @property
    def target(self) -> Target:
        """What the run checks: the deployment, the provider behind its routers, or the provider itself."""
        if self.remote is not None:
            return self.remote
        return ProviderTarget(self.put, constructed=self.constructed)

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
        """The target's operations, known before anything is built (the fuzz suite's items)."""
        return self.target.operations()

    def put_for(self, api: str | None) -> ProviderUnderTest:
        """What a behavioural test of ``api`` calls: the provider, or its HTTP stand-in."""
        if not self.over_http:
            return self.provider()
        if self.remote is None:  # --llama-over-http: mount the built provider on first use
            put = self.provider()
            if put.build_error:
                return put
            self.remote = mount_in_process(put, self.options)
        return self.remote.put_for(api)

    def provider(self) -> ProviderUnderTest:
        """The provider, built on first use; a usage error found while building stops the run."""
        if not self.constructed:
            target = ProviderTarget(self.put)
            self.constructed = True
            try:
                target.build()
            except KitUsageError as exc:
                # An environment problem found only while building (a declared package
                # missing): stop with the usage exit code rather than blame the provider.
                self.usage_error(str(exc))
        return self.put

    def usage_error(self, message: str) -> NoReturn:
        """End the run with the usage exit code: an environment problem found after the session opened (while
        building the provider, or a package that fails to import when a test first needs it), which no test's
        verdict may take the blame for."""
        if self.on_usage_error is not None:  # in a worker: the scheduling process must say it
            self.on_usage_error(message)
        self.stop_run(message)

    def close(self) -> None:
        if self.remote is not None:
            self.remote.close()
        problem = self.put.close() if self.constructed and not self.options.stack_url else None
        if problem:
            self.teardown_problems.append(problem)
