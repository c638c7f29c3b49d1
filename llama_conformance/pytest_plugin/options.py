"""Command-line options of the kit, and the parsed view the other modules use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from llama_conformance.behaviour.profiles import DEFAULT_PROFILE, PROFILES
from llama_conformance.gate import DEFAULT_TIMEOUT_S


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("llama-conformance", "Llama Stack / OGX provider conformance")
    group.addoption("--llama-provider", metavar="TYPE",
                    help="Provider type to check, e.g. remote::my-provider or inline::localfs.")
    group.addoption("--llama-provider-module", metavar="PKG",
                    help="Package whose PKG.provider.get_provider_spec() declares the provider.")
    group.addoption("--llama-providers-dir", metavar="DIR", type=Path,
                    help="External providers directory in the server's remote|inline/<api>/<name>.yaml layout.")
    group.addoption("--llama-provider-config", metavar="FILE", type=Path,
                    help="Provider config YAML (${env.VAR:=default} is expanded like the server does). "
                         "Default: the config class's sample_run_config().")
    group.addoption("--llama-api", metavar="API",
                    help="The API to check the provider for, when its type exists for several APIs.")
    group.addoption("--llama-api-package", metavar="NAME",
                    help="Contract package when both are installed: ogx_api or llama_stack_api. "
                         "Default: the one the provider is built against.")
    group.addoption("--llama-timeout", metavar="SECONDS", type=float, default=DEFAULT_TIMEOUT_S,
                    help=f"Deadline for each call into provider code (default {DEFAULT_TIMEOUT_S:g}).")
    group.addoption("--llama-manifest", metavar="FILE", type=Path,
                    help="YAML manifest: `capabilities:` the provider declares and `models:` to register.")
    group.addoption("--llama-capability", metavar="NAME", action="append", default=[],
                    help="Declare an optional capability (repeatable), e.g. streaming, embeddings, rerank.")
    group.addoption("--llama-profile", metavar="NAME", choices=sorted(PROFILES), default=DEFAULT_PROFILE,
                    help="Example budget of the behavioural suites: "
                         + "; ".join(f"{name} ({p.max_examples} examples per check, {p.description})"
                                     for name, p in sorted(PROFILES.items()))
                         + f". Default {DEFAULT_PROFILE}. The seed is Hypothesis's --hypothesis-seed.")


@dataclass(frozen=True)
class KitOptions:
    provider: str | None
    provider_module: str | None
    providers_dir: Path | None
    provider_config: Path | None
    api: str | None
    api_package: str | None
    timeout_s: float
    manifest: Path | None = None
    capabilities: tuple[str, ...] = ()
    profile: str = DEFAULT_PROFILE

    @classmethod
    def from_config(cls, config: pytest.Config) -> KitOptions:
        get = config.getoption
        return cls(
            provider=get("--llama-provider"),
            provider_module=get("--llama-provider-module"),
            providers_dir=get("--llama-providers-dir"),
            provider_config=get("--llama-provider-config"),
            api=get("--llama-api"),
            api_package=get("--llama-api-package"),
            timeout_s=get("--llama-timeout"),
            manifest=get("--llama-manifest"),
            capabilities=tuple(get("--llama-capability") or ()),
            profile=get("--llama-profile"),
        )

    def rerun_arguments(self) -> list[str]:
        """The options that select this provider and budget, for a one-line rerun command."""
        pairs = [
            ("--llama-provider", self.provider), ("--llama-provider-module", self.provider_module),
            ("--llama-providers-dir", self.providers_dir), ("--llama-provider-config", self.provider_config),
            ("--llama-api", self.api), ("--llama-api-package", self.api_package),
            ("--llama-manifest", self.manifest),
            ("--llama-profile", None if self.profile == DEFAULT_PROFILE else self.profile),
        ]
        args = [f"{flag}={value}" for flag, value in pairs if value]
        args += [f"--llama-capability={name}" for name in self.capabilities]
        return args
