"""Make an in-process ASGI app answer like it would behind a server process.

Starlette's ``ServerErrorMiddleware`` sends the 500 answer of an ``Exception`` handler and
then re-raises the exception, by design, so the server can log it. uvicorn logs it and the
client sees only the answer; schemathesis' in-process client (like ``httpx.ASGITransport``
and Starlette's ``TestClient`` by default) instead raises it into the caller, and a fuzz run
of a provider that raises ``KeyError`` would crash rather than record "500". ``served_like``
wraps the app so that an exception after the answer started is dropped (as uvicorn does)
and an exception before it becomes uvicorn's bare ``500 Internal Server Error``. Its answers
are bounded by the kit's limits (``fuzz.bounded.bounded_app``), as a server's are by
``GuardedSession``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from llama_conformance.fuzz.bounded import bounded_app
from llama_conformance.transport.limits import DEFAULT_LIMITS, Limits

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_PLAIN_500 = b"Internal Server Error"


def served_like(app: Any, limits: Limits = DEFAULT_LIMITS, time_s: float | None = None) -> ASGIApp:
    """``app`` with uvicorn's handling of exceptions that escape it, its answers cut at ``limits``
    and, once they have sent for ``time_s``, at that (see the module docstring)."""
    inner = bounded_app(app, limits, time_s)

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await inner(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message.get("type") == "http.response.start":
                started = True
            await send(message)

        try:
            await inner(scope, receive, tracking_send)
        except Exception:
            if started:
                return  # the client already has its answer; a server would only log this
            await send({"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"content-length", str(len(_PLAIN_500)).encode())]})
            await send({"type": "http.response.body", "body": _PLAIN_500})

    wrapped.__wrapped__ = app  # type: ignore[attr-defined]
    return wrapped
