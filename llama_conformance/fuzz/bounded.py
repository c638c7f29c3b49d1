"""Read the fuzzer's answers against the kit's limits, and mark the ones that were cut.

Schemathesis reads every answer whole (``response.content``; an event stream until it ends,
its event cap or its deadline) and keeps it on its ``Response``. Against a deployment that
answers 200 MB or streams forever, that is the kit's memory and time. So the answer is
bounded before schemathesis sees it:

* over HTTP (``GuardedSession``) the urllib3 body is wrapped in ``BoundedBody``, which
  counts bytes (and events, for a stream) as they are read and checks the stream's wall
  time; past a bound it closes the connection and ends the body there;
* in-process (``served_like``) ``bounded_app`` holds the app's answer until it is complete
  or past a bound (schemathesis' ASGI client buffers the whole body anyway), and cancels
  the app at the cut.

Either way the answer carries ``CUT_HEADER`` naming what was cut (``body over 32 MiB``),
and ``fuzz.checks.resource_bound`` turns that into a ``call.resource-bound`` failure; the
other checks do not judge half an answer.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

import anyio
from schemathesis.core.failures import Failure

from llama_conformance.transport.limits import (
    DEFAULT_LIMITS,
    EventCounter,
    Limits,
    body_over,
    stream_over_bytes,
    stream_over_events,
    stream_past,
)

CUT_HEADER = "x-llama-conformance-cut"
_PART = 64 * 1024

Message = MutableMapping[str, Any]
ASGIApp = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]


def _is_event_stream(content_type: Any) -> bool:
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    return str(content_type or "").split(";")[0].strip().lower() == "text/event-stream"


class _Meter:
    """Bytes, events and time of one answer against the limits; ``over`` names the first bound crossed."""

    def __init__(self, limits: Limits, event_stream: bool, time_s: float | None) -> None:
        self.limits = limits
        self.event_stream = event_stream
        self.cap = limits.stream_bytes if event_stream else limits.body_bytes
        self.size = 0
        self.events = EventCounter() if event_stream else None
        self.started = time.monotonic()
        self.time_s = time_s

    def over(self, part: bytes, more: bool = True) -> str | None:
        self.size += len(part)
        if self.size > self.cap:
            return stream_over_bytes(self.limits) if self.event_stream else body_over(self.limits)
        if self.events is not None and self.events.feed(part) > self.limits.stream_events:
            return stream_over_events(self.limits)
        elapsed = time.monotonic() - self.started
        if more and self.time_s is not None and elapsed > self.time_s:
            return stream_past(round(elapsed, 1), "stream" if self.event_stream else "body")
        return None


class BoundedBody:
    """A urllib3 response body that ends at the limits (see the module docstring); the rest delegates."""

    def __init__(self, raw: Any, limits: Limits, time_s: float | None) -> None:
        self._raw = raw
        self._meter = _Meter(limits, _is_event_stream(raw.headers.get("content-type")), time_s)
        self.cut: str | None = None
        declared = str(raw.headers.get("content-length") or "")
        if declared.isdigit() and int(declared) > self._meter.cap:
            self._stop(f"{self._over_bytes()} (Content-Length {declared})")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def _over_bytes(self) -> str:
        meter = self._meter
        return stream_over_bytes(meter.limits) if meter.event_stream else body_over(meter.limits)

    def _stop(self, what: str) -> None:
        self.cut = what
        self._raw.headers[CUT_HEADER] = what
        self._raw.close()  # closes the connection: the rest of the answer is never read

    def _take(self, part: bytes) -> bytes:
        if self.cut is not None or not part:
            return b""
        what = self._meter.over(part)
        if what is None:
            return part
        self._stop(what)
        return b""  # half an answer is not judged: the cut is

    def read(self, amt: int | None = None, decode_content: bool | None = None, **kwargs: Any) -> bytes:
        if self.cut is not None:
            return b""
        if amt is None:  # "everything" is read in parts, so the bound holds
            parts = []
            while part := self.read(_PART, decode_content=decode_content, **kwargs):
                parts.append(part)
            return b"".join(parts)
        return self._take(self._raw.read(amt, decode_content=decode_content, **kwargs))

    def read1(self, amt: int | None = None, decode_content: bool | None = None) -> bytes:
        if self.cut is not None:
            return b""
        return self._take(self._raw.read1(amt or _PART, decode_content=decode_content))

    def stream(self, amt: int | None = _PART, decode_content: bool | None = None) -> Iterator[bytes]:
        while part := self.read(amt or _PART, decode_content=decode_content):
            yield part


def bound_response(response: Any, limits: Limits = DEFAULT_LIMITS, time_s: float | None = None) -> Any:
    """``response`` (``requests``, sent with ``stream=True``) with its body read through ``BoundedBody``."""
    if response.raw is not None and not isinstance(response.raw, BoundedBody):
        response.raw = BoundedBody(response.raw, limits, time_s)
    return response


def bounded_app(app: ASGIApp, limits: Limits = DEFAULT_LIMITS, time_s: float | None = None) -> ASGIApp:
    """``app`` whose answers are held until complete or cut at the limits (see the module docstring)."""

    async def bounded(scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Message]],
                      send: Callable[[Message], Awaitable[None]]) -> None:
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return
        held: dict[str, Any] = {}
        parts: list[bytes] = []
        done = False

        async def bounded_send(message: Message) -> None:
            nonlocal done
            if done:
                return  # cut (the app is being cancelled) or complete
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                held["start"], held["meter"] = message, _Meter(limits, _is_event_stream(content_type), time_s)
                return
            if message["type"] != "http.response.body" or "start" not in held:
                await send(message)
                return
            part, more = message.get("body", b""), message.get("more_body", False)
            what = held["meter"].over(part, more)
            if what is None:
                parts.append(part)
                if more:
                    return
                done = True
                await send(held["start"])
                await send({"type": "http.response.body", "body": b"".join(parts), "more_body": False})
                parts.clear()
                return
            done = True
            parts.clear()
            start = dict(held["start"])
            start["headers"] = [*start.get("headers", []), (CUT_HEADER.encode(), what.encode())]
            await send(start)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            cancel.cancel()  # the app stops at its next await; nothing more of it is read

        async def flush() -> None:
            """The app ended without finishing its body: the client gets what it sent, as from a server."""
            if "start" in held and not done:
                await send(held["start"])
                await send({"type": "http.response.body", "body": b"".join(parts), "more_body": False})

        with anyio.CancelScope() as cancel:
            try:
                await app(scope, receive, bounded_send)
            except Exception:
                await flush()  # then the exception, after the answer started (``served_like`` drops it)
                raise
        await flush()

    return bounded


def cut_of(response: Any) -> str | None:
    """What the kit cut of a schemathesis ``Response`` (``None``: it was read whole)."""
    headers = getattr(response, "headers", None) or {}
    value = headers.get(CUT_HEADER) or headers.get(CUT_HEADER.title())
    if isinstance(value, list):
        value = value[0] if value else None
    if value:
        return str(value)
    if getattr(response, "stream_cut_short", False):
        return "stream cut by the fuzzer (over its event cap, or not ended within the request timeout)"
    return None


class AnswerCut(Failure):
    """The kit cut an answer at its limits (``call.resource-bound``): too large, or never ending."""

    code = "LC-CUT"
    kind_title = "Answer cut at the kit's limits"

    @property
    def _unique_key(self) -> str:
        return self.title


def resource_bound(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis check: an answer the kit had to cut is a ``call.resource-bound`` failure."""
    what = cut_of(response)
    if what is None:
        return None
    from llama_conformance.transport.limits import cut_message, shown_request

    operation = case.operation.label
    raise AnswerCut(operation=operation, title=f"Answer cut: {what}",
                    message=cut_message(operation, what, shown_request(getattr(case, "body", None))))
