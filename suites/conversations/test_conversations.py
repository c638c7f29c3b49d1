"""Conversations suite: create / get / update / delete, items (add, retrieve, order, pagination,
delete) and the negative contract (unknown conversation and item ids).

Each test names the checks it makes (``llama_conformance.behaviour.plan_conversations``).
Conversations the tests create are deleted again, so a persistent service is left as found.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.conversations import (
    TEXTS,
    all_items,
    call,
    call_with_id,
    create,
    delete,
    item_text,
    list_items,
    message,
)
from llama_conformance.behaviour.coverage import ANSWER, FUZZED, NEGATIVE
from llama_conformance.behaviour.negative import expect_not_found
from llama_conformance.behaviour.steps import METADATA
from llama_conformance.strategies import valid_requests

pytestmark = [pytest.mark.behavioral, pytest.mark.api("conversations")]

MESSAGES = st.lists(st.tuples(st.sampled_from(["user", "assistant", "system", "developer"]), TEXTS),
                    min_size=1, max_size=4)


def _same(kit: Kit, got: Any, want: Any, check_id: str, what: str) -> None:
    for name in ("id", "created_at", "metadata"):
        kit.judge.check(getattr(got, name) == getattr(want, name), check_id,
                        f"{what} says {name}={getattr(got, name)!r}, create said {getattr(want, name)!r}.")


@pytest.mark.checks("conversations.create", "conversations.get", "conversations.update", *ANSWER, *FUZZED)
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
        kit.validate(outcome, member, expect_stream=False, check_id="conversations.create")
        created = outcome.value
        try:
            kit.judge.check(created.id not in seen, "conversations.create",
                            f"create answered id {created.id!r} a second time.")
            seen.add(created.id)
            kit.judge.check(created.metadata == request.metadata or (not created.metadata and not request.metadata),
                            "conversations.create",
                            f"metadata is {created.metadata!r}, {request.metadata!r} was sent.")
            items = all_items(kit, created.id, "conversations.create")
            sent = len(request.items or [])
            kit.judge.check(len(items) == sent, "conversations.create",
                            f"created with {sent} items, list_items shows {len(items)}.")
            got = call(kit, "get_conversation", conversation_id=created.id)
            kit.judge.answered(got, "conversations.get")
            kit.validate(got, kit.member("get_conversation"), expect_stream=False, check_id="conversations.get")
            _same(kit, got.value, created, "conversations.get", "get_conversation")
            updated = call_with_id(kit, "update_conversation", created.id, {"metadata": new_metadata})
            kit.judge.answered(updated, "conversations.update")
            kit.validate(updated, kit.member("update_conversation"), expect_stream=False,
                         check_id="conversations.update")
            kit.judge.check(updated.value.id == created.id and (updated.value.metadata or {}) == new_metadata,
                            "conversations.update",
                            f"update to {new_metadata!r} answered metadata {updated.value.metadata!r}.")
            again = call(kit, "get_conversation", conversation_id=created.id)
            kit.judge.answered(again, "conversations.get")
            kit.judge.check((again.value.metadata or {}) == new_metadata, "conversations.update",
                            f"after update to {new_metadata!r}, get says {again.value.metadata!r}.")
        finally:
            delete(kit, created.id)

    kit.examples(st.tuples(valid_requests(member.request_model), METADATA), body)
    total = tally["answered"] + tally["rejected"]
    kit.judge.check(total == 0 or tally["answered"] * 2 >= total, "call.valid-request-accepted",
                    f"create_conversation rejected {tally['rejected']} of {total} valid drawn requests "
                    "with typed errors: most valid requests should be answered.")


@pytest.mark.checks("conversations.items.add", "conversations.items.retrieve", "conversations.items.order",
                    "conversations.items.default-order", *ANSWER)
def test_items_add_retrieve_order(llama_kit: Kit) -> None:
    """Items come back with the content sent, retrievable by id, listed in insertion order."""
    kit = llama_kit

    def body(batches: list) -> None:
        conversation = create(kit)
        try:
            expected: list[tuple[str, str]] = []  # (id, text) in insertion order
            for batch in batches:
                outcome = call_with_id(kit, "add_items", conversation.id,
                                       {"items": [message(role, text) for role, text in batch]})
                kit.judge.answered(outcome, "conversations.items.add")
                kit.validate(outcome, kit.member("add_items"), expect_stream=False,
                             check_id="conversations.items.add")
                added = outcome.value.data
                kit.judge.check([item_text(i) for i in added] == [t for _, t in batch], "conversations.items.add",
                                f"add_items of {[t for _, t in batch]!r} answered {[item_text(i) for i in added]!r}.")
                kit.judge.check(all(getattr(i, "id", None) for i in added), "conversations.items.add",
                                "add_items answered items without an id.")
                expected += [(i.id, t) for i, (_, t) in zip(added, batch, strict=False)]
            ids = [i for i, _ in expected]
            kit.judge.check(len(set(ids)) == len(ids), "conversations.items.add",
                            f"added items share ids: {ids}.")
            for item_id, text in expected:
                got = call(kit, "retrieve", conversation_id=conversation.id, item_id=item_id)
                kit.judge.answered(got, "conversations.items.retrieve")
                kit.validate(got, kit.member("retrieve"), expect_stream=False,
                             check_id="conversations.items.retrieve")
                kit.judge.check(got.value.id == item_id and item_text(got.value) == text,
                                "conversations.items.retrieve",
                                f"retrieve({item_id}) answered id {got.value.id!r} text {item_text(got.value)!r}, "
                                f"{text!r} was added.")
            for order in ("asc", "desc"):
                listed = [i.id for i in all_items(kit, conversation.id, "conversations.items.order", order)]
                want = ids if order == "asc" else ids[::-1]
                kit.judge.check(listed == want, "conversations.items.order",
                                f"order={order} lists {listed}, items were added as {ids}.")
            default = list_items(kit, conversation.id, limit=100)
            kit.judge.answered(default, "conversations.items.order")
            kit.judge.check([i.id for i in default.value.data] == ids[::-1], "conversations.items.default-order",
                            "list_items without order does not list newest first (documented default desc).")
        finally:
            delete(kit, conversation.id)

    kit.examples(st.lists(MESSAGES, min_size=1, max_size=3), body, label="item batches")


def _walk(kit: Kit, conversation_id: str, limit: int, order: str) -> list[str]:
    seen: list[str] = []
    after = None
    for _ in range(100):
        outcome = list_items(kit, conversation_id, limit=limit, order=order, **({"after": after} if after else {}))
        kit.judge.answered(outcome, "conversations.items.pagination")
        kit.validate(outcome, kit.member("list_items"), expect_stream=False,
                     check_id="conversations.items.pagination")
        page = outcome.value
        ids = [i.id for i in page.data]
        kit.judge.check(len(ids) <= limit, "conversations.items.pagination",
                        f"a page asked for limit={limit} holds {len(ids)} items.")
        if ids:
            kit.judge.check(page.first_id == ids[0] and page.last_id == ids[-1], "conversations.items.pagination",
                            f"first_id/last_id are {page.first_id!r}/{page.last_id!r}, the page runs "
                            f"{ids[0]!r}..{ids[-1]!r}.")
        seen += ids
        if not page.has_more:
            return seen
        kit.judge.check(bool(ids), "conversations.items.pagination", "has_more is true on an empty page.")
        after = ids[-1]
    kit.judge.fail("conversations.items.pagination", "pagination does not end after 100 pages.")


@pytest.mark.checks("conversations.items.pagination", "conversations.items.delete", *ANSWER)
def test_items_pagination_and_delete(llama_kit: Kit) -> None:
    """Walking pages with limit/after yields each item once; a deleted item is gone, the rest stay."""
    kit = llama_kit
    conversation = create(kit, items=[message("user", f"item {i}") for i in range(5)])
    try:
        ids = [i.id for i in all_items(kit, conversation.id, "conversations.items.pagination")]
        for order in ("asc", "desc"):
            walked = _walk(kit, conversation.id, 2, order)
            want = ids if order == "asc" else ids[::-1]
            kit.judge.check(walked == want, "conversations.items.pagination",
                            f"walking order={order} with limit=2 gave {walked}, the items are {want}.")
        victim = ids[2]
        outcome = call(kit, "openai_delete_conversation_item", conversation_id=conversation.id, item_id=victim)
        kit.judge.answered(outcome, "conversations.items.delete")
        kit.validate(outcome, kit.member("openai_delete_conversation_item"), expect_stream=False,
                     check_id="conversations.items.delete")
        left = [i.id for i in all_items(kit, conversation.id, "conversations.items.delete")]
        kit.judge.check(left == [i for i in ids if i != victim], "conversations.items.delete",
                        f"after deleting {victim}, list_items shows {left}.")
        gone = call(kit, "retrieve", conversation_id=conversation.id, item_id=victim)
        expect_not_found(kit, gone, "conversations.items.delete", f"retrieve of deleted item {victim}")
    finally:
        delete(kit, conversation.id)


@pytest.mark.checks("conversations.delete", *ANSWER)
def test_delete(llama_kit: Kit) -> None:
    """deleted=true with the id; then get, list_items, add_items and delete are not-found."""
    kit = llama_kit
    conversation = create(kit, items=[message("user", "to be deleted")])
    outcome = delete(kit, conversation.id)
    kit.judge.answered(outcome, "conversations.delete")
    kit.validate(outcome, kit.member("openai_delete_conversation"), expect_stream=False,
                 check_id="conversations.delete")
    kit.judge.check(outcome.value.deleted is True and outcome.value.id == conversation.id, "conversations.delete",
                    f"delete answered {outcome.value!r}, not deleted=true for {conversation.id}.")
    for what, after in (
        ("get_conversation", call(kit, "get_conversation", conversation_id=conversation.id)),
        ("list_items", list_items(kit, conversation.id)),
        ("add_items", call_with_id(kit, "add_items", conversation.id, {"items": [message("user", "late")]})),
        ("openai_delete_conversation", delete(kit, conversation.id)),
    ):
        expect_not_found(kit, after, "conversations.delete", f"{what} of a deleted conversation")


UNKNOWN_IDS = st.one_of(st.just("conv_" + "0" * 48),
                        st.text(st.characters(min_codepoint=48, max_codepoint=122), min_size=1, max_size=30)
                        .map(lambda s: f"conv_kitunknown{s}"))


@pytest.mark.checks("conversations.not-found", *NEGATIVE)
@pytest.mark.negative
def test_unknown_ids(llama_kit: Kit) -> None:
    """conversations.not-found: unknown conversation ids, and unknown item ids in a real conversation."""
    kit = llama_kit

    def body(conversation_id: str) -> None:
        for what, outcome in (
            ("get_conversation", call(kit, "get_conversation", conversation_id=conversation_id)),
            ("update_conversation", call_with_id(kit, "update_conversation", conversation_id, {"metadata": {}})),
            ("openai_delete_conversation", delete(kit, conversation_id)),
            ("add_items", call_with_id(kit, "add_items", conversation_id, {"items": [message("user", "hi")]})),
            ("list_items", list_items(kit, conversation_id)),
            ("retrieve", call(kit, "retrieve", conversation_id=conversation_id, item_id="msg_unknown")),
        ):
            expect_not_found(kit, outcome, "conversations.not-found", f"{what}({conversation_id!r})")

    kit.examples(UNKNOWN_IDS, body, label="conversation_id")
    conversation = create(kit, items=[message("user", "present")])
    try:
        unknown = "msg_" + "0" * 48
        for member in ("retrieve", "openai_delete_conversation_item"):
            outcome = call(kit, member, conversation_id=conversation.id, item_id=unknown)
            expect_not_found(kit, outcome, "conversations.not-found", f"{member} of unknown item {unknown}")
    finally:
        delete(kit, conversation.id)


@pytest.mark.checks("conversations.create", *NEGATIVE)
@pytest.mark.negative
def test_duplicate_item_ids(llama_kit: Kit) -> None:
    """Two items sharing a client-supplied id in one request: answered, or refused with a typed
    error (ogx refuses: 'Item already in conversation'), never a 5xx (a storage key clash)."""
    kit = llama_kit
    item = {**message("user", "twice"), "id": "msg_kit_duplicate"}
    outcome = call(kit, "create_conversation", items=[item, item])
    kit.judge.no_hang(outcome)
    kit.judge.typed_rejection(outcome)
    if outcome.error is None:
        delete(kit, outcome.value.id)
    conversation = create(kit)
    try:
        added = call_with_id(kit, "add_items", conversation.id, {"items": [item, item]})
        kit.judge.typed_rejection(added)
    finally:
        delete(kit, conversation.id)
