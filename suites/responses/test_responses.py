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
from llama_conformance.engine_checks import NO_HANG, TYPED_ERROR
from llama_conformance.strategies import ValueHints, valid_requests
from llama_conformance.transport.checks import SSE_FRAMING
from llama_conformance.validate import ids
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
    as_json,
    by_id,
    chat_model,
    create,
    item_texts,
    list_page,
    output_text,
    stream_problems,
    terminal_response,
    text_not_closed,
    user_messages,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("responses")]

RESPONSE_STREAM = (NO_HANG, ids.STREAM_CHUNK_TYPE, ids.STREAM_CHUNK_SCHEMA, ids.STREAM_CHUNK_ROUNDTRIP,
                   ids.STREAM_NONEMPTY, ids.RESPONSES_CREATED_FIRST, ids.RESPONSES_SEQUENCE,
                   ids.RESPONSES_TERMINAL_ONCE, ids.RESPONSES_TERMINAL_LAST, ids.RESPONSES_SAME_ID,
                   ids.RESPONSES_TERMINAL_STATUS, SSE_FRAMING)
USER_TEXT = "Name three prime numbers."
# Fields that name resources other APIs own (stored responses, conversations, prompts, vector
# stores, MCP servers, skills) or ask for background work: drawn values would name nothing
# that exists, so drawn requests leave them out; the chain tests cover previous_response_id.
RESOURCE_FIELDS = ("previous_response_id", "conversation", "prompt", "tools", "tool_choice", "background",
                   "context_management", "memory", "skills", "guardrails")


def _created(kit: Kit, text: Any = USER_TEXT, **extra: Any) -> dict[str, Any]:
    """A created response (judged under responses.create), as JSON."""
    return as_json(kit, kit.accept(create(kit, text, **extra), "create_openai_response", CREATE))


def _cleanup(kit: Kit, *response_ids: str) -> None:
    for response_id in response_ids:
        by_id(kit, "delete_openai_response", response_id)


def _retrieved(kit: Kit, response_id: str) -> dict[str, Any]:
    return as_json(kit, kit.accept(by_id(kit, "get_openai_response", response_id), "get_openai_response", RETRIEVE))


def _same_response(kit: Kit, retrieved: dict[str, Any], created: dict[str, Any], how: str) -> None:
    for name in ("id", "status", "model", "created_at"):
        kit.judge.check(retrieved.get(name) == created.get(name), RETRIEVE,
                        f"retrieve says {name}={retrieved.get(name)!r}, {how} said {created.get(name)!r}.")
    kit.judge.check(output_text(retrieved) == output_text(created), RETRIEVE,
                    f"retrieve's output text is {output_text(retrieved)[:80]!r}, {how} ended with "
                    f"{output_text(created)[:80]!r}.")


@pytest.mark.checks(CREATE, RETRIEVE, *ANSWER)
def test_create_and_retrieve(llama_kit: Kit) -> None:
    """responses.create: completed, assistant output, model and store as asked; responses.retrieve."""
    kit = llama_kit
    created = _created(kit, USER_TEXT)
    try:
        kit.judge.check(created.get("status") == "completed", CREATE,
                        f"status is {created.get('status')!r}, not 'completed', for a request with no tools.")
        kit.judge.check(created.get("model") == chat_model(kit), CREATE,
                        f"model is {created.get('model')!r}; the request named {chat_model(kit)!r}.")
        kit.judge.check(created.get("store") is True, CREATE,
                        f"store is {created.get('store')!r}; the request left it at its default, true.")
        output = created.get("output") or []
        messages = [i for i in output if i.get("type") == "message"]
        kit.judge.check(bool(messages) and all(m.get("role") == "assistant" for m in messages), CREATE,
                        f"output holds no assistant message: {[(i.get('type'), i.get('role')) for i in output]}.")
        _same_response(kit, _retrieved(kit, created["id"]), created, "create")
    finally:
        _cleanup(kit, created["id"])


