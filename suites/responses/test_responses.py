"""Responses suite: create (plain, streamed, drawn), retrieve, list, input items, delete, cancel,
``previous_response_id`` chains, ``store=false``.

Each test names the checks it makes (``checks.py`` beside this file); unknown response ids are the
shared negative table's row (``WING.unknown_ids``). Every object is judged as the JSON a client
reads (``as_json``), so the suite runs the same in-process and over HTTP. Responses the tests
store are deleted again.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, FUZZED
from llama_conformance.behaviour.negative import expect_not_found
from llama_conformance.engine_checks import TYPED_ERROR
from llama_conformance.strategies import ValueHints, valid_requests
from llama_conformance_suites.responses.checks import (
    CANCEL,
    CHAIN,
    CHAIN_CONTEXT,
    CREATE,
    CREATE_FUZZ,
    DELETE,
    INPUT_ITEMS,
    LIST,
    LIST_ORDER,
    LIST_PAGINATION,
    RETRIEVE,
    STORE_FALSE,
    STREAM,
    STREAM_TEXT_DONE,
)
from llama_conformance_suites.responses.helpers import (
    RESPONSE_STREAM,
    as_json,
    by_id,
    chat_model,
    cleanup,
    create,
    create_and_retrieve,
    created,
    expect_deleted,
    input_items_in_order,
    item_texts,
    list_page,
    retrieved,
    stream_and_retrieve,
    terminal_response,
    user_messages,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("responses")]

# Fields that name resources other APIs own (stored responses, conversations, prompts, vector
# stores, MCP servers, skills) or ask for background work: drawn values would name nothing
# that exists, so drawn requests leave them out; the chain tests cover previous_response_id.
RESOURCE_FIELDS = ("previous_response_id", "conversation", "prompt", "tools", "tool_choice", "background",
                   "context_management", "memory", "skills", "guardrails")


@pytest.mark.checks(CREATE, RETRIEVE, *ANSWER)
def test_create_and_retrieve(llama_kit: Kit) -> None:
    """responses.create: completed, assistant output, model and store as asked; responses.retrieve."""
    create_and_retrieve(llama_kit, CREATE, RETRIEVE)


@pytest.mark.checks(STREAM, STREAM_TEXT_DONE, RETRIEVE, *RESPONSE_STREAM)
def test_create_stream(llama_kit: Kit) -> None:
    """responses.stream: items and deltas add up to the terminal response; responses.retrieve of it."""
    stream_and_retrieve(llama_kit, STREAM, RETRIEVE, STREAM_TEXT_DONE)


def _fuzz(kit: Kit, *, stream: bool) -> None:
    """Drawn valid requests: a valid answer (or stream) or a typed rejection; never a 5xx or a hang."""
    member = kit.member("create_openai_response")
    model = member.request_model
    hints = ValueHints(by_field={(model, "model"): st.just(chat_model(kit))})
    cleared = {name: None for name in RESOURCE_FIELDS if name in model.model_fields}  # type: ignore[union-attr]
    strategy = valid_requests(model, hints).map(lambda r: r.model_copy(update={**cleared, "stream": stream}))
    tally = {"answered": 0, "rejected": 0}

    def body(request: Any) -> None:
        outcome = kit.call_request(member, request, stream=stream)
        if not outcome.succeeded:
            tally["rejected"] += 1
            kit.judge.typed_rejection(outcome)
            return
        tally["answered"] += 1
        kit.validate(outcome, member, expect_stream=stream, check_id=CREATE_FUZZ)
        answer = terminal_response(kit, outcome.chunks) if outcome.streamed else as_json(kit, outcome.value)
        if answer and answer.get("id") and request.store is not False:
            cleanup(kit, answer["id"])

    kit.examples(strategy, body)
    kit.judge.mostly_accepted(member.member_id, tally)


@pytest.mark.checks(CREATE_FUZZ, *FUZZED, *ANSWER)
def test_create_fuzz(llama_kit: Kit) -> None:
    """responses.create.fuzz (stream=false)"""
    _fuzz(llama_kit, stream=False)


@pytest.mark.checks(CREATE_FUZZ, *FUZZED, *RESPONSE_STREAM)
def test_create_stream_fuzz(llama_kit: Kit) -> None:
    """responses.create.fuzz (stream=true): every drawn stream honours the event invariants."""
    _fuzz(llama_kit, stream=True)


def _walk(kit: Kit, *, limit: int, order: str) -> list[dict[str, Any]]:
    """Every stored response, page by page with ``after``; checks each page's bookkeeping."""
    seen: list[dict[str, Any]] = []
    after = None
    for _ in range(1000):
        outcome = list_page(kit, limit=limit, order=order, **({"after": after} if after else {}))
        page = as_json(kit, kit.accept(outcome, "list_openai_responses", LIST))
        rows = page.get("data") or []
        got = [row.get("id") for row in rows]
        kit.judge.check(len(got) <= limit, LIST_PAGINATION,
                        f"a page asked for limit={limit} holds {len(got)} responses.")
        if got:
            kit.judge.check(page.get("first_id") == got[0] and page.get("last_id") == got[-1],
                            LIST_PAGINATION,
                            f"first_id/last_id are {page.get('first_id')!r}/{page.get('last_id')!r}, the page runs "
                            f"{got[0]!r}..{got[-1]!r}.")
        seen.extend(rows)
        if not page.get("has_more"):
            return seen
        kit.judge.check(bool(got), LIST_PAGINATION, "has_more is true on an empty page.")
        after = got[-1]
    kit.judge.fail(LIST_PAGINATION, "pagination does not end after 1000 pages.")


