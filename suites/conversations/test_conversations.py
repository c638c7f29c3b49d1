"""Conversations suite: create / get / update / delete, items (add, retrieve, order, pagination,
delete) and the negative contract (unknown conversation and item ids).

Each test names the checks it makes (``checks.py`` beside this file). Conversations the tests
create are deleted again, so a persistent service is left as found. Unknown conversation ids are
the shared negative table's row (``WING.unknown_ids``); what the row cannot call is judged here.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, FUZZED, NEGATIVE
from llama_conformance.behaviour.negative import expect_not_found, unknown_ids
from llama_conformance.behaviour.steps import METADATA
from llama_conformance.checks import CheckDef
from llama_conformance.strategies import valid_requests
from llama_conformance_suites.conversations.checks import (
    CREATE,
    DELETE,
    GET,
    ITEMS_ADD,
    ITEMS_DEFAULT_ORDER,
    ITEMS_DELETE,
    ITEMS_ORDER,
    ITEMS_PAGINATION,
    ITEMS_RETRIEVE,
    NOT_FOUND,
    UNKNOWN_CONVERSATION_ID,
    UNKNOWN_PREFIX,
    UPDATE,
)
from llama_conformance_suites.conversations.helpers import (
    TEXTS,
    all_items,
    create,
    delete,
    item_text,
    list_items,
    message,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("conversations")]

MESSAGES = st.lists(st.tuples(st.sampled_from(["user", "assistant", "system", "developer"]), TEXTS),
                    min_size=1, max_size=4)


def _same(kit: Kit, got: Any, want: Any, check: CheckDef, what: str) -> None:
    for name in ("id", "created_at", "metadata"):
        kit.judge.check(getattr(got, name) == getattr(want, name), check,
                        f"{what} says {name}={getattr(got, name)!r}, create said {getattr(want, name)!r}.")


@pytest.mark.checks(CREATE, GET, UPDATE, *ANSWER, *FUZZED)
def test_create_get_update(llama_kit: Kit) -> None:
    """conversations.create over drawn requests, then .get and .update of what was created."""
    kit = llama_kit
    member = kit.member("create_conversation")
    seen: set[str] = set()
    tally = {"answered": 0, "rejected": 0}

    def body(example: tuple) -> None:
        request, new_metadata = example
        outcome = kit.call_request(member, request)
        kit.judge.no_hang(outcome)
        if outcome.error is not None:  # a drawn item the provider refuses: typed, or a failure
            kit.judge.typed_rejection(outcome)
            tally["rejected"] += 1
            return
        tally["answered"] += 1
        kit.validate(outcome, member, expect_stream=False, check_id=CREATE)
        created = outcome.value
        try:
            kit.judge.check(created.id not in seen, CREATE,
                            f"create answered id {created.id!r} a second time.")
            seen.add(created.id)
            kit.judge.check(created.metadata == request.metadata or (not created.metadata and not request.metadata),
                            CREATE,
                            f"metadata is {created.metadata!r}, {request.metadata!r} was sent.")
            items = all_items(kit, created.id, CREATE)
            sent = len(request.items or [])
            kit.judge.check(len(items) == sent, CREATE,
                            f"created with {sent} items, list_items shows {len(items)}.")
            got = kit.answer("get_conversation", GET, conversation_id=created.id)
            _same(kit, got, created, GET, "get_conversation")
            updated = kit.accept(kit.ask_with("update_conversation", {"metadata": new_metadata},
                                              conversation_id=created.id), "update_conversation", UPDATE)
            kit.judge.check(updated.id == created.id and (updated.metadata or {}) == new_metadata,
                            UPDATE,
                            f"update to {new_metadata!r} answered metadata {updated.metadata!r}.")
            again = kit.ask("get_conversation", conversation_id=created.id)
            kit.judge.answered(again, GET)
            kit.judge.check((again.value.metadata or {}) == new_metadata, UPDATE,
                            f"after update to {new_metadata!r}, get says {again.value.metadata!r}.")
        finally:
            delete(kit, created.id)

    kit.examples(st.tuples(valid_requests(member.request_model), METADATA), body)
    kit.judge.mostly_accepted("create_conversation", tally)


@pytest.mark.checks(CREATE, ITEMS_ADD, ITEMS_RETRIEVE, ITEMS_ORDER, ITEMS_DEFAULT_ORDER, *ANSWER)
def test_items_add_retrieve_order(llama_kit: Kit) -> None:
    """Items come back with the content sent, retrievable by id, listed in insertion order."""
    kit = llama_kit

    def body(batches: list) -> None:
        conversation = create(kit)
        try:
            expected: list[tuple[str, str]] = []  # (id, text) in insertion order
            for batch in batches:
                outcome = kit.ask_with("add_items", {"items": [message(role, text) for role, text in batch]},
                                       conversation_id=conversation.id)
                added = kit.accept(outcome, "add_items", ITEMS_ADD).data
                kit.judge.check([item_text(i) for i in added] == [t for _, t in batch], ITEMS_ADD,
                                f"add_items of {[t for _, t in batch]!r} answered {[item_text(i) for i in added]!r}.")
                kit.judge.check(all(getattr(i, "id", None) for i in added), ITEMS_ADD,
                                "add_items answered items without an id.")
                expected += [(i.id, t) for i, (_, t) in zip(added, batch, strict=False)]
            ids = [i for i, _ in expected]
            kit.judge.check(len(set(ids)) == len(ids), ITEMS_ADD,
                            f"added items share ids: {ids}.")
            for item_id, text in expected:
                got = kit.answer("retrieve", ITEMS_RETRIEVE, conversation_id=conversation.id, item_id=item_id)
                kit.judge.check(got.id == item_id and item_text(got) == text,
                                ITEMS_RETRIEVE,
                                f"retrieve({item_id}) answered id {got.id!r} text {item_text(got)!r}, "
                                f"{text!r} was added.")
            for order in ("asc", "desc"):
                listed = [i.id for i in all_items(kit, conversation.id, ITEMS_ORDER, order)]
                want = ids if order == "asc" else ids[::-1]
                kit.judge.check(listed == want, ITEMS_ORDER,
                                f"order={order} lists {listed}, items were added as {ids}.")
            default = list_items(kit, conversation.id, limit=100)
            kit.judge.answered(default, ITEMS_ORDER)
            kit.judge.check([i.id for i in default.value.data] == ids[::-1], ITEMS_DEFAULT_ORDER,
                            "list_items without order does not list newest first (documented default desc).")
        finally:
            delete(kit, conversation.id)

    kit.examples(st.lists(MESSAGES, min_size=1, max_size=3), body, label="item batches")


def _walk(kit: Kit, conversation_id: str, limit: int, order: str) -> list[str]:
    seen: list[str] = []
    after = None
    for _ in range(100):
        outcome = list_items(kit, conversation_id, limit=limit, order=order, **({"after": after} if after else {}))
        page = kit.accept(outcome, "list_items", ITEMS_PAGINATION)
        ids = [i.id for i in page.data]
        kit.judge.check(len(ids) <= limit, ITEMS_PAGINATION,
                        f"a page asked for limit={limit} holds {len(ids)} items.")
        if ids:
            kit.judge.check(page.first_id == ids[0] and page.last_id == ids[-1], ITEMS_PAGINATION,
                            f"first_id/last_id are {page.first_id!r}/{page.last_id!r}, the page runs "
                            f"{ids[0]!r}..{ids[-1]!r}.")
        seen += ids
        if not page.has_more:
            return seen
        kit.judge.check(bool(ids), ITEMS_PAGINATION, "has_more is true on an empty page.")
        after = ids[-1]
    kit.judge.fail(ITEMS_PAGINATION, "pagination does not end after 100 pages.")


@pytest.mark.checks(CREATE, ITEMS_PAGINATION, ITEMS_DELETE, *ANSWER)
def test_items_pagination_and_delete(llama_kit: Kit) -> None:
    """Walking pages with limit/after yields each item once; a deleted item is gone (not listed, not
    retrievable, not deletable again), the rest stay."""
    kit = llama_kit
    conversation = create(kit, items=[message("user", f"item {i}") for i in range(5)])
    try:
        ids = [i.id for i in all_items(kit, conversation.id, ITEMS_PAGINATION)]
        for order in ("asc", "desc"):
            walked = _walk(kit, conversation.id, 2, order)
            want = ids if order == "asc" else ids[::-1]
            kit.judge.check(walked == want, ITEMS_PAGINATION,
                            f"walking order={order} with limit=2 gave {walked}, the items are {want}.")
        victim = ids[2]
        kit.answer("openai_delete_conversation_item", ITEMS_DELETE, conversation_id=conversation.id, item_id=victim)
        left = [i.id for i in all_items(kit, conversation.id, ITEMS_DELETE)]
        kit.judge.check(left == [i for i in ids if i != victim], ITEMS_DELETE,
                        f"after deleting {victim}, list_items shows {left}.")
        gone = kit.ask("retrieve", conversation_id=conversation.id, item_id=victim)
        expect_not_found(kit, gone, ITEMS_DELETE, f"retrieve of deleted item {victim}")
        # a delete of what is gone is a not-found (ogx and llama-stack both 404), not a silent 200:
        # a client retrying with a stale id must learn it deleted nothing
        again = kit.ask("openai_delete_conversation_item", conversation_id=conversation.id, item_id=victim)
        expect_not_found(kit, again, ITEMS_DELETE, f"a second delete of item {victim}")
    finally:
        delete(kit, conversation.id)


@pytest.mark.checks(CREATE, DELETE, *ANSWER)
def test_delete(llama_kit: Kit) -> None:
    """deleted=true with the id; then get, list_items, retrieve of its items, add_items and delete are
    not-found."""
    kit = llama_kit
    conversation = create(kit, items=[message("user", "to be deleted")])
    item_ids = [item.id for item in all_items(kit, conversation.id, DELETE)]
    deleted = kit.accept(delete(kit, conversation.id), "openai_delete_conversation", DELETE)
    kit.judge.check(deleted.deleted is True and deleted.id == conversation.id, DELETE,
                    f"delete answered {deleted!r}, not deleted=true for {conversation.id}.")
    for what, after in (
        ("get_conversation", kit.ask("get_conversation", conversation_id=conversation.id)),
        ("list_items", list_items(kit, conversation.id)),
        # its items go with it (ogx: tests/integration/conversations test_deleted_conversation_items_are_not_accessible)
        *((f"retrieve of item {item_id}", kit.ask("retrieve", conversation_id=conversation.id, item_id=item_id))
          for item_id in item_ids),
        ("add_items", kit.ask_with("add_items", {"items": [message("user", "late")]},
                                   conversation_id=conversation.id)),
        ("openai_delete_conversation", delete(kit, conversation.id)),
    ):
        expect_not_found(kit, after, DELETE, f"{what} of a deleted conversation")


@pytest.mark.checks(CREATE, NOT_FOUND, *NEGATIVE)
@pytest.mark.negative
def test_unknown_item_ids(llama_kit: Kit) -> None:
    """conversations.not-found where the negative table's row cannot reach: unknown item ids need a
    real conversation to be asked about (setup), and update_conversation / add_items take the
    conversation id beside their request (``kit.ask_with``), a call the row's form does not make.
    Unknown conversation ids for the other members: ``test_unknown_ids[conversations]``."""
    kit = llama_kit

    def body(conversation_id: str) -> None:
        for what, outcome in (
            ("update_conversation", kit.ask_with("update_conversation", {"metadata": {}},
                                                 conversation_id=conversation_id)),
            ("add_items", kit.ask_with("add_items", {"items": [message("user", "hi")]},
                                       conversation_id=conversation_id)),
        ):
            expect_not_found(kit, outcome, NOT_FOUND, f"{what}({conversation_id!r})")

    kit.examples(unknown_ids(UNKNOWN_PREFIX, known=UNKNOWN_CONVERSATION_ID, max_size=30), body,
                 label="conversation_id")
    conversation = create(kit, items=[message("user", "present")])
    try:
        unknown = "msg_" + "0" * 48
        for member in ("retrieve", "openai_delete_conversation_item"):
            outcome = kit.ask(member, conversation_id=conversation.id, item_id=unknown)
            expect_not_found(kit, outcome, NOT_FOUND, f"{member} of unknown item {unknown}")
    finally:
        delete(kit, conversation.id)


@pytest.mark.checks(CREATE, *NEGATIVE)
@pytest.mark.negative
def test_duplicate_item_ids(llama_kit: Kit) -> None:
    """Two items sharing a client-supplied id in one request: answered, or refused with a typed
    error (ogx refuses: 'Item already in conversation'), never a 5xx (a storage key clash)."""
    kit = llama_kit
    item = {**message("user", "twice"), "id": "msg_kit_duplicate"}
    outcome = kit.ask("create_conversation", items=[item, item])
    kit.judge.no_hang(outcome)
    kit.judge.typed_rejection(outcome)
    if outcome.error is None:
        delete(kit, outcome.value.id)
    conversation = create(kit)
    try:
        added = kit.ask_with("add_items", {"items": [item, item]}, conversation_id=conversation.id)
        kit.judge.typed_rejection(added)
    finally:
        delete(kit, conversation.id)
