"""``sse_event_conformance``: every event of a ``text/event-stream`` answer carries a valid chunk.

A streaming route answers ``200`` and then events ``data: <chunk as JSON>``; the status and
content type say nothing about the chunks. This check parses the body into events (the
WHATWG rules, via ``transport.sse.SseParser``) and judges each one against the chunk schema
the repaired document keeps for the operation (``x-llama-sse-data``, see ``openapi.sse``):

* ``data: [DONE]`` (OpenAI's sentinel) is accepted, only as the last event;
* an error event ``{"error": {"message": ...}}`` - what the servers emit when a stream fails
  after it started - is accepted only as the last event (before an optional ``[DONE]``),
  and its ``message`` must be a string;
* every other event must be JSON valid against the chunk schema;
* a stream with no event at all fails: a ``200`` must carry at least one chunk.

A failure names the event index (0-based), the JSON path inside the chunk and the schema's
complaint, e.g. ``event #2 at $.choices[0].finish_reason: 'done' is not one of [...]``.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema
from schemathesis.core.failures import Failure

from llama_conformance.fuzz.bounded import cut_of
from llama_conformance.openapi.sse import SSE_DATA_KEY, SSE_MEDIA_TYPE
from llama_conformance.transport.sse import SseEvent, SseParser

_MAX_PROBLEMS = 5  # per response: the first few say enough, a 500-event stream need not print 500
_VALIDATORS: OrderedDict[tuple[int, str, str], tuple[Any, jsonschema.protocols.Validator]] = OrderedDict()
_VALIDATOR_CACHE_SIZE = 256


class SseEventViolation(Failure):
    """An event of a stream is not a valid chunk (or the stream's framing is wrong)."""

    code = "LC-SSE"
    checks = ("sse_event_conformance",)
    kind_title = "SSE event violates the chunk schema"

    @property
    def _unique_key(self) -> str:
        return self.title


@dataclass(frozen=True)
class EventProblem:
    """What is wrong where: ``index`` is the event (None: the stream as a whole), ``path`` a JSON path."""

    index: int | None
    path: str
    message: str

    def __str__(self) -> str:
        if self.index is None:
            return self.message
        where = f" at {self.path}" if self.path else ""
        return f"event #{self.index}{where}: {self.message}"


def parse_events(body: bytes | str) -> list[SseEvent]:
    """All events of a complete stream body, including a final event without its blank line."""
    parser = SseParser()
    return [*parser.feed(body), *parser.close()]


def _json_path(path: Any) -> str:
    text = "$"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _is_error_event(payload: Any) -> bool:
    return isinstance(payload, dict) and isinstance(payload.get("error"), dict)


def judge_events(events: list[SseEvent], validator: jsonschema.protocols.Validator | None) -> list[EventProblem]:
    """The problems of a parsed stream (empty: a conformant stream). ``validator`` judges each chunk."""
    if not events:
        return [EventProblem(None, "", "the stream carried no event (a 200 stream must carry at least one chunk)")]
    problems: list[EventProblem] = []
    last = len(events) - 1
    closing = last - 1 if events[last].done else last  # the last event that may carry an error
    for i, event in enumerate(events):
        if event.done:
            if i != last:
                problems.append(EventProblem(i, "", "`[DONE]` must be the last event, but more events follow"))
            continue
        try:
            payload = json.loads(event.data)
        except ValueError as exc:
            problems.append(EventProblem(i, "", f"`data` is not JSON ({exc}): {event.data[:80]!r}"))
            continue
        if _is_error_event(payload):
            if i != closing:
                problems.append(EventProblem(i, "", "an error event must end the stream, but more events follow"))
            if not isinstance(payload["error"].get("message"), str):
                problems.append(EventProblem(i, "$.error.message", "an error event must carry a string `message`"))
            continue
        if validator is None:
            continue
        # The most relevant complaint per event (best_match descends into anyOf branches); the rest
        # usually follow from it.
        error = jsonschema.exceptions.best_match(validator.iter_errors(payload))
        if error is not None:
            problems.append(EventProblem(i, _json_path(error.absolute_path), error.message[:300]))
    return problems


def chunk_validator(document: Mapping[str, Any], chunk_schema: Mapping[str, Any]) -> jsonschema.protocols.Validator:
    """A validator for ``chunk_schema`` whose ``#/components/...`` refs resolve inside ``document``."""
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": document.get("components", {}), "allOf": [dict(chunk_schema)]}
    return jsonschema.Draft202012Validator(root, format_checker=None)


def _cached_validator(
    document: Mapping[str, Any], label: str, chunk: Mapping[str, Any]
) -> jsonschema.protocols.Validator:
    key = (id(document), label, json.dumps(chunk, sort_keys=True, default=str))
    hit = _VALIDATORS.get(key)
    if hit is not None and hit[0] is document:
        _VALIDATORS.move_to_end(key)
        return hit[1]
    validator = chunk_validator(document, chunk)
    _VALIDATORS[key] = (document, validator)  # the document is kept so its id cannot be reused
    while len(_VALIDATORS) > _VALIDATOR_CACHE_SIZE:
        _VALIDATORS.popitem(last=False)
    return validator


def declared_chunk_schema(definition: Mapping[str, Any], status: int) -> Mapping[str, Any] | None:
    """The ``x-llama-sse-data`` schema of the response an operation declares for ``status``."""
    responses = definition.get("responses") or {}
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        response = responses.get(key)
        content = response.get("content") if isinstance(response, dict) else None
        if isinstance(content, dict):
            for media_type, media in content.items():
                if media_type.split(";")[0].strip().lower() == SSE_MEDIA_TYPE and isinstance(media, dict):
                    chunk = media.get(SSE_DATA_KEY)
                    return chunk if isinstance(chunk, dict) else None
    return None


def is_event_stream(content_type: str | None) -> bool:
    return bool(content_type) and str(content_type).split(";")[0].strip().lower() == SSE_MEDIA_TYPE


def sse_event_conformance(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis check: each event of an SSE answer is a valid chunk of its operation."""
    content_type = response.headers.get("content-type") or response.headers.get("Content-Type")
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else None
    if not is_event_stream(content_type) or cut_of(response):  # a cut stream is judged by resource_bound
        return None
    operation = case.operation
    document = operation.schema.raw_schema
    chunk = declared_chunk_schema(operation.definition.raw, response.status_code)
    validator = _cached_validator(document, operation.label, chunk) if chunk else None
    events = parse_events(response.content)
    problems = judge_events(events, validator)
    if not problems:
        return True
    shown = "\n".join(f"- {problem}" for problem in problems[:_MAX_PROBLEMS])
    more = f"\n- ... and {len(problems) - _MAX_PROBLEMS} more" if len(problems) > _MAX_PROBLEMS else ""
    target = chunk.get("$ref", "the declared chunk schema") if chunk else "JSON"
    raise SseEventViolation(
        operation=operation.label,
        title=f"SSE event violates {target.rsplit('/', 1)[-1]}",
        message=f"{len(problems)} problem(s) in a stream of {len(events)} event(s):\n"
        f"{shown}{more}",
    )
