"""Responses API helpers for the suites: create, call by id, list, and read objects as JSON.

Suites judge what a provider *said*, so every object is read as the JSON a client gets
(``as_json``): the same code judges an in-process pydantic object and an HTTP answer. The
model named in requests is one the inference behind the provider serves: a served or
declared chat model, else the kit's reference chat model (the harness gives an in-process
responses provider the kit's reference inference as its dependency).

The steps judge under the check a caller names, because two wings run them: ``responses`` and the
llama-stack-api 0.5-0.6 ``agents`` wing, whose protocol has the same members and whose checks are its
own (``suites/agents``). Written once here, a fix to a step reaches both.
"""

from __future__ import annotations

from typing import Any

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.negative import expect_not_found
from llama_conformance.checks import CheckDef
from llama_conformance.engine_checks import NO_HANG
from llama_conformance.transport.checks import SSE_FRAMING
from llama_conformance.validate import ids

# The chat model of the kit's reference inference (fixtures/reference/inference.py), which
# the harness builds as an in-process responses provider's inference dependency.
REFERENCE_CHAT_MODEL = "kit-echo"
TERMINAL_EVENTS = ("response.completed", "response.failed", "response.incomplete")
# What every stream of response events is held to (the ``stream.responses.*`` invariants among them).
RESPONSE_STREAM = (NO_HANG, ids.STREAM_CHUNK_TYPE, ids.STREAM_CHUNK_SCHEMA, ids.STREAM_CHUNK_ROUNDTRIP,
                   ids.STREAM_NONEMPTY, ids.RESPONSES_CREATED_FIRST, ids.RESPONSES_SEQUENCE,
                   ids.RESPONSES_TERMINAL_ONCE, ids.RESPONSES_TERMINAL_LAST, ids.RESPONSES_SAME_ID,
                   ids.RESPONSES_TERMINAL_STATUS, SSE_FRAMING)
USER_TEXT = "Name three prime numbers."
DELETED_MEMBERS = ("get_openai_response", "list_openai_response_input_items", "delete_openai_response")


def chat_model(kit: Kit) -> str:
    """A model the provider's inference answers chat with."""
    served = kit.served().of("llm")
    if served:
        return served[0]
    declared = [m.provider_resource_id or m.model_id for m in kit.session.manifest.models if m.model_type == "llm"]
    if declared:
        return declared[0]
    if kit.session.options.stack_url:  # a deployment's inference is its own: the kit cannot guess a model
        pytest.skip("no chat model known for this deployment's responses API: its /v1/models lists no llm model "
                    "and no manifest names one. Whoever runs the kit: register a chat model in the deployment, or "
                    "name a served one in a --llama-manifest (models: [{model_id: ..., model_type: llm}]).")
    return REFERENCE_CHAT_MODEL


def as_json(kit: Kit, value: Any) -> Any:
    """What a client reads for ``value``: JSON from a server, or the object dumped as JSON."""
    wired = kit.wire(value)
    dump = getattr(wired, "model_dump", None)
    return dump(mode="json") if callable(dump) else wired


def create(kit: Kit, text: str | list[dict[str, Any]], **extra: Any) -> Outcome:
    """Create a response to ``text`` (one user message) or to a list of input items."""
    member = kit.member("create_openai_response")
    payload = {"model": chat_model(kit), "input": text, **extra}
    return kit.call_request(member, kit.request(member, payload), stream=bool(extra.get("stream")))


def created(kit: Kit, text: Any, check: CheckDef, **extra: Any) -> dict[str, Any]:
    """A created response as JSON, or the test fails under ``check``."""
    return as_json(kit, kit.accept(create(kit, text, **extra), "create_openai_response", check))


def cleanup(kit: Kit, *response_ids: str) -> None:
    """Delete what a test stored, so a persistent service is left as found (answers are not judged)."""
    for response_id in response_ids:
        by_id(kit, "delete_openai_response", response_id)


def retrieved(kit: Kit, response_id: str, check: CheckDef) -> dict[str, Any]:
    """A stored response as JSON, or the test fails under ``check``."""
    return as_json(kit, kit.accept(by_id(kit, "get_openai_response", response_id), "get_openai_response", check))


