"""HTTP mode: the suites run against a deployment's routes instead of a provider object.

Two ways in, one machinery:

* ``--llama-stack-url URL``: a running server. Its ``/openapi.json`` is fetched (a dead URL
  is a usage error within seconds), the APIs it serves are read from the routes it
  publishes, and every behavioural test reaches the server through ``RemoteImpl``.
* ``--llama-provider TYPE --llama-over-http``: the provider is built in-process and mounted
  behind the package's own routers (``transport.asgi``); requests travel through
  ``httpx.ASGITransport``. Serialization, routing and error translation are exercised
  without a server process: the kit's fast path for its own HTTP tests.

One ``CallGate`` runs every request, so a server that stops mid-stream fails
``call.no-hang`` for that call and the run moves on. The fuzz suite's state over a target (its
schemathesis schema, request budget and id feedback) is the fuzzer's (``fuzz.session``).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Any

from llama_conformance.contract import Contract, installed_api_packages, load_contract
from llama_conformance.contract.routes import package_routes, published_form
from llama_conformance.discovery import DEPLOYMENT_MODULE, ProviderEntry
from llama_conformance.errors import KitUsageError
from llama_conformance.evidence import EvidenceLog
from llama_conformance.gate import CallGate
from llama_conformance.harness import ProviderUnderTest
from llama_conformance.redact import Redactor
from llama_conformance.target.base import Target
from llama_conformance.target.options import SECOND_USER_FLAG, KitOptions, parse_headers

__all__ = ["RemoteTarget", "mount_in_process", "open_url_target", "parse_headers"]


def _published(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in (spec.get("paths") or {}).items() if isinstance(item, dict)
        for method in item
    }


def _matched(contract: Contract, published: set[tuple[str, str]]) -> list[Any]:
    routes = contract.routes()
    return [r for api in routes.apis() for r in routes.of_api(api) if (r.method, published_form(r.path)) in published]


def served_apis(contract: Contract, spec: dict[str, Any]) -> list[str]:
    """APIs with at least one contract route published in ``spec`` (same verb and path)."""
    return sorted({route.api for route in _matched(contract, _published(spec))})


def operations_of(contract: Contract, spec: dict[str, Any], apis: list[str]) -> dict[str, Any]:
    """``spec`` keeping only the operations of ``apis`` (routes the contract maps to their members).

    ``--llama-api`` narrows everything a run checks: the behavioural suites by their API
    marker, the fuzz suite by the operations it finds in the document.
    """
    from llama_conformance.openapi.sse import HTTP_METHODS

    routes = contract.routes()
    keep = {(route.method, published_form(route.path)) for api in apis for route in routes.of_api(api)}
    paths: dict[str, Any] = {}
    for path, item in (spec.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        kept = {key: value for key, value in item.items() if key not in HTTP_METHODS or (key.upper(), path) in keep}
        if any(key in HTTP_METHODS for key in kept):
            paths[path] = kept
    return {**spec, "paths": paths}


def contract_for_spec(spec: dict[str, Any], requested: str | None) -> Contract:
    """The API package the deployment serves: ``--llama-api-package``, else the installed package
    whose routers account for the most of the spec's operations (the newest on a tie).

    The servers' documents do not name their package ("FastAPI 0.1.0"); their routes do:
    llama-stack 0.7 publishes safety, scoring and datasetio routes ogx 1.x no longer has, and
    ogx publishes skills and messages routes llama-stack 0.7 never had.
    """
    if requested:
        return load_contract(requested.replace("-", "_"))
    published = _published(spec)
    best: tuple[int, str] | None = None
    for package in installed_api_packages():  # newest first: a tie keeps the newer
        score = len(published & package_routes(package))
        if best is None or score > best[0]:
            best = (score, package.name)
        if score == len(published):  # it accounts for every operation: no need to import another
            break
    return load_contract(best[1] if best else None)


@dataclass
class RemoteTarget(Target):
    """The deployment under test (or the provider behind its routers) and the HTTP machinery every
    remote call shares."""

    url: str
    contract: Contract
    gate: CallGate
    redactor: Redactor
    client: Any  # transport.TargetClient
    spec: dict[str, Any]
    apis: list[str]
    in_process: bool = False
    # Every API the deployment publishes, whichever --llama-api picks: what a suite under test may
    # lean on (a batch needs the deployment's files and inference).
    served: list[str] = field(default_factory=list)
    app: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    puts: dict[str, ProviderUnderTest] = field(default_factory=dict)
    # The second user (--llama-stack-second-user-header): its own client, and its stand-in per API.
    second_user_headers: dict[str, str] = field(default_factory=dict)
    second_user_client: Any = None
    second_user_puts: dict[str, ProviderUnderTest] = field(default_factory=dict)
    # The evidence log every put of this target shares. In-process (--llama-over-http) it is the built
    # provider's, so what the provider raised behind its routes (``harness.witness``) judges as it would
    # in-process; a URL deployment's stays empty of provider evidence.
    evidence: EvidenceLog = field(default_factory=EvidenceLog)
    _repaired: Any = None

    def __repr__(self) -> str:
        """The target in a line: never its URL or headers (credentials) nor its OpenAPI document, which the
        dataclass's repr spelled out for each failing fuzz test (in full from ``-vv``)."""
        where = "the package's routers in-process" if self.in_process else "a deployment"
        return f"RemoteTarget({where}, apis={self.apis!r})"

    @property
    def over_http(self) -> bool:
        return True

    def repaired(self) -> Any:
        """The deployment's document made self-contained (``openapi.RepairedSpec``), once."""
        if self._repaired is None:  # from the kit's cache when this document was repaired before (openapi.cache)
            from llama_conformance.openapi import repaired_for

            self._repaired = repaired_for(self.spec, self.contract.package)
        return self._repaired

    def operations(self) -> list[str]:
        """``METHOD /path`` of every operation the document publishes (what the fuzz suite runs)."""
        from llama_conformance.openapi.sse import creators_first, iter_operations, operation_key

        return creators_first([operation_key(method, path) for method, path, _ in iter_operations(self.spec)])

    def put_for(self, api: str | None) -> ProviderUnderTest:
        return self.put(api or self.apis[0])

    def put(self, api: str) -> ProviderUnderTest:
        """The HTTP stand-in of ``api``: a provider-shaped object whose members send requests."""
        if api not in self.puts:
            from llama_conformance.transport.remote_impl import RemoteImpl

            entry = ProviderEntry(provider_type=self.url, api=api, module=DEPLOYMENT_MODULE, config_class="",
                                  source="the package's routers in-process (ASGI)" if self.in_process
                                  else "an HTTP deployment")
            self.puts[api] = ProviderUnderTest(
                entry=entry, contract=self.contract, gate=self.gate, redactor=self.redactor,
                impl=RemoteImpl(api, self.contract, self.client), over_http=True,
                evidence=self.evidence)
        return self.puts[api]

    def second_user_put(self, api: str) -> ProviderUnderTest | None:
        """``api``'s stand-in sending the second user's headers (the tenancy suite's other user);
        None when the run names no second user."""
        if self.second_user_client is None:
            return None
        if api not in self.second_user_puts:
            from llama_conformance.transport.remote_impl import RemoteImpl

            first = self.put(api)
            self.second_user_puts[api] = ProviderUnderTest(
                entry=first.entry, contract=self.contract, gate=self.gate, redactor=self.redactor,
                impl=RemoteImpl(api, self.contract, self.second_user_client), over_http=True,
                evidence=self.evidence)
        return self.second_user_puts[api]

    def close(self) -> str | None:
        with contextlib.suppress(Exception):  # closing connections of a dead server reports nothing
            self.gate.run("close HTTP client", self.client.reset, timeout_s=5)
        if self.second_user_client is not None:
            with contextlib.suppress(Exception):
                self.gate.run("close the second user's HTTP client", self.second_user_client.reset, timeout_s=5)
        if not self.in_process:  # in-process, the gate is the provider's: its session closes it
            self.gate.close()
        return None


