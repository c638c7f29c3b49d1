"""Conversations suite, contract depth: an item id sent to add_items names a stored item.

OpenAI's conversations (and ogx's, core/conversations/conversations.py ``_resolve_item_records``)
resolve a client-supplied item id: one of an item in another conversation copies that item with
its stored content, whatever content was sent; one already in the target conversation is
refused. A client forking a conversation relies on the copy being the original, and on it
surviving when the source item is deleted.
"""

from __future__ import annotations

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.engine_checks import TYPED_ERROR
from llama_conformance_suites.conversations.checks import CREATE, ITEMS_ADD, ITEMS_COPY, ITEMS_DELETE
from llama_conformance_suites.conversations.helpers import create, delete, item_text, message

pytestmark = [pytest.mark.behavioral, pytest.mark.api("conversations")]

ORIGINAL, SENT = "hello from A", "content sent for B"


@pytest.mark.checks(CREATE, ITEMS_ADD, ITEMS_COPY, ITEMS_DELETE, TYPED_ERROR, *ANSWER)
def test_item_copied(llama_kit: Kit) -> None:
    """conversations.items.copy (SHOULD): the id of another conversation's item copies it."""
    kit = llama_kit
    source, target = create(kit), create(kit)
    try:
        added = kit.accept(kit.ask_with("add_items", {"items": [message("user", ORIGINAL)]},
                                        conversation_id=source.id), "add_items", ITEMS_ADD)
        item_id = added.data[0].id
        copy = {**message("user", SENT), "id": item_id}
        copied = kit.accept(kit.ask_with("add_items", {"items": [copy]}, conversation_id=target.id), "add_items",
                            ITEMS_COPY)
        got = copied.data[0]
        kit.judge.check(got.id == item_id and item_text(got) == ORIGINAL, ITEMS_COPY,
                        f"add_items with the id of {item_id}, an item of another conversation, answered text "
                        f"{item_text(got)!r} with id {got.id!r}, not a copy of the stored item ({ORIGINAL!r}).")
        kit.answer("openai_delete_conversation_item", ITEMS_DELETE, conversation_id=source.id, item_id=item_id)
        kept = kit.answer("retrieve", ITEMS_COPY, conversation_id=target.id, item_id=item_id)
        kit.judge.check(item_text(kept) == ORIGINAL, ITEMS_COPY,
                        f"after deleting {item_id} from its first conversation, the copy reads "
                        f"{item_text(kept)!r}, not {ORIGINAL!r}.")
        again = kit.ask_with("add_items", {"items": [copy]}, conversation_id=target.id)
        kit.judge.no_hang(again)
        kit.judge.check(not again.succeeded, ITEMS_COPY,
                        f"add_items with {item_id}, already in the conversation, was answered, not refused.")
        kit.judge.typed_rejection(again)
    finally:
        delete(kit, source.id)
        delete(kit, target.id)
