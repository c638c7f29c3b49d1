"""The conversations wing's check table: what the Conversations API promises, and the broken
fixtures that prove it.

Each check is declared once, here (its id is written nowhere else: the suite and the proofs
use these names). ``WING`` is what ``llama_conformance.catalogue`` registers.
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, Proof, UnknownCall, UnknownIds, Wing

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "conversations"
_P = "Conversations."

CREATE = CheckDef("conversations.create", MUST,
                  "Create answers a new conversation (fresh id, metadata as sent); items sent with it are stored",
                  API, None, f"{_P}create_conversation; POST /conversations; CreateConversationRequest -> Conversation")
GET = CheckDef("conversations.get", MUST, "Get returns the conversation as created (id, created_at, metadata)",
               API, None, f"{_P}get_conversation; GET /conversations/{{conversation_id}}; Conversation")
UPDATE = CheckDef("conversations.update", MUST,
                  "Update sets the metadata; the answer and later gets show the new metadata",
                  API, None, f"{_P}update_conversation; POST /conversations/{{conversation_id}}; "
                  "UpdateConversationRequest")
DELETE = CheckDef("conversations.delete", MUST,
                  "Delete answers deleted=true with the id; the conversation and its items are gone afterwards",
                  API, None, f"{_P}openai_delete_conversation; DELETE /conversations/{{conversation_id}}; "
                  "ConversationDeletedResource")
ITEMS_ADD = CheckDef("conversations.items.add", MUST,
                     "add_items answers the added items, in order, each with an id and the content sent",
                     API, None, f"{_P}add_items; POST /conversations/{{conversation_id}}/items; ConversationItemList")
ITEMS_RETRIEVE = CheckDef("conversations.items.retrieve", MUST,
                          "An added item is retrieved by its id with the content sent",
                          API, None, f"{_P}retrieve; GET /conversations/{{conversation_id}}/items/{{item_id}}; "
                          "ConversationItem")
ITEMS_ORDER = CheckDef("conversations.items.order", MUST,
                       "list_items order=asc lists items in the order they were added, order=desc in reverse",
                       API, None, f"{_P}list_items; GET /conversations/{{conversation_id}}/items; "
                       "ListItemsRequest.order")
ITEMS_DEFAULT_ORDER = CheckDef("conversations.items.default-order", SHOULD,
                               "list_items without order lists newest first (the documented default, desc)",
                               API, None, f"{_P}list_items; ListItemsRequest.order (default desc)")
ITEMS_PAGINATION = CheckDef("conversations.items.pagination", MUST,
                            "Walking list_items with limit/after yields every item once; has_more, first_id, "
                            "last_id agree",
                            API, None, f"{_P}list_items; ListItemsRequest.limit/after; ConversationItemList.has_more")
ITEMS_DELETE = CheckDef("conversations.items.delete", MUST,
                        "Deleting an item removes it from retrieve and list_items and leaves the other items; "
                        "deleting it again is a not-found",
                        API, None, f"{_P}openai_delete_conversation_item; DELETE "
                        "/conversations/{conversation_id}/items/{item_id}")
ITEMS_COPY = CheckDef("conversations.items.copy", SHOULD,
                      "add_items with the id of an item stored in another conversation copies that item (same id, "
                      "its stored content, not the content sent), the copy outlives a delete in the source, and an "
                      "id already in the conversation is refused (4xx)",
                      API, None, f"{_P}add_items; ConversationItem.id (OpenAI: a client-supplied item id names "
                      "a stored item)")
NOT_FOUND = CheckDef("conversations.not-found", MUST,
                     "Unknown conversation or item ids are a typed not-found (4xx) for every member that takes one",
                     API, None, f"{_P}get_conversation / update_conversation / openai_delete_conversation / "
                     "add_items / retrieve / list_items / openai_delete_conversation_item; ConversationNotFoundError")
STATEFUL = CheckDef("conversations.stateful", MUST,
                    "Any sequence of creates, updates, item adds / deletes and deletes matches a model of what exists",
                    API, None, f"{_P}* (the CRUD members together)")

UNKNOWN_CONVERSATION_ID = "conv_" + "0" * 48
UNKNOWN_PREFIX = "conv_kitunknown"  # + drawn letters and digits: ids that name nothing

# A run of the conversations suites on one broken fixture, selecting the tests that judge its defect.
_SUITES = ("--llama-api=conversations", "-m", "behavioral or negative or stateful")
_SEEDED = ("--hypothesis-seed=1",)  # the machine's defect needs two conversations and the right interleaving


def _proof(fixture: str, tests: str, fails: dict[str, tuple[CheckDef, ...]], *extra: str) -> Proof:
    return Proof(fixture, fails, run=(*_SUITES, "-k", tests, *extra))


WING = Wing(
    api=API,
    checks=(CREATE, GET, UPDATE, DELETE, ITEMS_ADD, ITEMS_RETRIEVE, ITEMS_ORDER, ITEMS_DEFAULT_ORDER,
            ITEMS_PAGINATION, ITEMS_DELETE, ITEMS_COPY, NOT_FOUND, STATEFUL),
    proofs=(
        _proof("conversations-create-adds-metadata", "test_create_get_update",
               {"test_create_get_update": (CREATE,)}),
        _proof("conversations-get-differs", "test_create_get_update", {"test_create_get_update": (GET,)}),
        _proof("conversations-update-not-stored", "test_create_get_update", {"test_create_get_update": (UPDATE,)}),
        _proof("conversations-delete-keeps", "test_delete and not pagination", {"test_delete": (DELETE,)}),
        _proof("conversations-delete-keeps-items", "test_delete and not pagination", {"test_delete": (DELETE,)}),
        Proof("conversations-copy-takes-sent-content", run=(*_SUITES, "-k", "test_item_copied"),
              warns=((ITEMS_COPY, "add_items with the id of *, an item of another conversation, answered text*"),)),
        _proof("conversations-add-answers-nothing", "test_items_add_retrieve_order",
               {"test_items_add_retrieve_order": (ITEMS_ADD,)}),
        _proof("conversations-retrieve-first-item", "test_items_add_retrieve_order",
               {"test_items_add_retrieve_order": (ITEMS_RETRIEVE,)}),
        _proof("conversations-asc-ignored", "test_items_add_retrieve_order",
               {"test_items_add_retrieve_order": (ITEMS_ORDER,)}),
        _proof("conversations-after-skips", "test_items_pagination_and_delete",
               {"test_items_pagination_and_delete": (ITEMS_PAGINATION,)}),
        _proof("conversations-item-delete-keeps", "test_items_pagination_and_delete",
               {"test_items_pagination_and_delete": (ITEMS_DELETE,)}),
        _proof("conversations-item-delete-soft", "test_items_pagination_and_delete",
               {"test_items_pagination_and_delete": (ITEMS_DELETE,)}),
        _proof("conversations-item-delete-repeat-answered", "test_items_pagination_and_delete",
               {"test_items_pagination_and_delete": (ITEMS_DELETE,)}),
        _proof("conversations-unknown-answered", "test_unknown_ids or test_unknown_item_ids",
               {"test_unknown_ids[conversations]": (NOT_FOUND,)}),
        _proof("conversations-items-to-latest", "stateful", {"test_conversations_state_machine": (STATEFUL,)},
               *_SEEDED),
        Proof("conversations-default-asc", run=(*_SUITES, "-k", "test_items_add_retrieve_order"),
              warns=((ITEMS_DEFAULT_ORDER, "list_items without order*"),)),
    ),
    unknown_ids=(
        # update_conversation and add_items take the id beside their request (``kit.ask_with``), which a
        # row cannot call: suites/conversations/test_conversations.py::test_unknown_item_ids judges them.
        UnknownIds(NOT_FOUND, prefix=UNKNOWN_PREFIX, known=UNKNOWN_CONVERSATION_ID, max_size=30,
                   label="conversation_id", calls=(
                       UnknownCall("get_conversation", "conversation_id"),
                       UnknownCall("openai_delete_conversation", "conversation_id"),
                       UnknownCall("list_items", "conversation_id"),
                       UnknownCall("retrieve", "conversation_id", {"item_id": "msg_unknown"}),
                   )),
    ),
)
