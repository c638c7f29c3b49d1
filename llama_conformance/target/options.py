"""The run's options as the kit's layers read them (parsed from the command line by ``pytest_plugin.options``).

A value no run can use (a timeout of 0, an isolation mode that does not exist, a build option
with a deployment URL) is the user's mistake: ``KitUsageError``, which pytest reports as a
usage error (exit code 4) before any test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from llama_conformance.errors import KitUsageError
from llama_conformance.gate import DEFAULT_TIMEOUT_S
from llama_conformance.isolation.memory import DEFAULT_MEMORY_LIMIT, format_size
from llama_conformance.target.profiles import DEFAULT_PROFILE
from llama_conformance.transport.limits import DEFAULT_MAX_REQUESTS

PROCESS, OFF = "process", "off"
ISOLATION_MODES = (PROCESS, OFF)
ISOLATION_ENV = "LLAMA_CONFORMANCE_ISOLATION"  # a CI's default for --llama-isolation


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
    stack_url: str | None = field(default=None, repr=False)  # it may carry credentials (user:password@)
    stack_headers: tuple[str, ...] = field(default=(), repr=False)  # their values are secrets
    # A second user's headers (--llama-stack-second-user-header): the tenancy suite checks the two
    # users' resources are kept apart. Secrets like ``stack_headers``.
    second_user_headers: tuple[str, ...] = field(default=(), repr=False)
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
            raise KitUsageError(
                f"--llama-isolation (or ${ISOLATION_ENV}) must be one of {', '.join(ISOLATION_MODES)}, got "
                f"{self.isolation!r}: `process` runs the provider in a worker process the kit can replace, `off` in "
                "the pytest process. Give one of them and run again.")
        self.check_build_options()
        self.check_second_user()

    def check_build_options(self) -> None:
        """Options that shape how a provider is built mean nothing for a deployment URL: say so, not ignore them."""
        if self.stack_url and (self.stack_config or self.without_optional_deps):
            given = "--llama-stack-config" if self.stack_config else "--llama-without-optional-deps"
            raise KitUsageError(
                f"{given} shapes how the kit builds a provider in-process (--llama-provider); with "
                "--llama-stack-url nothing is built, the deployment brings its own dependencies. Leave it out."
            )

    def check_second_user(self) -> None:
        """A second user only means something for a deployment, and only as someone other than the first."""
        if not self.second_user_headers:
            return
        if not self.stack_url:
            raise KitUsageError(
                "--llama-stack-second-user-header names a second user of a deployment, so the tenancy suite can check "
                "that neither user sees the other's files, vector stores, conversations or responses; it needs "
                "--llama-stack-url (a provider run in-process has no users). Give the deployment's URL, or leave "
                "the option out.")
        first = parse_headers(self.stack_headers)
        second = parse_headers(self.second_user_headers, SECOND_USER_FLAG)
        if second == first:
            raise KitUsageError(
                f"{SECOND_USER_FLAG} gives the same headers as --llama-stack-header, so both \"users\" are one user "
                "and per-user isolation cannot be checked: each would see its own resources. Give the second "
                "user's own credential, e.g. --llama-stack-second-user-header 'Authorization: Bearer <its token>'.")

    @property
    def target(self) -> str | None:
        """What the run checks: a provider type or a deployment URL."""
        return self.provider or self.stack_url

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
        args += [f"{SECOND_USER_FLAG}={header.split(':', 1)[0]}: <redacted>" for header in self.second_user_headers]
        return args


HEADER_FLAG = "--llama-stack-header"
SECOND_USER_FLAG = "--llama-stack-second-user-header"


def parse_headers(raw: tuple[str, ...], flag: str = HEADER_FLAG) -> dict[str, str]:
    """``('Name: value', ...)`` as a dict; anything else is a usage error naming the flag (never the value)."""
    headers: dict[str, str] = {}
    for item in raw:
        name, sep, value = item.partition(":")
        if not sep:  # no name to show: the whole item may be the credential itself
            raise KitUsageError(f"{flag} takes 'Name: value', got {len(item)} characters without a ':' (not "
                                "shown: it may be a credential). Give e.g. 'Authorization: Bearer <token>'.")
        if not name.strip() or any(c.isspace() for c in name.strip()):
            # Not shown either: 'Authorization Bearer <token>:x' puts the token before the ':'.
            raise KitUsageError(f"{flag} takes 'Name: value', got a name of {len(name.strip())} characters that is "
                                "empty or holds a space (not shown: it may hold a credential); a header name is one "
                                "word. Give e.g. 'Authorization: Bearer <token>'.")
        headers[name.strip()] = value.strip()
    return headers


MAX_TIMEOUT_S = 86_400.0  # a call allowed to run longer than a day is a hang in practice


def check_numbers(timeout_s: float, max_requests: int) -> None:
    """Refuse numbers no run can use: the mistake is the user's, not the provider's."""
    if not (math.isfinite(timeout_s) and 0 < timeout_s <= MAX_TIMEOUT_S):
        raise KitUsageError(
            f"--llama-timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT_S:g} (one day), "
            f"got {timeout_s:g}. It is the deadline of every call into provider code, so such a value would make "
            f"the kit blame the provider for hanging (call.no-hang) or never stop a hung call. Give e.g. "
            f"--llama-timeout={DEFAULT_TIMEOUT_S:g} (the default) and run again."
        )
    if max_requests < 1:
        raise KitUsageError(
            f"--llama-max-requests must be a whole number of requests of at least 1, got {max_requests}: with no "
            f"budget the HTTP suites could send nothing and would check nothing. Give e.g. "
            f"--llama-max-requests={DEFAULT_MAX_REQUESTS} (the default) and run again."
        )