@pytest.mark.checks(CREATE, LIST, LIST_PAGINATION, LIST_ORDER, *ANSWER)
def test_list_pagination_and_order(llama_kit: Kit) -> None:
    """responses.list (with input), responses.list.pagination, responses.list.order (SHOULD)."""
    kit = llama_kit
    made = [created(kit, f"list entry {i}", CREATE) for i in range(4)]
    # created_at has one-second resolution: only a response from a later second tells asc from desc
    time.sleep(1.02 - time.time() % 1)
    later = created(kit, "list entry later", CREATE)
    made.append(later)
    try:
        ours = {c["id"]: c for c in made}
        for order in ("asc", "desc"):
            walked = _walk(kit, limit=2, order=order)
            got = [row.get("id") for row in walked]
            duplicates = sorted({i for i in got if got.count(i) > 1})
            kit.judge.check(not duplicates, LIST_PAGINATION,
                            f"walking order={order} with limit=2 returned {duplicates} more than once.")
            missing = sorted(set(ours) - set(got))
            kit.judge.check(not missing, LIST_PAGINATION if got else LIST,
                            f"walking order={order} with limit=2 never returned stored responses {missing}.")
            for row in walked:
                if row.get("id") in ours:
                    sent = f"list entry {'later' if row['id'] == later['id'] else made.index(ours[row['id']])}"
                    kit.judge.check(sent in item_texts(row.get("input") or []), LIST,
                                    f"listed {row['id']} carries input {item_texts(row.get('input') or [])}, "
                                    f"not the {sent!r} it was created with.")
            stamps = [row.get("created_at") for row in walked if row.get("id") in ours]
            kit.judge.check(stamps == sorted(stamps, reverse=order == "desc"), LIST_ORDER,
                            f"order={order} lists created_at {stamps} out of order.")
            mine = [i for i in got if i in ours]
            if mine and later["created_at"] > max(c["created_at"] for c in made[:-1]):
                expected_at = -1 if order == "asc" else 0
                kit.judge.check(mine[expected_at] == later["id"], LIST_ORDER,
                                f"order={order}: {later['id']} (a second later) is not listed "
                                f"{'last' if order == 'asc' else 'first'} of the responses created here.")
    finally:
        cleanup(kit, *ours)


@pytest.mark.checks(CREATE, INPUT_ITEMS, *ANSWER)
def test_input_items(llama_kit: Kit) -> None:
    """responses.input-items: the input sent, newest first by default, order and limit honoured."""
    kit = llama_kit
    member = kit.member("list_openai_response_input_items")
    sent = ["first input words", "second input words"]
    listed = created(kit, user_messages(*sent), CREATE)
    single = created(kit, "a single string input", CREATE)
    try:
        input_items_in_order(kit, listed["id"], sent, INPUT_ITEMS)
        outcome = by_id(kit, member.name, single["id"])
        kit.judge.answered(outcome, INPUT_ITEMS)
        got = item_texts(as_json(kit, outcome.value).get("data") or [])
        kit.judge.check(got == ["a single string input"], INPUT_ITEMS,
                        f"a string input comes back as input items {got}, not one message with its text.")
    finally:
        cleanup(kit, listed["id"], single["id"])