@pytest.mark.checks(STREAM, STREAM_TEXT_DONE, RETRIEVE, *RESPONSE_STREAM)
def test_create_stream(llama_kit: Kit) -> None:
    """responses.stream: items and deltas add up to the terminal response; responses.retrieve of it."""
    kit = llama_kit
    member = kit.member("create_openai_response")
    outcome = create(kit, user_messages(USER_TEXT, "And two more."), stream=True)
    kit.accept(outcome, member, STREAM, stream=True)
    events = [as_json(kit, chunk) for chunk in outcome.chunks or []]
    final = terminal_response(kit, outcome.chunks or [])
    if final is None or not final.get("id"):
        kit.judge.fail(STREAM, "the stream's terminal event carries no response object with an id.")
    try:
        problems = stream_problems(events, final)
        kit.judge.check(not problems, STREAM, "; ".join(problems))
        unclosed = text_not_closed(events)
        kit.judge.check(not unclosed, STREAM_TEXT_DONE,
                        f"text streamed for (item, content index) {unclosed} gets no response.output_text.done; "
                        "clients that wait for it to take the whole text never see it.")
        if final.get("status") == "completed":
            _same_response(kit, _retrieved(kit, final["id"]), final, "the stream's completed event")
    finally:
        _cleanup(kit, final["id"])


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
            _cleanup(kit, answer["id"])

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
    created = [_created(kit, f"list entry {i}") for i in range(4)]
    # created_at has one-second resolution: only a response from a later second tells asc from desc
    time.sleep(1.02 - time.time() % 1)
    later = _created(kit, "list entry later")
    created.append(later)
    try:
        ours = {c["id"]: c for c in created}
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
                    sent = f"list entry {'later' if row['id'] == later['id'] else created.index(ours[row['id']])}"
                    kit.judge.check(sent in item_texts(row.get("input") or []), LIST,
                                    f"listed {row['id']} carries input {item_texts(row.get('input') or [])}, "
                                    f"not the {sent!r} it was created with.")
            stamps = [row.get("created_at") for row in walked if row.get("id") in ours]
            kit.judge.check(stamps == sorted(stamps, reverse=order == "desc"), LIST_ORDER,
                            f"order={order} lists created_at {stamps} out of order.")
            mine = [i for i in got if i in ours]
            if mine and later["created_at"] > max(c["created_at"] for c in created[:-1]):
                expected_at = -1 if order == "asc" else 0
                kit.judge.check(mine[expected_at] == later["id"], LIST_ORDER,
                                f"order={order}: {later['id']} (a second later) is not listed "
                                f"{'last' if order == 'asc' else 'first'} of the responses created here.")
    finally:
        _cleanup(kit, *ours)


@pytest.mark.checks(CREATE, INPUT_ITEMS, *ANSWER)
def test_input_items(llama_kit: Kit) -> None:
    """responses.input-items: the input sent, newest first by default, order and limit honoured."""
    kit = llama_kit
    member = kit.member("list_openai_response_input_items")
    sent = ["first input words", "second input words"]
    listed = _created(kit, user_messages(*sent))
    single = _created(kit, "a single string input")
    try:
        expectations = ({}, sent[::-1]), ({"order": "asc"}, sent), ({"order": "desc"}, sent[::-1]), \
            ({"order": "asc", "limit": 1}, sent[:1])
        for extra, texts in expectations:
            answer = kit.accept(by_id(kit, member.name, listed["id"], **extra), member, INPUT_ITEMS)
            got = item_texts(as_json(kit, answer).get("data") or [])
            kit.judge.check(got == texts, INPUT_ITEMS,
                            f"input items {extra or '(defaults)'} are {got}; {texts} were due.")
        outcome = by_id(kit, member.name, single["id"])
        kit.judge.answered(outcome, INPUT_ITEMS)
        got = item_texts(as_json(kit, outcome.value).get("data") or [])
        kit.judge.check(got == ["a single string input"], INPUT_ITEMS,
                        f"a string input comes back as input items {got}, not one message with its text.")
    finally:
        _cleanup(kit, listed["id"], single["id"])


