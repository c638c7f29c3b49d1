"""Command-line options of the kit; the parsed view the other layers read is ``target.options.KitOptions``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from llama_conformance.errors import KitUsageError
from llama_conformance.gate import DEFAULT_TIMEOUT_S
from llama_conformance.isolation.memory import DEFAULT_MEMORY_LIMIT, format_size, parse_memory_limit
from llama_conformance.target.options import ISOLATION_ENV, ISOLATION_MODES, PROCESS, KitOptions
from llama_conformance.target.profiles import DEFAULT_PROFILE, PROFILES
from llama_conformance.transport.limits import DEFAULT_MAX_REQUESTS

# What names provider code to build and run here; with a deployment URL, what names anything to check.
PROVIDER_OPTIONS = ("--llama-provider", "--llama-provider-module", "--llama-providers-dir")
TARGET_OPTIONS = (*PROVIDER_OPTIONS, "--llama-stack-url")


def names_any(config: pytest.Config, options: tuple[str, ...]) -> bool:
    """Whether the command line gives one of ``options`` (else the plugin stays out of the user's way)."""
    return any(config.getoption(name) for name in options)


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
    group.addoption("--llama-stack-second-user-header", metavar="'NAME: VALUE'", action="append", default=[],
                    help="With --llama-stack-url: a second user's header (repeatable, like --llama-stack-header, "
                         "which is the first user's). The tenancy suite then checks neither user can read, list "
                         "or delete the other's files, vector stores, conversations and responses. Values are "
                         "redacted from all output.")
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
                         "the pytest process (a few tenths of a second faster to start, the worker being a fork "
                         "of this process on Linux; a crash ends the run, and a call that "
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


def options_from_config(config: pytest.Config) -> KitOptions:
    """The command line as ``KitOptions``; a value no run can use is a usage error."""
    get = config.getoption
    try:
        return KitOptions(
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
            second_user_headers=tuple(get("--llama-stack-second-user-header") or ()),
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
    except KitUsageError as exc:
        raise pytest.UsageError(str(exc)) from None


def memory_limit_of(text: str) -> int | None:
    try:
        return parse_memory_limit(text)
    except ValueError as exc:
        raise pytest.UsageError(
            f"--llama-memory-limit: {exc}. It is the ceiling of the process that runs the provider; past it an "
            f"allocation fails with MemoryError. Give e.g. --llama-memory-limit="
            f"{format_size(DEFAULT_MEMORY_LIMIT).replace(' ', '')} (the default) or `none`, and run again."
        ) from None
