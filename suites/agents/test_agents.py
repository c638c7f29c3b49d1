"""Agents suite (llama-stack-api 0.5-0.6): create (plain and streamed), retrieve, list, input items,
delete, ``previous_response_id`` chains and ``store=false``.

Each test names the checks it makes (``checks.py`` beside this file); unknown response ids are the
shared negative table's row (``WING.unknown_ids``). The protocol has the Responses API's members, so
the steps are the responses suite's (``llama_conformance_suites.responses.helpers``, imported as
``steps``), each judged under the agents check a test names. Every object is judged as the JSON a client reads
(``as_json``), so the suite runs the same in-process and over HTTP. Responses the tests store are
deleted again, so a persistent service is left as found.
"""

from __future__ import annotations

from typing import Any

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.behaviour.negative import expect_not_found
from llama_conformance_suites.agents.checks import (
    CHAIN,
    CREATE,
    DELETE,
    INPUT_ITEMS,
    LIST,
    RETRIEVE,
    STORE_FALSE,
    STREAM,
)
from llama_conformance_suites.responses import helpers as steps

pytestmark = [pytest.mark.behavioral, pytest.mark.api("agents")]


@pytest.mark.checks(CREATE, RETRIEVE, *ANSWER)
def test_create_and_retrieve(llama_kit: Kit) -> None:
    """agents.create: completed, assistant output, model and store as asked; agents.retrieve."""
    steps.create_and_retrieve(llama_kit, CREATE, RETRIEVE)


@pytest.mark.checks(STREAM, RETRIEVE, *steps.RESPONSE_STREAM)
def test_create_stream(llama_kit: Kit) -> None:
    """agents.stream: items and deltas add up to the terminal response; agents.retrieve of it."""
    steps.stream_and_retrieve(llama_kit, STREAM, RETRIEVE)


def _walk(kit: Kit, limit: int) -> list[dict[str, Any]]:
    """Every stored response, page by page with ``after``."""
    seen: list[dict[str, Any]] = []
    after = None
    for _ in range(1000):
        outcome = steps.list_page(kit, limit=limit, **({"after": after} if after else {}))
        page = steps.as_json(kit, kit.accept(outcome, "list_openai_responses", LIST))
        rows = page.get("data") or []
        kit.judge.check(len(rows) <= limit, LIST, f"a page asked for limit={limit} holds {len(rows)} responses.")
        seen.extend(rows)
        if not page.get("has_more"):
            return seen
        kit.judge.check(bool(rows), LIST, "has_more is true on an empty page.")
        after = rows[-1].get("id")
    kit.judge.fail(LIST, "pagination does not end after 1000 pages.")


@pytest.mark.checks(CREATE, LIST, *ANSWER)
def test_list(llama_kit: Kit) -> None:
    """agents.list: walking pages of 2 returns each stored response once, carrying the input it was sent."""
    kit = llama_kit
    made = [steps.created(kit, f"list entry {i}", CREATE) for i in range(3)]
    sent = {m["id"]: f"list entry {i}" for i, m in enumerate(made)}
    try:
        walked = _walk(kit, limit=2)
        got = [str(row.get("id")) for row in walked]
        duplicates = sorted({i for i in got if got.count(i) > 1})
        kit.judge.check(not duplicates, LIST, f"walking with limit=2 returned {duplicates} more than once.")
        missing = sorted(set(sent) - set(got))
        kit.judge.check(not missing, LIST, f"walking with limit=2 never returned stored responses {missing}.")
        for row in walked:
            if row.get("id") in sent:
                texts = steps.item_texts(row.get("input") or [])
                kit.judge.check(sent[row["id"]] in texts, LIST,
                                f"listed {row['id']} carries input {texts}, not the {sent[row['id']]!r} it was "
                                "created with.")
    finally:
        steps.cleanup(kit, *sent)


@pytest.mark.checks(CREATE, INPUT_ITEMS, *ANSWER)
def test_input_items(llama_kit: Kit) -> None:
    """agents.input-items: the input sent, newest first by default, order and limit honoured."""
    kit = llama_kit
    sent = ["first input words", "second input words"]
    listed = steps.created(kit, steps.user_messages(*sent), CREATE)
    try:
        steps.input_items_in_order(kit, listed["id"], sent, INPUT_ITEMS)
    finally:
        steps.cleanup(kit, listed["id"])


@pytest.mark.checks(CREATE, DELETE, *ANSWER)
def test_delete(llama_kit: Kit) -> None:
    """agents.delete: deleted=true, then retrieve / input items / delete are not-found and list omits it."""
    kit = llama_kit
    made = steps.created(kit, "to be deleted", CREATE)
    deleted = steps.by_id(kit, "delete_openai_response", made["id"])
    answer = steps.as_json(kit, kit.accept(deleted, "delete_openai_response", DELETE))
    kit.judge.check(answer.get("deleted") is True and answer.get("id") == made["id"], DELETE,
                    f"delete answered {answer!r}, not deleted=true for {made['id']}.")
    listed = steps.as_json(kit, kit.accept(steps.list_page(kit, limit=100), "list_openai_responses", DELETE))
    kit.judge.check(made["id"] not in {r.get("id") for r in listed.get("data") or []}, DELETE,
                    f"{made['id']} is still listed after delete.")
    steps.expect_deleted(kit, made["id"], DELETE)


@pytest.mark.checks(CREATE, CHAIN, *ANSWER)
def test_chain(llama_kit: Kit) -> None:
    """agents.chain: previous_response_id echoed on the chained response; an unknown one refused."""
    kit = llama_kit
    first = steps.created(kit, "My favourite number is seventeen.", CREATE)
    made = [first["id"]]
    try:
        chained = steps.created(kit, "What did I tell you just now?", CHAIN, previous_response_id=first["id"])
        made.append(chained["id"])
        kit.judge.check(chained.get("previous_response_id") == first["id"], CHAIN,
                        f"the chained response says previous_response_id={chained.get('previous_response_id')!r}, "
                        f"not {first['id']!r}.")
        unknown = steps.create(kit, "And now?", previous_response_id="resp_kit_unknown_previous")
        if unknown.succeeded:
            made.append(steps.as_json(kit, unknown.value).get("id"))
        expect_not_found(kit, unknown, CHAIN, "create with an unknown previous_response_id")
    finally:
        steps.cleanup(kit, *made)


@pytest.mark.checks(CREATE, STORE_FALSE, *ANSWER)
def test_store_false(llama_kit: Kit) -> None:
    """agents.store-false: a response created with store=false is neither retrievable nor listed."""
    kit = llama_kit
    made = steps.created(kit, "forget me", STORE_FALSE, store=False)
    try:
        kit.judge.check(made.get("store") is False, STORE_FALSE,
                        f"a response created with store=false says store={made.get('store')!r}.")
        expect_not_found(kit, steps.by_id(kit, "get_openai_response", made["id"]), STORE_FALSE,
                         "retrieve of a response created with store=false")
        listed = steps.as_json(kit, kit.accept(steps.list_page(kit, limit=100), "list_openai_responses", STORE_FALSE))
        kit.judge.check(made["id"] not in {r.get("id") for r in listed.get("data") or []}, STORE_FALSE,
                        f"{made['id']} (store=false) is listed.")
    finally:
        steps.cleanup(kit, made["id"])
