"""Command-line options of the kit, and the parsed view the other modules use."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from llama_conformance.behaviour.profiles import DEFAULT_PROFILE, PROFILES
from llama_conformance.gate import DEFAULT_TIMEOUT_S
from llama_conformance.isolation.memory import DEFAULT_MEMORY_LIMIT, format_size, parse_memory_limit
from llama_conformance.transport.client import DEFAULT_MAX_REQUESTS

PROCESS, OFF = "process", "off"
ISOLATION_MODES = (PROCESS, OFF)
ISOLATION_ENV = "LLAMA_CONFORMANCE_ISOLATION"  # a CI's default for --llama-isolation


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
    group.addoption("--llama-stack-config", metavar="RUN.yaml", type=Path,
                    help="A server run config (ogx / llama-stack): the provider's dependencies are the providers it "
                         "lists for those APIs, built from the installed server's registry with their configs, "
                         "instead of the kit's stand-ins; a provider type it lists takes its config from there "
                         "unless --llama-provider-config is given.")
    group.addoption("--llama-without-optional-deps", action="store_true", default=False,
                    help="Build the provider with its required dependencies only, as a server whose config "
                         "does not serve the optional APIs (checks the provider copes without them).")
    group.addoption("--llama-api", metavar="API",
                    help="The API to check the provider for, when its type exists for several APIs; "
                         "with --llama-stack-url, the APIs of the deployment to check (comma-separated).")
    group.addoption("--llama-api-package", metavar="NAME",
                    help="Contract package when both are installed: ogx_api or llama_stack_api. "
                         "Default: the one the provider is built against.")
    group.addoption("--llama-timeout", metavar="SECONDS", type=float, default=DEFAULT_TIMEOUT_S,
                    help=f"Deadline for each call into provider code (default {DEFAULT_TIMEOUT_S:g}).")
    group.addoption("--llama-manifest", metavar="FILE", type=Path,
                    help="YAML manifest: `capabilities:` the provider declares and `models:` to register.")
    group.addoption("--llama-capability", metavar="NAME", action="append", default=[],
                    help="Declare an optional capability (repeatable), e.g. streaming, embeddings, rerank.")
    group.addoption("--llama-stack-url", metavar="URL",
                    help="A running ogx / llama-stack deployment to check over HTTP instead of a provider "
                         "in-process: its OpenAPI spec is repaired and fuzzed, and the behavioural suites run "
                         "against its routes. Traffic goes to this host and port only.")
    group.addoption("--llama-stack-header", metavar="'NAME: VALUE'", action="append", default=[],
                    help="Header sent with every request to --llama-stack-url (repeatable), e.g. "
                         "'Authorization: Bearer ...'. Values are redacted from all output.")
    group.addoption("--llama-over-http", action="store_true", default=False,
                    help="With --llama-provider: serve the provider through its API package's own routers "
                         "in-process and run the behavioural suites over HTTP (ASGI), without a server process.")
    group.addoption("--llama-openapi", metavar="FILE", type=Path,
                    help="Use this OpenAPI document instead of fetching URL/openapi.json.")
    group.addoption("--llama-max-requests", metavar="N", type=int, default=DEFAULT_MAX_REQUESTS,
                    help=f"Most requests a run sends to --llama-stack-url (default {DEFAULT_MAX_REQUESTS}).")
    group.addoption("--llama-report", metavar="DIR", type=Path,
                    help="Write the certification report to DIR: report.json (schema-validated), report.md, "
                         "report.html (self-contained) and badge.svg.")
    group.addoption("--llama-strict", action="store_true", default=False,
                    help="SHOULD findings fail their checks (and lower the verdict) instead of being warnings.")
    group.addoption("--llama-baseline", metavar="FILE", type=Path,
                    help="YAML of expected failures by check id: they pass as xfail; any other failure fails the "
                         "run, and so does a baselined check that now passes (stale baseline).")
    group.addoption("--llama-update-baseline", action="store_true", default=False,
                    help="With --llama-baseline: rewrite FILE with the checks failing in this run.")
    group.addoption("--llama-isolation", metavar="MODE", choices=ISOLATION_MODES,
                    default=os.environ.get(ISOLATION_ENV, PROCESS),
                    help="Where provider code runs. `process` (default): in a worker process the kit replaces "
                         "when the provider crashes it (segfault, os._exit) or blocks it past the deadline; the "
                         "finding names the call and the remaining tests run on a rebuilt provider. `off`: in "
                         "the pytest process (about 4 s faster to start; a crash ends the run, and a call that "
                         f"never yields is abandoned, not stopped). Default: ${ISOLATION_ENV}, else `process`.")
    group.addoption("--llama-memory-limit", metavar="SIZE", default=format_size(DEFAULT_MEMORY_LIMIT).replace(" ", ""),
                    help="Memory ceiling of the process running the provider (RLIMIT_DATA), e.g. 4GiB, 512MiB, "
                         f"or `none`. Past it an allocation raises MemoryError (call.resource-bound). Default "
                         f"{format_size(DEFAULT_MEMORY_LIMIT)}.")
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
    stack_url: str | None = None
    stack_headers: tuple[str, ...] = ()
    openapi_file: Path | None = None
    max_requests: int = DEFAULT_MAX_REQUESTS
    over_http: bool = False
    report_dir: Path | None = None
    strict: bool = False
    baseline: Path | None = None
    update_baseline: bool = False
    stack_config: Path | None = None
    without_optional_deps: bool = False
    isolation: str = PROCESS
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT

    def __post_init__(self) -> None:
        check_numbers(self.timeout_s, self.max_requests)
        if self.isolation not in ISOLATION_MODES:
            raise pytest.UsageError(
                f"--llama-isolation (or ${ISOLATION_ENV}) must be one of {', '.join(ISOLATION_MODES)}, got "
                f"{self.isolation!r}: `process` runs the provider in a worker process the kit can replace, `off` in "
                "the pytest process. Give one of them and run again.")
        self.check_build_options()

    def check_build_options(self) -> None:
        """Options that shape how a provider is built mean nothing for a deployment URL: say so, not ignore them."""
        if self.stack_url and (self.stack_config or self.without_optional_deps):
            given = "--llama-stack-config" if self.stack_config else "--llama-without-optional-deps"
            raise pytest.UsageError(
                f"{given} shapes how the kit builds a provider in-process (--llama-provider); with "
                "--llama-stack-url nothing is built, the deployment brings its own dependencies. Leave it out."
            )

    @property
    def target(self) -> str | None:
        """What the run checks: a provider type or a deployment URL."""
        return self.provider or self.stack_url

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
            stack_url=get("--llama-stack-url"),
            stack_headers=tuple(get("--llama-stack-header") or ()),
            openapi_file=get("--llama-openapi"),
            max_requests=get("--llama-max-requests"),
            over_http=get("--llama-over-http"),
            report_dir=get("--llama-report"),
            strict=get("--llama-strict"),
            baseline=get("--llama-baseline"),
            update_baseline=get("--llama-update-baseline"),
            stack_config=get("--llama-stack-config"),
            without_optional_deps=get("--llama-without-optional-deps"),
            isolation=get("--llama-isolation"),
            memory_limit=memory_limit_of(get("--llama-memory-limit")),
        )

    def rerun_arguments(self) -> list[str]:
        """The options that select this provider and budget, for a one-line rerun command."""
        pairs = [
            ("--llama-provider", self.provider), ("--llama-provider-module", self.provider_module),
            ("--llama-providers-dir", self.providers_dir), ("--llama-provider-config", self.provider_config),
            ("--llama-stack-config", self.stack_config),
            ("--llama-api", self.api), ("--llama-api-package", self.api_package),
            ("--llama-manifest", self.manifest), ("--llama-stack-url", self.stack_url),
            ("--llama-openapi", self.openapi_file),
            ("--llama-profile", None if self.profile == DEFAULT_PROFILE else self.profile),
        ]
        args = [f"{flag}={value}" for flag, value in pairs if value]
        args += [f"--llama-capability={name}" for name in self.capabilities]
        args += ["--llama-over-http"] if self.over_http else []
        args += ["--llama-without-optional-deps"] if self.without_optional_deps else []
        args += [f"--llama-isolation={self.isolation}"] if self.isolation != PROCESS else []
        if self.memory_limit != DEFAULT_MEMORY_LIMIT:
            limit = format_size(self.memory_limit).replace(" ", "") if self.memory_limit else "none"
            args += [f"--llama-memory-limit={limit}"]
        args += ["--llama-strict"] if self.strict else []
        # Header values are secrets: the rerun line names the header and leaves the value out.
        args += [f"--llama-stack-header={header.split(':', 1)[0]}: <redacted>" for header in self.stack_headers]
        return args


def memory_limit_of(text: str) -> int | None:
    try:
        return parse_memory_limit(text)
    except ValueError as exc:
        raise pytest.UsageError(
            f"--llama-memory-limit: {exc}. It is the ceiling of the process that runs the provider; past it an "
            f"allocation fails with MemoryError. Give e.g. --llama-memory-limit="
            f"{format_size(DEFAULT_MEMORY_LIMIT).replace(' ', '')} (the default) or `none`, and run again."
        ) from None


MAX_TIMEOUT_S = 86_400.0  # a call allowed to run longer than a day is a hang in practice


def check_numbers(timeout_s: float, max_requests: int) -> None:
    """Refuse numbers no run can use: the mistake is the user's, not the provider's."""
    if not (math.isfinite(timeout_s) and 0 < timeout_s <= MAX_TIMEOUT_S):
        raise pytest.UsageError(
            f"--llama-timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT_S:g} (one day), "
            f"got {timeout_s:g}. It is the deadline of every call into provider code, so such a value would make "
            f"the kit blame the provider for hanging (call.no-hang) or never stop a hung call. Give e.g. "
            f"--llama-timeout={DEFAULT_TIMEOUT_S:g} (the default) and run again."
        )
    if max_requests < 1:
        raise pytest.UsageError(
            f"--llama-max-requests must be a whole number of requests of at least 1, got {max_requests}: with no "
            f"budget the HTTP suites could send nothing and would check nothing. Give e.g. "
            f"--llama-max-requests={DEFAULT_MAX_REQUESTS} (the default) and run again."
        )
