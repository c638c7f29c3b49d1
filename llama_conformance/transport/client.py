"""The only HTTP client the kit uses against a target: one host, a budget, one retry.

Safety first, because the kit fuzzes other people's deployments:

* every request must go to the target's scheme, host and port; redirects are never
  followed (a 3xx is an answer to judge, not an instruction), and a request built for any
  other origin is refused before it is sent;
* a run sends at most ``max_requests`` requests; past that every call fails with a clear
  message instead of hammering the server;
* no answer is buffered whole: bodies are read incrementally against ``limits``
  (``transport.limits``), and an in-process ASGI app is reached through a streaming
  transport (``transport.asgi_stream``), never ``httpx.ASGITransport``, which holds the
  whole body (forever, for an endless stream) before it returns;
* after a connection reset (servers drop keep-alive connections after an unhandled
  exception) a request is retried once on a fresh connection, and only when no answer
  had started, so a retry never duplicates a request the server answered.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from llama_conformance.transport.asgi_stream import StreamingASGITransport
from llama_conformance.transport.limits import DEFAULT_LIMITS, DEFAULT_MAX_REQUESTS, Limits

_RESET = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.ConnectError)


@functools.cache
def _tls_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext | bool:
    """httpx's default verifying TLS context, built once per process and CA location (``SSL_CERT_FILE`` /
    ``SSL_CERT_DIR``, which httpx reads when it builds one). Each client built its own, loading the CA bundle
    again: about 30 ms of CPU per client, a ninth of an HTTP run's CPU against a loopback deployment (35
    clients in one run). The kit speaks HTTP/1.1 only, so sharing it leaves nothing per connection to race on.
    httpx before 0.28 has no public factory: it builds its own, as before."""
    create: Callable[[], ssl.SSLContext] | None = getattr(httpx, "create_ssl_context", None)
    return create() if create is not None else True


def shared_tls_context() -> ssl.SSLContext | bool:
    """The process's one verifying TLS context for the CA location in the environment (``_tls_context``): every
    client of the kit takes it, the document's fetch (``openapi.fetch``) as well as the target's clients."""
    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


class OffTargetRequest(RuntimeError):
    """A request for an origin other than the target was refused."""


class RequestBudgetExhausted(RuntimeError):
    """The run already sent its maximum number of requests."""


@dataclass(frozen=True)
class TargetOptions:
    base_url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 30.0
    max_requests: int = DEFAULT_MAX_REQUESTS
    # In-process fast path: a factory of an httpx transport (``httpx.ASGITransport(app)``).
    transport: Callable[[], httpx.AsyncBaseTransport] | None = None
    limits: Limits = DEFAULT_LIMITS

    @property
    def origin(self) -> tuple[str, str, int]:
        return origin_of(self.base_url)


def origin_of(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme or "http"
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, (parts.hostname or "").lower(), port


class TargetClient:
    """An ``httpx.AsyncClient`` bound to one origin, created on the loop that uses it."""

    def __init__(self, options: TargetOptions) -> None:
        self.options = options
        self.sent = 0
        self.retries = 0
        self._client: httpx.AsyncClient | None = None

    def _new_client(self) -> httpx.AsyncClient:
        # TCP_NODELAY: a request's headers and body leave in separate writes; without it
        # each upload waits on Nagle + the server's delayed ACK (~40 ms a request).
        transport = self.options.transport() if self.options.transport else httpx.AsyncHTTPTransport(
            verify=shared_tls_context(),
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
        if isinstance(transport, httpx.ASGITransport):  # it buffers whole bodies: stream instead
            transport = StreamingASGITransport(transport.app, client=transport.client)
        return httpx.AsyncClient(
            base_url=self.options.base_url,
            headers=dict(self.options.headers),
            follow_redirects=False,
            timeout=httpx.Timeout(self.options.timeout_s, connect=min(self.options.timeout_s, 5.0)),
            transport=transport,
            event_hooks={"request": [self._on_target]},
        )

    async def _on_target(self, request: httpx.Request) -> None:
        if origin_of(str(request.url)) != self.options.origin:
            raise OffTargetRequest(
                f"refused a request to {request.url.scheme}://{request.url.host}:{request.url.port}: the kit only "
                f"talks to {self.options.base_url}"
            )

    def _count(self) -> None:
        if self.sent >= self.options.max_requests:
            raise RequestBudgetExhausted(
                f"the run's request budget ({self.options.max_requests}, --llama-max-requests) is spent; "
                "no more requests are sent to the target"
            )
        self.sent += 1

    async def send(self, method: str, path: str, *, stream: bool = False, **kwargs: Any) -> httpx.Response:
        """Send one request; with ``stream=True`` the caller reads and closes the body."""
        if self._client is None:
            self._client = self._new_client()
        self._count()
        request = self._client.build_request(method, path, **kwargs)
        try:
            return await self._client.send(request, stream=stream)
        except _RESET:
            # The connection was dropped before an answer: once more, on a fresh one.
            await self.reset()
            self._client = self._new_client()
            self.retries += 1
            self._count()
            return await self._client.send(self._client.build_request(method, path, **kwargs), stream=stream)

    async def reset(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            with contextlib.suppress(Exception):  # a dead connection has nothing to release
                await client.aclose()
