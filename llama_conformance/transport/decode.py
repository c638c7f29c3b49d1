"""Turn an HTTP answer back into what the protocol member returns, judging the HTTP layer.

* 2xx JSON: parsed into the member's declared response type when it fits (suites read
  attributes); when it does not fit the raw JSON is returned, and either way the call's
  ``WireAnswer`` keeps the JSON so validation judges what the server sent.
* 2xx ``text/event-stream``: an async iterator over parsed chunks, read incrementally; an
  ``{"error": ...}`` event raises ``RemoteError`` after the chunks before it, as an
  in-process provider's exception would end its stream.
* A member declared to return a raw ``Response`` (file content) gets a Starlette
  ``Response`` with the body and headers.
* 3xx / 4xx / 5xx: ``RemoteError`` with the status; the body is checked against the
  package's error shape (``http.error.body``).

No body is read whole: each is read part by part against ``Bounds`` (``transport.limits``).
A body or stream past its bound is cut - the connection closed, what was read dropped, a
``call.resource-bound`` finding noted on the call's ``WireAnswer`` - and the call ends with
``ResponseCut``, so the test reports the cut instead of judging half an answer. Every finding
of the HTTP layer is noted on the ``WireAnswer`` of the call that made it (``transport.wire``).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import httpx
from pydantic import TypeAdapter, ValidationError

from llama_conformance.checks import Finding, finding
from llama_conformance.contract.routes import RouteSpec
from llama_conformance.transport.checks import CONTENT_TYPE as HTTP_CONTENT_TYPE
from llama_conformance.transport.checks import ERROR_BODY, REDIRECT, SSE_FRAMING
from llama_conformance.transport.limits import (
    DEFAULT_LIMITS,
    Limits,
    ResponseCut,
    body_over,
    cut_finding,
    stream_over_bytes,
    stream_over_events,
    stream_past,
)
from llama_conformance.transport.sse import SseParser
from llama_conformance.transport.wire import DEADLINE_HEADER, RemoteError, WireAnswer


def _not_shown() -> str:
    return "(not shown)"


@dataclass(frozen=True)
class Bounds:
    """How much of one answer may be read, and by when; ``request()`` is quoted if it is cut.

    A callable, called only then: quoting a request dumps its whole body to JSON, which every call
    would pay (a tenth of an HTTP run's CPU) for the few answers that are ever cut.
    """

    limits: Limits = DEFAULT_LIMITS
    stream_time_s: float | None = None  # how long a stream may run, from ``started``
    request: Callable[[], str] = _not_shown
    started: float = field(default_factory=time.monotonic)

    @property
    def deadline(self) -> float | None:
        return None if self.stream_time_s is None else self.started + self.stream_time_s


async def _cut(response: httpx.Response, route: RouteSpec, wire: WireAnswer, bounds: Bounds, what: str) -> NoReturn:
    await response.aclose()  # closes the connection: the rest is never read
    wire.note(cut_finding(route.label, what, bounds.request()))
    raise wire.failed(ResponseCut(route.label, what))


async def read_body(response: httpx.Response, route: RouteSpec, wire: WireAnswer, bounds: Bounds) -> bytes:
    """The whole body if it fits ``bounds.limits.body_bytes``; else the cut (see the module docstring)."""
    cap = bounds.limits.body_bytes
    try:
        declared = int(response.headers.get("content-length", "0"))
    except ValueError:
        declared = 0
    if declared > cap:  # announced too large: not a byte of it is read
        await _cut(response, route, wire, bounds, f"{body_over(bounds.limits)} (Content-Length {declared})")
    parts: list[bytes] = []
    size = 0
    try:
        async for part in response.aiter_bytes():
            size += len(part)
            if size > cap:
                parts.clear()
                await _cut(response, route, wire, bounds, body_over(bounds.limits))
            parts.append(part)
    finally:
        await response.aclose()
    return b"".join(parts)


@functools.cache
def _adapter(tp: Any) -> TypeAdapter[Any] | None:
    try:
        return TypeAdapter(tp)
    except Exception:  # a type pydantic cannot build a validator for: keep the JSON
        return None


def parse_as(tp: Any, raw: Any) -> Any:
    """``raw`` parsed as ``tp``, or ``raw`` itself when it does not fit."""
    adapter = _adapter(tp) if tp is not None else None
    if adapter is None:
        return raw
    try:
        return adapter.validate_python(raw)
    except ValidationError:
        return raw


def _media(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _is_response_class(tp: Any) -> bool:
    from starlette.responses import Response

    return isinstance(tp, type) and issubclass(tp, Response)


def error_message(body: Any) -> str:
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return inner["message"]
        if "detail" in body:
            return str(body["detail"])
    return str(body)[:300]


def check_error_body(body: Any, error_model: Any, label: str, status: int) -> list[Finding]:
    """The body of an error answer against the package's declared error shape."""
    if error_model is None:
        return []
    try:
        error_model.model_validate(body)
        return []
    except ValidationError as exc:
        shown = json.dumps(body)[:300] if not isinstance(body, str) else repr(body[:300])
        return [finding(ERROR_BODY,
                        f"{label} answered {status} with a body that is not the declared "
                        f"{error_model.__name__}: {shown} ({exc.errors()[0]['msg']} at "
                        f"{'.'.join(str(p) for p in exc.errors()[0]['loc']) or 'the top level'}).")]


async def raise_for_answer(response: httpx.Response, route: RouteSpec, error_model: Any, wire: WireAnswer,
                           bounds: Bounds | None = None) -> None:
    """Raise ``RemoteError`` for a non-2xx answer (reading and closing its body), with ``wire``'s findings."""
    if response.status_code < 300:
        return
    content = await read_body(response, route, wire, bounds or Bounds())
    if 300 <= response.status_code < 400:
        wire.note(finding(REDIRECT, f"{route.label} answered {response.status_code} redirecting to "
                                    f"{response.headers.get('location', '(no location)')}; the kit does "
                                    "not follow redirects."))
        raise wire.failed(RemoteError(response.status_code, "redirect (not followed)", route=route.label))
    try:
        body: Any = json.loads(content)
    except ValueError:
        body = content.decode("utf-8", errors="replace")
    for item in check_error_body(body, error_model, route.label, response.status_code):
        wire.note(item)
    raise wire.failed(RemoteError(response.status_code, error_message(body), body=body, route=route.label,
                                  kit_deadline=response.headers.get(DEADLINE_HEADER)))


async def decode_value(response: httpx.Response, route: RouteSpec, response_type: Any, wire: WireAnswer,
                       bounds: Bounds | None = None) -> WireAnswer:
    """``wire`` with the member's return value from a 2xx non-stream answer, and the JSON it came from
    (the value itself when there was no JSON: a raw ``Response``, an empty body, text)."""
    wire.value = await _decoded_value(response, route, response_type, wire, bounds)
    if wire.raw is None:
        wire.raw = wire.value
    return wire


async def _decoded_value(response: httpx.Response, route: RouteSpec, response_type: Any, wire: WireAnswer,
                         bounds: Bounds | None) -> Any:
    content = await read_body(response, route, wire, bounds or Bounds())
    if _is_response_class(response_type):
        from starlette.responses import Response

        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
        return Response(content=content, status_code=response.status_code, headers=headers,
                        media_type=response.headers.get("content-type"))
    if not content and response_type in (None, type(None)):
        return None
    if _media(response) in JSON_LINES_MEDIA:  # a route that declares JSON lines (Messages batch results)
        return _json_lines(content, route, wire)
    if _media(response) != "application/json":
        wire.note(finding(HTTP_CONTENT_TYPE, f"{route.label} answered {_media(response) or 'no content type'}, "
                                             "not application/json."))
    try:
        raw = json.loads(content)
    except ValueError:
        wire.note(finding(HTTP_CONTENT_TYPE, f"{route.label} answered a body that is not JSON: {content[:200]!r}"))
        return content.decode("utf-8", errors="replace")
    wire.raw = raw
    return parse_as(response_type, raw)


# Media types of a body that is one JSON document a line: what the route declares, not a JSON body.
JSON_LINES_MEDIA = frozenset({"application/x-jsonl", "application/jsonl", "application/x-ndjson",
                              "application/jsonlines"})


def _json_lines(content: bytes, route: RouteSpec, wire: WireAnswer) -> list[Any]:
    """Each line's JSON (``wire.raw`` too); a line that is not JSON stays text, and is a finding."""
    lines: list[Any] = []
    # split at "\n" only: str.splitlines also splits at U+2028 / U+2029 / U+0085, which JSON lets a
    # string hold unescaped (pydantic's model_dump_json writes them raw), cutting a good line in two
    for line in content.decode("utf-8", errors="replace").split("\n"):
        if not line.strip():
            continue
        try:
            lines.append(json.loads(line))
        except ValueError:
            wire.note(finding(HTTP_CONTENT_TYPE, f"{route.label} answered JSON lines with a line that is not "
                                                 f"JSON: {line[:200]!r}"))
            lines.append(line)
    wire.raw = lines
    return lines


def _is_error_event(data: Any) -> bool:
    return isinstance(data, dict) and "error" in data and len(data) == 1


def _event_status(data: dict[str, Any]) -> int:
    code: Any = data["error"].get("code") if isinstance(data["error"], dict) else None
    try:
        status = int(code)
    except (TypeError, ValueError):
        return 500
    return status if 400 <= status < 600 else 500


# A judge of each event's JSON (its index in the stream): a finding to note on the call, or None.
EventJudge = Callable[[Any, int], Finding | None]


def stream_answer(response: httpx.Response, route: RouteSpec, chunk_type: Any, wire: WireAnswer,
                  bounds: Bounds | None = None, on_event: EventJudge | None = None) -> WireAnswer:
    """``wire`` with the stream as its value: ``wire.raw`` gets each event's JSON as its chunk is yielded
    (and ``on_event``'s finding on it, such as the official SDK's, is noted on ``wire`` first)."""
    wire.raw = []
    wire.value = decode_stream(response, route, chunk_type, wire, bounds, on_event)
    return wire


async def decode_stream(
    response: httpx.Response, route: RouteSpec, chunk_type: Any, wire: WireAnswer, bounds: Bounds | None = None,
    on_event: EventJudge | None = None,
) -> AsyncIterator[Any]:
    """Chunks as the server sends them; closes the response however the consumer stops.

    The stream is cut (``ResponseCut``) past ``bounds``: its bytes, its events, or its
    deadline - an endless stream that keeps sending stops there, not only at the byte cap.
    Each event's JSON is appended to ``wire.raw`` (when it is a list) before its chunk is yielded.
    """
    raws = wire.raw if isinstance(wire.raw, list) else None
    parser = SseParser()
    delivered = 0
    size = 0
    bounds = bounds or Bounds()
    limits = bounds.limits
    deadline = bounds.deadline
    try:
        async for block in response.aiter_bytes():
            size += len(block)
            if size > limits.stream_bytes:
                await _cut(response, route, wire, bounds, stream_over_bytes(limits))
            if deadline is not None and time.monotonic() > deadline:
                await _cut(response, route, wire, bounds, stream_past(round(time.monotonic() - bounds.started, 1)))
            for event in parser.feed(block):
                if event.index >= limits.stream_events:
                    await _cut(response, route, wire, bounds, stream_over_events(limits))
                if event.done:
                    continue
                chunk = _event_chunk(event.data, event.index, route, wire)
                if _is_error_event(chunk):
                    raise wire.failed(RemoteError(_event_status(chunk), error_message(chunk), body=chunk,
                                                  route=route.label, after_chunks=delivered))
                delivered += 1
                _judged(on_event, chunk, event.index, wire)
                if raws is not None:
                    raws.append(chunk)
                yield parse_as(chunk_type, chunk)
        for event in parser.close():
            if not event.done:
                delivered += 1
                chunk = _event_chunk(event.data, event.index, route, wire)
                _judged(on_event, chunk, event.index, wire)
                if raws is not None:
                    raws.append(chunk)
                yield parse_as(chunk_type, chunk)
    finally:
        await response.aclose()


def _judged(on_event: EventJudge | None, chunk: Any, index: int, wire: WireAnswer) -> None:
    found = on_event(chunk, index) if on_event is not None else None
    if found is not None:
        wire.note(found)


def _event_chunk(data: str, index: int, route: RouteSpec, wire: WireAnswer) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        wire.note(finding(SSE_FRAMING, f"{route.label} stream event {index} carries data that is not JSON: "
                                       f"{data[:200]!r}"))
        return data


def is_stream(response: httpx.Response) -> bool:
    return _media(response) == "text/event-stream"
