"""Interactions API helpers for the suites: create (whole or streamed), read events as JSON, and the
event-stream invariants.

Suites judge what a provider *said*, so every object is read as the JSON a client gets
(``as_json``). The model named in requests is one the inference behind the provider serves (the
responses suite's rule: a served or declared chat model, else the kit's reference echo model, which
the harness gives an in-process interactions provider as its inference dependency).
"""

from __future__ import annotations

import json
from importlib import import_module
from typing import Any

from fastapi.responses import JSONResponse

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.checks import CheckDef
from llama_conformance.validate import validate_value
from llama_conformance_suites.responses.helpers import as_json, chat_model

START, COMPLETE = "interaction.start", "interaction.complete"
CONTENT_START, CONTENT_DELTA, CONTENT_STOP = "content.start", "content.delta", "content.stop"


def create(kit: Kit, text: str, *, stream: bool = False, model: str | None = None, **extra: Any) -> Outcome:
    """Create an interaction answering ``text`` (``extra``: more request fields)."""
    member = kit.member("create_interaction")
    payload = {"model": model or chat_model(kit), "input": text, "stream": stream, **extra}
    return kit.call_request(member, kit.request(member, payload), stream=stream)


def answer(kit: Kit, outcome: Outcome, check: CheckDef) -> dict[str, Any]:
    """A whole interaction as the JSON a client gets; ``check`` fails unless it answered one validly.

    The member's declared return also admits a ``JSONResponse`` (the native passthrough forwards the
    upstream body as it is), which no schema describes: the body it carries is what is validated, as a
    ``GoogleInteractionResponse`` (``kit.accept`` cannot validate the declared union).
    """
    kit.judge.answered(outcome, check)
    kit.judge.check(not outcome.streamed, check, "create_interaction streamed though stream=false was asked.")
    value = outcome.value
    if isinstance(value, JSONResponse):
        value = json.loads(bytes(value.body))
    response_type = import_module(f"{kit.api.__name__}.interactions.models").GoogleInteractionResponse
    wired = kit.wire(outcome) if value is outcome.value else value
    kit.judge.take(validate_value(wired, response_type, method="interactions.create_interaction",
                                  in_process=kit.in_process and value is outcome.value))
    return as_json(kit, value) if value is outcome.value else value  # type: ignore[no-any-return]


def events(kit: Kit, outcome: Outcome) -> list[dict[str, Any]]:
    """The streamed events as JSON (a raw SSE line a passthrough forwards is left out: it is no event)."""
    return [e for e in (as_json(kit, chunk) for chunk in outcome.chunks or ()) if isinstance(e, dict)]


def completed_id(stream: list[dict[str, Any]]) -> str | None:
    """The id the stream's ``interaction.complete`` event names (None: no such event)."""
    last = next((e for e in reversed(stream) if e.get("event_type") == COMPLETE), None)
    return (last.get("interaction") or {}).get("id") if last else None


def stream_problems(stream: list[dict[str, Any]]) -> list[str]:
    """What breaks the event order a client's stream reader relies on (empty: none).

    Google's Interactions stream (and ogx's translation of it): one ``interaction.start`` first,
    one ``interaction.complete`` last with the same interaction id, and content blocks that are
    started (``content.start``), filled (``content.delta`` of the block's own type) and stopped
    (``content.stop``) by index, each once, all before the end.
    """
    kinds = [e.get("event_type") for e in stream]
    problems = []
    if not stream:
        return ["the stream carried no event"]
    if kinds[0] != START or kinds.count(START) != 1:
        problems.append(f"'{START}' must come first and once; the events are {kinds}")
    if kinds[-1] != COMPLETE or kinds.count(COMPLETE) != 1:
        problems.append(f"'{COMPLETE}' must come last and once; the events are {kinds}")
    ids = {(e.get("interaction") or {}).get("id") for e in stream if e.get("event_type") in (START, COMPLETE)}
    if len(ids) != 1 or None in ids or "" in ids:
        problems.append(f"'{START}' and '{COMPLETE}' must name one interaction id; they name {sorted(map(str, ids))}")
    open_blocks: dict[Any, str] = {}
    closed: set[Any] = set()
    for position, event in enumerate(stream):
        kind, index = event.get("event_type"), event.get("index")
        if kind == CONTENT_START:
            if index in open_blocks or index in closed:
                problems.append(f"event {position}: content block {index} is started a second time")
            open_blocks[index] = (event.get("content") or {}).get("type", "text")
        elif kind in (CONTENT_DELTA, CONTENT_STOP) and index not in open_blocks:
            problems.append(f"event {position}: '{kind}' for content block {index}, which is not open "
                            f"(open: {sorted(map(str, open_blocks))})")
        elif kind == CONTENT_DELTA and (event.get("delta") or {}).get("type") != open_blocks[index]:
            problems.append(f"event {position}: a {(event.get('delta') or {}).get('type')!r} delta in the "
                            f"{open_blocks[index]!r} block {index}")
        elif kind == CONTENT_STOP:
            closed.add(index)
            del open_blocks[index]
    if open_blocks:
        problems.append(f"content blocks {sorted(map(str, open_blocks))} are never stopped")
    return problems
