"""Messages API helpers for the suites: create a message, read answers and events as JSON.

Suites judge what a provider *said*, so every object is read as the JSON a client gets
(``as_json``): the same code judges an in-process pydantic object and an HTTP answer. The
model named in requests is one the inference behind the provider serves (the responses
wing's ``chat_model``: a served or declared chat model, else the kit's echo model, which
the harness builds as an in-process provider's inference dependency). The echo model answers
with the last user message, so what a cut answer must look like is known exactly.
"""

from __future__ import annotations

from typing import Any

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance_suites.responses.helpers import as_json, chat_model

__all__ = ["as_json", "chat_model", "count", "create", "message_text", "streamed"]


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