@pytest.mark.checks(CREATE, LIST, DELETE, *ANSWER)
def test_delete(llama_kit: Kit) -> None:
    """responses.delete: deleted=true, then retrieve / input items / delete are not-found and list omits it."""
    kit = llama_kit
    made = created(kit, "to be deleted", CREATE)
    deleted = kit.accept(by_id(kit, "delete_openai_response", made["id"]), "delete_openai_response", DELETE)
    answer = as_json(kit, deleted)
    kit.judge.check(answer.get("deleted") is True and answer.get("id") == made["id"], DELETE,
                    f"delete answered {answer!r}, not deleted=true for {made['id']}.")
    listed = list_page(kit, limit=100)
    kit.judge.answered(listed, LIST)
    kit.judge.check(made["id"] not in {r.get("id") for r in as_json(kit, listed.value).get("data") or []},
                    DELETE, f"{made['id']} is still listed after delete.")
    expect_deleted(kit, made["id"], DELETE)


@pytest.mark.checks(CREATE, RETRIEVE, CANCEL, TYPED_ERROR, *ANSWER)
def test_cancel_finished_response(llama_kit: Kit) -> None:
    """responses.cancel: a completed foreground response cannot be cancelled; it stays completed."""
    kit = llama_kit
    made = created(kit, "nothing to cancel here", CREATE)
    try:
        outcome = by_id(kit, "cancel_openai_response", made["id"])
        kit.judge.no_hang(outcome)
        if outcome.succeeded:
            status = as_json(kit, outcome.value).get("status")
            kit.judge.fail(CANCEL, f"cancel of a completed response succeeded with status {status!r}; "
                                               "only background responses in progress can be cancelled (409).")
        kit.judge.typed_rejection(outcome)
        kit.judge.check(outcome.answer is not None and outcome.answer.client_error, CANCEL,
                        f"cancel of a completed response raised {outcome.describe_error()}; a client error "
                        "(409) is due.")
        after = retrieved(kit, made["id"], RETRIEVE)
        kit.judge.check(after.get("status") == made.get("status"), CANCEL,
                        f"a refused cancel changed the status from {made.get('status')!r} to "
                        f"{after.get('status')!r}.")
    finally:
        cleanup(kit, made["id"])


@pytest.mark.checks(CREATE, CHAIN, CHAIN_CONTEXT, *ANSWER)
def test_previous_response_chain(llama_kit: Kit) -> None:
    """responses.chain: previous_response_id echoed, unknown one refused; responses.chain.context (SHOULD)."""
    kit = llama_kit
    question = "What did I tell you just now?"
    first = created(kit, "My favourite number is seventeen and my favourite colour is teal.", CREATE)
    alone = created(kit, question, CREATE)
    ids_made = [first["id"], alone["id"]]
    try:
        outcome = create(kit, question, previous_response_id=first["id"])
        chained = as_json(kit, kit.accept(outcome, "create_openai_response", CHAIN))
        ids_made.append(chained["id"])
        kit.judge.check(chained.get("previous_response_id") == first["id"], CHAIN,
                        f"the chained response says previous_response_id={chained.get('previous_response_id')!r}, "
                        f"not {first['id']!r}.")
        used, fresh = (chained.get("usage") or {}).get("input_tokens"), (alone.get("usage") or {}).get("input_tokens")
        if isinstance(used, int) and isinstance(fresh, int):
            kit.judge.check(used > fresh, CHAIN_CONTEXT,
                            f"the chained response used {used} input tokens, the same input alone {fresh}: the "
                            "earlier turn did not reach the model.")
        unknown = create(kit, question, previous_response_id="resp_kit_unknown_previous")
        expect_not_found(kit, unknown, CHAIN, "create with an unknown previous_response_id")
    finally:
        cleanup(kit, *ids_made)


@pytest.mark.checks(CREATE, LIST, STORE_FALSE, *ANSWER)
def test_store_false_is_not_kept(llama_kit: Kit) -> None:
    """responses.store-false: answered, but neither retrievable nor listed."""
    kit = llama_kit
    made = created(kit, "forget this answer", CREATE, store=False)
    fetched = by_id(kit, "get_openai_response", made["id"])
    if fetched.succeeded:
        cleanup(kit, made["id"])
    expect_not_found(kit, fetched, STORE_FALSE, "retrieve of a response created with store=false")
    listed = list_page(kit, limit=100)
    kit.judge.answered(listed, LIST)
    kit.judge.check(made["id"] not in {r.get("id") for r in as_json(kit, listed.value).get("data") or []},
                    STORE_FALSE, f"{made['id']} (store=false) is listed.")