def _client(url: str, headers: dict[str, str], options: KitOptions, app: Any = None) -> Any:
    from llama_conformance.transport.client import TargetClient, TargetOptions

    transport = None
    if app is not None:
        import httpx

        def transport() -> httpx.AsyncBaseTransport:
            # The app answers errors itself, as a server would; nothing may reach the client raw.
            return httpx.ASGITransport(app=app, raise_app_exceptions=False)

    target = TargetOptions(base_url=url, headers=headers, timeout_s=options.timeout_s,
                           max_requests=options.max_requests, transport=transport)
    return TargetClient(target)


def open_url_target(options: KitOptions) -> RemoteTarget:
    """Fetch (or read) the deployment's spec and prepare the client; usage errors raise."""
    from llama_conformance.openapi import fetch_spec, read_spec_file

    url = options.stack_url.rstrip("/") if options.stack_url else ""
    if not re.match(r"^https?://[^/\s]+", url):
        raise KitUsageError(f"--llama-stack-url must be an http(s) URL such as http://127.0.0.1:8321, got {url!r}.")
    headers = parse_headers(options.stack_headers)
    second = parse_headers(options.second_user_headers, SECOND_USER_FLAG)
    redactor = Redactor({*headers.values(), *second.values(), *_credentials(headers), *_credentials(second)})
    spec = read_spec_file(options.openapi_file) if options.openapi_file else fetch_spec(url, headers)
    contract = contract_for_spec(spec, options.api_package)
    apis = served = served_apis(contract, spec)
    if options.api:  # a deployment serves many APIs: a comma-separated list picks some
        wanted = {name.strip() for name in options.api.split(",")}
        apis = [api for api in apis if api in wanted]
        spec = operations_of(contract, spec, apis)  # the fuzz suite too checks only those APIs
    if not apis:
        raise KitUsageError(
            f"{url} publishes no route of any {contract.package} API"
            f"{' named ' + options.api if options.api else ''} in its OpenAPI document, so there is nothing "
            "to check. Is it an ogx / llama-stack server, and is --llama-api-package the package it serves?")
    client = _client(url, headers, options)
    return RemoteTarget(url=url, contract=contract, gate=CallGate(options.timeout_s, name="http"),
                        redactor=redactor, client=client, spec=spec, apis=apis, served=served,
                        headers=headers,
                        second_user_headers=second,
                        second_user_client=_client(url, second, options) if second else None)


