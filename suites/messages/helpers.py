"""Messages API helpers for the suites: create a message, read answers and events as JSON.

Suites judge what a provider *said*, so every object is read as the JSON a client gets
(``as_json``): the same code judges an in-process pydantic object and an HTTP answer. The
model named in requests is one the inference behind the provider serves (the responses
wing's ``chat_model``: a served or declared chat model, else the kit's echo model, which
the harness builds as an in-process provider's inference dependency). The echo model answers
with the last user message, so what a cut answer must look like is known exactly.
"""

from __future__ import annotations

import json
import time
from typing import Any

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome, request_arguments
from llama_conformance.checks import CheckDef
from llama_conformance_suites.responses.helpers import as_json, chat_model

__all__ = ["as_json", "batch_call", "batch_results", "batch_row", "cancel_batch", "chat_model", "count", "create",
           "create_batch", "message_text", "result_lines", "retrieve_batch", "route_status", "streamed", "until_ended"]

POLL_S = 0.05


def create(kit: Kit, text: str | list[dict[str, Any]], *, max_tokens: int = 64, **extra: Any) -> Outcome:
    """``create_message`` for one user message ``text`` (or these messages), streamed if ``stream``."""
    member = kit.member("create_message")
    messages = [{"role": "user", "content": text}] if isinstance(text, str) else text
    payload = {"model": chat_model(kit), "messages": messages, "max_tokens": max_tokens, **extra}
    return kit.call_request(member, kit.request(member, payload), stream=bool(extra.get("stream")))


def count(kit: Kit, messages: list[dict[str, Any]], model: str | None = None) -> Outcome:
    """``count_message_tokens`` for ``messages`` (and ``model``, else the chat model)."""
    return kit.ask("count_message_tokens", model=model or chat_model(kit), messages=messages)


def message_text(message: dict[str, Any]) -> str:
    """The text of a message's text blocks, joined."""
    return "".join(str(b.get("text", "")) for b in message.get("content") or []
                   if isinstance(b, dict) and b.get("type") == "text")


def streamed(events: list[Any]) -> tuple[dict[str, Any] | None, dict[Any, str], list[dict[str, Any]]]:
    """(message of message_start, text per content-block index from its text deltas, the message_delta
    events), from a stream's events as JSON."""
    start: dict[str, Any] | None = None
    texts: dict[Any, str] = {}
    deltas: list[dict[str, Any]] = []
    for event in events:
        if not isinstance(event, dict):
            continue
        kind = event.get("type")
        if kind == "message_start" and start is None:
            message = event.get("message")
            start = message if isinstance(message, dict) else {}
        elif kind == "content_block_delta":
            delta = event.get("delta") or {}
            if delta.get("type") == "text_delta":
                texts[event.get("index")] = texts.get(event.get("index"), "") + str(delta.get("text", ""))
        elif kind == "message_delta":
            deltas.append(event)
    return start, texts, deltas


# -- message batches --


def batch_row(kit: Kit, custom_id: str, text: str, *, max_tokens: int = 32, model: str | None = None) -> dict[str, Any]:
    """One request of a batch: ``text`` as the user message, to the chat model (or ``model``)."""
    return {"custom_id": custom_id, "params": {"model": model or chat_model(kit), "max_tokens": max_tokens,
                                               "messages": [{"role": "user", "content": text}]}}


def create_batch(kit: Kit, rows: list[dict[str, Any]]) -> Outcome:
    return kit.ask("create_message_batch", requests=rows)


def batch_call(kit: Kit, member_name: str, batch_id: str) -> Outcome:
    """``member_name`` (retrieve / cancel / results) for ``batch_id``."""
    member = kit.member(member_name)
    args, kwargs = request_arguments(member, kit.request(member, {"batch_id": batch_id}))
    return kit.call(member, *args, **kwargs)


def retrieve_batch(kit: Kit, batch_id: str) -> Outcome:
    return batch_call(kit, "retrieve_message_batch", batch_id)


def cancel_batch(kit: Kit, batch_id: str) -> Outcome:
    return batch_call(kit, "cancel_message_batch", batch_id)


def until_ended(kit: Kit, batch_id: str, check: CheckDef) -> dict[str, Any]:
    """Retrieve ``batch_id`` until its processing_status is ``ended`` (as JSON). Bounded by the kit's
    call timeout: a batch still running then fails ``check``; so does a retrieve that is not answered."""
    deadline = time.monotonic() + kit.put.gate.timeout_s
    while True:
        batch = as_json(kit, kit.accept(retrieve_batch(kit, batch_id), "retrieve_message_batch", check))
        if batch.get("processing_status") == "ended" or time.monotonic() > deadline:
            kit.judge.check(batch.get("processing_status") == "ended", check,
                            f"batch {batch_id} is still {batch.get('processing_status')!r} after "
                            f"{kit.put.gate.timeout_s:.0f} s.")
            return batch  # type: ignore[no-any-return]
        time.sleep(POLL_S)


def batch_results(kit: Kit, batch_id: str) -> Outcome:
    """``retrieve_message_batch_results``: in-process an iterator of result lines; over HTTP the route's
    ``application/x-jsonl`` body, which the transport reads a JSON document a line."""
    return batch_call(kit, "retrieve_message_batch_results", batch_id)


def result_lines(kit: Kit, outcome: Outcome) -> list[Any]:
    """The result lines a client read, as JSON: in-process the items the member's iterator yielded;
    over HTTP the lines of the ``application/x-jsonl`` body (a line that is no JSON stays a string)."""
    if outcome.chunks is not None:
        return [as_json(kit, chunk) for chunk in outcome.chunks]
    value = outcome.value
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, str):
        lines = []
        for line in value.split("\n"):  # not splitlines: a JSON string may hold U+2028 unescaped
            if line.strip():
                try:
                    lines.append(json.loads(line))
                except ValueError:
                    lines.append(line)
        return lines
    if isinstance(value, list):
        return [as_json(kit, item) for item in value]
    return [as_json(kit, value)]


# What the package's batch routes (``messages/fastapi_routes.py``) answer for what a provider raised:
# each catches KeyError (404) and, all but retrieve, ValueError (400); anything else is a 500.
_VALUE_ERROR_400 = {"cancel_message_batch", "retrieve_message_batch_results", "create_message_batch"}


def route_status(kit: Kit, outcome: Outcome, member: str) -> int | None:
    """The HTTP status a client gets for ``outcome`` of batch ``member`` (None: it was answered).

    Over HTTP, the status the server sent. In-process, the batch routes' own mapping, not the
    server-wide one (``contract.errors``): there a KeyError is the 404 and a package error a 500.
    """
    if outcome.succeeded:
        return None
    if not kit.in_process:
        status = getattr(outcome.error, "status_code", None)
        return status if isinstance(status, int) else (outcome.answer.status if outcome.answer else 500)
    error = outcome.error
    if isinstance(error, KeyError):
        return 404
    if isinstance(error, ValueError) and member in _VALUE_ERROR_400:
        return 400
    return 500
