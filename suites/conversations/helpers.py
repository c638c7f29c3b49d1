"""Conversations API helpers for the suites: conversations to create and delete, messages to add.

Two members take the conversation id beside the request model (``update_conversation``,
``add_items``); the router passes both as keywords, and so does ``Kit.ask_with``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.checks import CheckDef
from llama_conformance_suites.conversations.checks import CREATE

TEXTS = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)


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


def create(kit: Kit, check: CheckDef = CREATE, **payload: Any) -> Any:
    """A new conversation, or the test fails under ``check``: ``CREATE``, the check of this step,
    whichever test needs the conversation. A test whose setup failed is charged with that step
    alone; its own checks were not judged (``report.results``). Only a state machine, which
    judges every step as one sequence, passes its own check.
    """
    return kit.answer("create_conversation", check, **payload)


def delete(kit: Kit, conversation_id: str) -> Outcome:
    return kit.ask("openai_delete_conversation", conversation_id=conversation_id)


def list_items(kit: Kit, conversation_id: str, **payload: Any) -> Outcome:
    return kit.ask("list_items", conversation_id=conversation_id, **payload)


def all_items(kit: Kit, conversation_id: str, check: CheckDef, order: str = "asc") -> list[Any]:
    """Every item of a conversation in one call (the limit is large enough for the suites)."""
    outcome = list_items(kit, conversation_id, order=order, limit=100)
    kit.judge.answered(outcome, check)
    return list(outcome.value.data)
