"""Behavioural checks of the conversations API: stable ids, levels, references (registered on import)."""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, register

MUST, SHOULD = Level.MUST, Level.SHOULD

_API = "conversations"
_P = "Conversations."

CHECKS: tuple[CheckDef, ...] = (
    CheckDef("conversations.create", MUST,
             "Create answers a new conversation (fresh id, metadata as sent); items sent with it are stored",
             _API, None, f"{_P}create_conversation; POST /conversations; CreateConversationRequest -> Conversation"),
    CheckDef("conversations.get", MUST, "Get returns the conversation as created (id, created_at, metadata)",
             _API, None, f"{_P}get_conversation; GET /conversations/{{conversation_id}}; Conversation"),
    CheckDef("conversations.update", MUST,
             "Update sets the metadata; the answer and later gets show the new metadata",
             _API, None, f"{_P}update_conversation; POST /conversations/{{conversation_id}}; "
             "UpdateConversationRequest"),
    CheckDef("conversations.delete", MUST,
             "Delete answers deleted=true with the id; the conversation and its items are gone afterwards",
             _API, None, f"{_P}openai_delete_conversation; DELETE /conversations/{{conversation_id}}; "
             "ConversationDeletedResource"),
    CheckDef("conversations.items.add", MUST,
             "add_items answers the added items, in order, each with an id and the content sent",
             _API, None, f"{_P}add_items; POST /conversations/{{conversation_id}}/items; ConversationItemList"),
    CheckDef("conversations.items.retrieve", MUST, "An added item is retrieved by its id with the content sent",
             _API, None, f"{_P}retrieve; GET /conversations/{{conversation_id}}/items/{{item_id}}; ConversationItem"),
    CheckDef("conversations.items.order", MUST,
             "list_items order=asc lists items in the order they were added, order=desc in reverse",
             _API, None, f"{_P}list_items; GET /conversations/{{conversation_id}}/items; ListItemsRequest.order"),
    CheckDef("conversations.items.default-order", SHOULD,
             "list_items without order lists newest first (the documented default, desc)",
             _API, None, f"{_P}list_items; ListItemsRequest.order (default desc)"),
    CheckDef("conversations.items.pagination", MUST,
             "Walking list_items with limit/after yields every item once; has_more, first_id, last_id agree",
             _API, None, f"{_P}list_items; ListItemsRequest.limit/after; ConversationItemList.has_more"),
    CheckDef("conversations.items.delete", MUST,
             "Deleting an item removes it from retrieve and list_items and leaves the other items",
             _API, None, f"{_P}openai_delete_conversation_item; DELETE "
             "/conversations/{conversation_id}/items/{item_id}"),
    CheckDef("conversations.not-found", MUST,
             "Unknown conversation or item ids are a typed not-found (4xx) for every member that takes one",
             _API, None, f"{_P}get_conversation / update_conversation / openai_delete_conversation / add_items / "
             "retrieve / list_items / openai_delete_conversation_item; ConversationNotFoundError"),
    CheckDef("conversations.stateful", MUST,
             "Any sequence of creates, updates, item adds / deletes and deletes matches a model of what exists",
             _API, None, f"{_P}* (the CRUD members together)"),
)

register(*CHECKS)