@pytest.mark.checks(CREATE, LIST, DELETE, *ANSWER)
def test_delete(llama_kit: Kit) -> None:
    """responses.delete: deleted=true, then retrieve / input items / delete are not-found and list omits it."""
    kit = llama_kit
    created = _created(kit, "to be deleted")
    deleted = kit.accept(by_id(kit, "delete_openai_response", created["id"]), "delete_openai_response", DELETE)
    answer = as_json(kit, deleted)
    kit.judge.check(answer.get("deleted") is True and answer.get("id") == created["id"], DELETE,
                    f"delete answered {answer!r}, not deleted=true for {created['id']}.")
    listed = list_page(kit, limit=100)
    kit.judge.answered(listed, LIST)
    kit.judge.check(created["id"] not in {r.get("id") for r in as_json(kit, listed.value).get("data") or []},
                    DELETE, f"{created['id']} is still listed after delete.")
    for member in ("get_openai_response", "list_openai_response_input_items", "delete_openai_response"):
        expect_not_found(kit, by_id(kit, member, created["id"]), DELETE,
                          f"{member} of a deleted response")


@pytest.mark.checks(CREATE, RETRIEVE, CANCEL, TYPED_ERROR, *ANSWER)
def test_cancel_finished_response(llama_kit: Kit) -> None:
    """responses.cancel: a completed foreground response cannot be cancelled; it stays completed."""
    kit = llama_kit
    created = _created(kit, "nothing to cancel here")
    try:
        outcome = by_id(kit, "cancel_openai_response", created["id"])
        kit.judge.no_hang(outcome)
        if outcome.succeeded:
            status = as_json(kit, outcome.value).get("status")
            kit.judge.fail(CANCEL, f"cancel of a completed response succeeded with status {status!r}; "
                                               "only background responses in progress can be cancelled (409).")
        kit.judge.typed_rejection(outcome)
        kit.judge.check(outcome.answer is not None and outcome.answer.client_error, CANCEL,
                        f"cancel of a completed response raised {outcome.describe_error()}; a client error "
                        "(409) is due.")
        after = _retrieved(kit, created["id"])
        kit.judge.check(after.get("status") == created.get("status"), CANCEL,
                        f"a refused cancel changed the status from {created.get('status')!r} to "
                        f"{after.get('status')!r}.")
    finally:
        _cleanup(kit, created["id"])


@pytest.mark.checks(CREATE, CHAIN, CHAIN_CONTEXT, *ANSWER)
def test_previous_response_chain(llama_kit: Kit) -> None:
    """responses.chain: previous_response_id echoed, unknown one refused; responses.chain.context (SHOULD)."""
    kit = llama_kit
    question = "What did I tell you just now?"
    first = _created(kit, "My favourite number is seventeen and my favourite colour is teal.")
    alone = _created(kit, question)
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
        _cleanup(kit, *ids_made)


@pytest.mark.checks(CREATE, LIST, STORE_FALSE, *ANSWER)
def test_store_false_is_not_kept(llama_kit: Kit) -> None:
    """responses.store-false: answered, but neither retrievable nor listed."""
    kit = llama_kit
    created = _created(kit, "forget this answer", store=False)
    retrieved = by_id(kit, "get_openai_response", created["id"])
    if retrieved.succeeded:
        _cleanup(kit, created["id"])
    expect_not_found(kit, retrieved, STORE_FALSE, "retrieve of a response created with store=false")
    listed = list_page(kit, limit=100)
    kit.judge.answered(listed, LIST)
    kit.judge.check(created["id"] not in {r.get("id") for r in as_json(kit, listed.value).get("data") or []},
                    STORE_FALSE, f"{created['id']} (store=false) is listed.")
