"""Conversations API helpers for the suites: calls by id, messages to add, and not-found checks.

Two members take the conversation id beside the request model (``update_conversation``,
``add_items``); the router passes both as keywords, so ``call_with_id`` does the same, with
the same wire and request-unchanged bookkeeping as ``Kit.call_request``. The not-found
helper is shared by the conversations, prompts and batches suites.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome

TEXTS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)



def call(kit: Kit, member_name: str, **payload: Any) -> Outcome:
    member = kit.member(member_name)
    return kit.call_request(member, kit.request(member, payload))


def call_with_id(kit: Kit, member_name: str, conversation_id: str, payload: dict[str, Any]) -> Outcome:
    """``member(conversation_id=..., request=...)``, judged like ``Kit.call_request``."""
    member = kit.member(member_name)
    request = kit.request(member, payload)
    before = request.model_dump()
    outcome = kit.call(member, conversation_id=conversation_id, request=request)
    if kit.put.over_http:
        kit.judge.take(kit.put.wire.drain())
    kit.judge.check(request.model_dump() == before, "call.request-unchanged",
                    f"{member.member_id} changed the request it was given.")
    return outcome


def message(role: str, text: str) -> dict[str, Any]:
    """An input message item (what a client adds most often)."""
    return {"type": "message", "role": role, "content": text}


def item_text(item: Any) -> str | None:
    """The text of a message item, whether content is a string or a list of parts."""
    content = getattr(item, "content", None)
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(getattr(part, "text", "") or "" for part in content)
    return None


CREATE = "conversations.create"


def create(kit: Kit, check_id: str = CREATE, **payload: Any) -> Any:
    """A new conversation, or the test fails under ``check_id``: ``conversations.create``, the check
    of this step, whichever test needs the conversation. A test whose setup failed is charged with
    that step alone; its own checks were not judged (``report.results``). Only a state machine,
    which judges every step as one sequence, passes its own check.
    """
    outcome = call(kit, "create_conversation", **payload)
    kit.judge.answered(outcome, check_id)
    kit.validate(outcome, kit.member("create_conversation"), expect_stream=False, check_id=check_id)
    return outcome.value


def delete(kit: Kit, conversation_id: str) -> Outcome:
    return call(kit, "openai_delete_conversation", conversation_id=conversation_id)


def list_items(kit: Kit, conversation_id: str, **payload: Any) -> Outcome:
    return call(kit, "list_items", conversation_id=conversation_id, **payload)


def all_items(kit: Kit, conversation_id: str, check_id: str, order: str = "asc") -> list[Any]:
    """Every item of a conversation in one call (the limit is large enough for the suites)."""
    outcome = list_items(kit, conversation_id, order=order, limit=100)
    kit.judge.answered(outcome, check_id)
    return list(outcome.value.data)