def same_response(kit: Kit, got: dict[str, Any], made: dict[str, Any], how: str, check: CheckDef) -> None:
    """Retrieve (``got``) says what ``how`` (create, or a stream's completed event) ended with."""
    for name in ("id", "status", "model", "created_at"):
        kit.judge.check(got.get(name) == made.get(name), check,
                        f"retrieve says {name}={got.get(name)!r}, {how} said {made.get(name)!r}.")
    kit.judge.check(output_text(got) == output_text(made), check,
                    f"retrieve's output text is {output_text(got)[:80]!r}, {how} ended with "
                    f"{output_text(made)[:80]!r}.")


def create_and_retrieve(kit: Kit, create_check: CheckDef, retrieve_check: CheckDef) -> None:
    """Create: completed, assistant output, model and store as asked; retrieve returns it as created."""
    made = created(kit, USER_TEXT, create_check)
    try:
        kit.judge.check(made.get("status") == "completed", create_check,
                        f"status is {made.get('status')!r}, not 'completed', for a request with no tools.")
        kit.judge.check(made.get("model") == chat_model(kit), create_check,
                        f"model is {made.get('model')!r}; the request named {chat_model(kit)!r}.")
        kit.judge.check(made.get("store") is True, create_check,
                        f"store is {made.get('store')!r}; the request left it at its default, true.")
        output = made.get("output") or []
        messages = [i for i in output if i.get("type") == "message"]
        kit.judge.check(bool(messages) and all(m.get("role") == "assistant" for m in messages), create_check,
                        f"output holds no assistant message: {[(i.get('type'), i.get('role')) for i in output]}.")
        same_response(kit, retrieved(kit, made["id"], retrieve_check), made, "create", retrieve_check)
    finally:
        cleanup(kit, made["id"])


def stream_and_retrieve(kit: Kit, stream_check: CheckDef, retrieve_check: CheckDef,
                        text_done_check: CheckDef | None = None) -> None:
    """A stream's items and deltas add up to its terminal response, which retrieve returns; with
    ``text_done_check``, all streamed text is closed by an ``output_text.done``."""
    member = kit.member("create_openai_response")
    outcome = create(kit, user_messages(USER_TEXT, "And two more."), stream=True)
    kit.accept(outcome, member, stream_check, stream=True)
    events = [as_json(kit, chunk) for chunk in outcome.chunks or []]
    final = terminal_response(kit, outcome.chunks or [])
    if final is None or not final.get("id"):
        kit.judge.fail(stream_check, "the stream's terminal event carries no response object with an id.")
    try:
        problems = stream_problems(events, final)
        kit.judge.check(not problems, stream_check, "; ".join(problems))
        if text_done_check is not None:
            unclosed = text_not_closed(events)
            kit.judge.check(not unclosed, text_done_check,
                            f"text streamed for (item, content index) {unclosed} gets no response.output_text.done; "
                            "clients that wait for it to take the whole text never see it.")
        if final.get("status") == "completed":
            same_response(kit, retrieved(kit, final["id"], retrieve_check), final, "the stream's completed event",
                          retrieve_check)
    finally:
        cleanup(kit, final["id"])


def input_items_in_order(kit: Kit, response_id: str, sent: list[str], check: CheckDef) -> None:
    """Input items of a response created with one message per ``sent`` text: newest first by default,
    ``order`` and ``limit`` honoured."""
    member = kit.member("list_openai_response_input_items")
    expectations: list[tuple[dict[str, Any], list[str]]] = [
        ({}, sent[::-1]), ({"order": "asc"}, sent), ({"order": "desc"}, sent[::-1]),
        ({"order": "asc", "limit": 1}, sent[:1])]
    for extra, texts in expectations:
        answer = kit.accept(by_id(kit, member.name, response_id, **extra), member, check)
        got = item_texts(as_json(kit, answer).get("data") or [])
        kit.judge.check(got == texts, check, f"input items {extra or '(defaults)'} are {got}; {texts} were due.")


def expect_deleted(kit: Kit, response_id: str, check: CheckDef) -> None:
    """Retrieve, input items and delete of a deleted response are each a not-found."""
    for member in DELETED_MEMBERS:
        expect_not_found(kit, by_id(kit, member, response_id), check, f"{member} of a deleted response")