def _credentials(headers: dict[str, str]) -> set[str]:
    """The credential after an auth scheme (``Bearer <token>``): printed alone, it is as secret as the header."""
    return {parts[1] for value in headers.values()
            if len(parts := value.split(None, 1)) == 2 and parts[0].lower() in _AUTH_SCHEMES}


_AUTH_SCHEMES = ("bearer", "basic", "token", "apikey", "api-key")


def mount_in_process(put: ProviderUnderTest, options: KitOptions) -> RemoteTarget:
    """The built provider behind its package's routers, reached through ASGI."""
    from llama_conformance.harness.witness import ProviderErrorWitness
    from llama_conformance.isolation.asgi_deadline import RequestDeadline
    from llama_conformance.transport.asgi import app_for

    app = app_for({put.entry.api: put.impl}, put.contract)
    app.add_middleware(RequestDeadline, gate=put.gate)  # the fuzzer's requests do not pass the gate
    app.add_middleware(ProviderErrorWitness, evidence=put.evidence)
    url = "http://in-process.invalid"
    client = _client(url, {}, options, app=app)
    apis = served_apis(put.contract, app.openapi())
    return RemoteTarget(url=url, contract=put.contract, gate=put.gate, redactor=put.redactor, client=client,
                        spec=app.openapi(), apis=[a for a in apis if a == put.entry.api],
                        in_process=True, app=app, evidence=put.evidence)

