"""Describe ``text/event-stream`` responses as the events a server sends, not as their payload.

Both servers declare a stream as ``text/event-stream: {schema: <chunk model>}``, but what
arrives is a sequence of events ``data: <chunk as JSON>\\n\\n``. A tool that reads the
declared schema literally validates the wrong thing. The repair replaces the media type's
``schema`` with the schema of one *event object* - the shape schemathesis 4.x (and the
Open API 3.2 ``itemSchema`` convention) validates each parsed event against::

    {"data": "<string>", "event": "message", "id": "...", "retry": 1000}

``data`` carries ``contentMediaType: application/json`` and a ``contentSchema``, so a
standard JSON Schema tool decodes the payload and validates it against the chunk model.
That ``contentSchema`` accepts, in this order, what the servers really put on the wire:

* the OpenAI ``data: [DONE]`` sentinel (ogx and llama-stack do not send it; OpenAI-style
  proxies do), as an ``if``/``then`` on the raw string, so it is never decoded as JSON;
* an error event ``{"error": {...}}`` - the servers' ``sse_stream`` turns an exception
  raised after the first chunk into one, behind a 200 - judged against the error body;
* otherwise the chunk model.

The original payload schema is kept on the media type as ``x-llama-sse-data`` so the kit's
own stream validation finds the chunk schema of each operation without decoding the
event description (``sse_chunk_schemas``). A stream declared without any schema (ogx's
``messages`` and ``interactions`` routes) gets an event description whose ``data`` must be
JSON, and ``x-llama-sse-data: {}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

SSE_MEDIA_TYPE = "text/event-stream"
SSE_DATA_KEY = "x-llama-sse-data"
DONE_SENTINEL = "[DONE]"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def escape_pointer(token: str) -> str:
    """RFC 6901 escaping of one JSON pointer token."""
    return token.replace("~", "~0").replace("/", "~1")


def operation_key(method: str, path: str) -> str:
    """``"POST /v1/chat/completions"``: the key schemathesis uses as an operation's label."""
    return f"{method.upper()} {path}"


_METHOD_RANK = {"POST": 0, "PUT": 1, "PATCH": 1, "GET": 2, "HEAD": 2, "OPTIONS": 2, "DELETE": 3}


def creators_first(labels: list[str]) -> list[str]:
    """Operation labels ordered so resources exist before the operations that read them.

    Fewer path parameters first (``POST /v1/files`` before ``GET /v1/files/{file_id}``), and
    within a depth: create, update, read, delete. The fuzzer remembers the ids answers
    carry (``fuzz.feedback``); in document order a read would run before anything existed.
    """
    def key(label: str) -> tuple[int, int, str]:
        method, _, path = label.partition(" ")
        return path.count("{"), _METHOD_RANK.get(method.upper(), 2), path

    return sorted(labels, key=key)


def iter_operations(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every ``(method, path, operation object)`` of a document, in document order."""
    for path, item in (spec.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                yield method, path, operation


def _stream_media_types(operation: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for status, response in (operation.get("responses") or {}).items():
        content = response.get("content") if isinstance(response, dict) else None
        if not isinstance(content, dict):
            continue
        for media_type, media in content.items():
            if media_type.split(";")[0].strip().lower() == SSE_MEDIA_TYPE and isinstance(media, dict):
                yield str(status), media


def event_schema(chunk_schema: Mapping[str, Any], error_schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema of one parsed SSE event whose ``data`` is a JSON chunk (see module docstring)."""
    payload = {
        "if": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object"}}},
        "then": dict(error_schema),
        "else": dict(chunk_schema),
    }
    return {
        "type": "object",
        "description": "One server-sent event; `data` is a JSON chunk, an error event, or `[DONE]`.",
        "required": ["data"],
        "properties": {
            "event": {"type": "string"},
            "id": {"type": "string"},
            "retry": {"type": "integer"},
            "data": {"type": "string"},
        },
        "if": {"properties": {"data": {"const": DONE_SENTINEL}}},
        "then": True,
        "else": {
            "properties": {
                "data": {"contentMediaType": "application/json", "contentSchema": payload},
            },
        },
    }


def describe_event_streams(
    spec: dict[str, Any], error_schema: Callable[[], Mapping[str, Any]]
) -> Iterator[tuple[str, str]]:
    """Rewrite every stream media type of ``spec`` in place; yield ``(pointer, detail)`` per change.

    ``spec`` must be the caller's own copy. ``error_schema`` is called only when a stream is
    found (it may add the error body to the components). A media type that already carries
    ``x-llama-sse-data`` was described before and is left alone, so repairing twice is a no-op.
    """
    for method, path, operation in iter_operations(spec):
        for status, media in _stream_media_types(operation):
            if SSE_DATA_KEY in media:
                continue
            declared = media.get("schema")
            chunk = declared if isinstance(declared, dict) else {}
            media[SSE_DATA_KEY] = chunk
            media["schema"] = event_schema(chunk, error_schema())
            pointer = "/".join(["", "paths", escape_pointer(path), method, "responses", status, "content",
                                escape_pointer(SSE_MEDIA_TYPE)])
            what = chunk.get("$ref", "an inline schema") if chunk else "no schema (any JSON)"
            yield pointer, (
                f"{operation_key(method, path)} {status}: the declared stream schema ({what}) describes each event's "
                f"`data`, not the event; described the event object instead (`data` as JSON per `contentSchema`, "
                f"`[DONE]` and error events allowed) and kept the chunk schema under `{SSE_DATA_KEY}`"
            )


def sse_chunk_schemas(spec: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"POST /v1/chat/completions": {"$ref": ...}, ...}``: the chunk schema of each streaming operation.

    Read from a repaired document (``RepairedSpec.spec``); ``$ref``s in the result point into
    that document's ``components``. An operation with several streaming responses keeps the
    one of its lowest status code (in practice there is only ``200``).
    """
    found: dict[str, dict[str, Any]] = {}
    for method, path, operation in iter_operations(spec):
        for _status, media in sorted(_stream_media_types(operation), key=lambda item: item[0]):
            chunk = media.get(SSE_DATA_KEY)
            if isinstance(chunk, dict):
                found.setdefault(operation_key(method, path), chunk)
    return found