def user_messages(*texts: str) -> list[dict[str, Any]]:
    """Input items: one user message per text."""
    return [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": t}]} for t in texts]


def by_id(kit: Kit, member_name: str, response_id: str, **extra: Any) -> Outcome:
    return kit.ask(member_name, response_id=response_id, **extra)


def list_page(kit: Kit, **payload: Any) -> Outcome:
    return kit.ask("list_openai_responses", **payload)


def listed_ids(kit: Kit, outcome: Outcome) -> list[Any]:
    """The ids a listing's page names, as a client reads them: from the server's JSON, or from the objects
    in-process (dumping a page of a hundred responses only to read their ids was a third of what a listing cost)."""
    wired = kit.wire(outcome)
    rows = wired.get("data") if isinstance(wired, dict) else getattr(wired, "data", None)
    return [row.get("id") if isinstance(row, dict) else getattr(row, "id", None) for row in rows or []]


def text_of(content: Any) -> str:
    """The text of a message's content: a string, or its text parts joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def output_text(response: dict[str, Any]) -> str:
    """All output_text of the assistant messages of a response object (JSON)."""
    return "".join(text_of(item.get("content")) for item in response.get("output") or []
                   if isinstance(item, dict) and item.get("type") == "message")


def item_texts(items: list[Any]) -> list[str]:
    """The text of each message item (others are skipped): what input items say was sent."""
    return [text_of(item.get("content")) for item in items
            if isinstance(item, dict) and item.get("type", "message") == "message"]


def terminal_response(kit: Kit, chunks: list[Any]) -> dict[str, Any] | None:
    """The response object the terminal event carried, as JSON."""
    for chunk in chunks:
        event = as_json(kit, chunk)
        if isinstance(event, dict) and event.get("type") in TERMINAL_EVENTS:
            response = event.get("response")
            return response if isinstance(response, dict) else None
    return None


def _item_key(item: dict[str, Any]) -> tuple[Any, Any]:
    return item.get("type"), item.get("id")


def stream_problems(events: list[dict[str, Any]], final: dict[str, Any] | None) -> list[str]:
    """Where a stream's items and text disagree with each other or with its terminal response.

    The streaming protocol announces each output item (``output_item.added``), streams its
    text (``output_text.delta`` ... ``output_text.done``), closes it (``output_item.done``)
    and ends with the response whose ``output`` is exactly the items it closed.
    """
    problems: list[str] = []
    added: set[Any] = set()
    done: dict[Any, dict[str, Any]] = {}
    deltas: dict[tuple[Any, Any], str] = {}
    texts: dict[tuple[Any, Any], str] = {}
    for number, event in enumerate(events, start=1):
        kind, index = event.get("type"), event.get("output_index")
        if kind == "response.output_item.added":
            added.add(index)
        elif kind == "response.output_item.done":
            if index not in added:
                problems.append(f"event #{number} closes output item {index}, which no output_item.added opened")
            done[index] = event.get("item") or {}
        elif kind == "response.output_text.delta":
            key = (event.get("item_id"), event.get("content_index"))
            deltas[key] = deltas.get(key, "") + str(event.get("delta", ""))
        elif kind == "response.output_text.done":
            key = (event.get("item_id"), event.get("content_index"))
            texts[key] = str(event.get("text", ""))
            if key in deltas and deltas[key] != texts[key]:
                problems.append(f"output_text.done of item {key[0]!r} says {texts[key][:60]!r}, but its deltas "
                                f"add up to {deltas[key][:60]!r}")
    if final is None or final.get("status") != "completed":
        return problems
    output = [item for item in final.get("output") or [] if isinstance(item, dict)]
    closed = [done[i] for i in sorted(done, key=lambda i: (not isinstance(i, int), i if isinstance(i, int) else 0))]
    if [_item_key(i) for i in output] != [_item_key(i) for i in closed]:
        problems.append(f"the completed response's output is {[_item_key(i) for i in output]}, but the stream "
                        f"closed the items {[_item_key(i) for i in closed]} (type, id)")
    for item in output:
        if item.get("type") != "message" or not isinstance(item.get("content"), list):
            continue
        for index, part in enumerate(item["content"]):
            streamed = texts.get((item.get("id"), index))
            if isinstance(part, dict) and streamed is not None and part.get("text") != streamed:
                problems.append(f"item {item.get('id')!r} part {index} ends as {str(part.get('text'))[:60]!r} in the "
                                f"completed response, but output_text.done streamed {streamed[:60]!r}")
    return problems


def text_not_closed(events: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    """(item id, content index) of streamed text that no ``output_text.done`` closed."""
    streamed = {(e.get("item_id"), e.get("content_index")) for e in events
                if e.get("type") == "response.output_text.delta"}
    closed = {(e.get("item_id"), e.get("content_index")) for e in events
              if e.get("type") == "response.output_text.done"}
    return sorted(streamed - closed, key=repr)
