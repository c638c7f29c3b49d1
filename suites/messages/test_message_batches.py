"""Message batches suite (``/v1/messages/batches``): create and retrieve, the result lines, a bad
request inside a batch, unknown ids, cancel, and the listing.

Each test names the checks it makes (``checks.py`` beside this file). A batch is polled until it
ends (bounded by the kit's call timeout). Results are judged by what a client can match without
knowing the model: each request carries its own ``max_tokens`` and the answers are asked to be
long (the echo model repeats twelve words), so a line holding another request's answer breaks
that request's bound. The negative statuses are the batch routes' own (``helpers.route_status``):
an unknown id is a 404 (KeyError), canceling an ended batch a 400 (ValueError).
"""

from __future__ import annotations

import json
from datetime import datetime
from importlib import import_module
from typing import Any

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, NEGATIVE
from llama_conformance.checks import CheckDef
from llama_conformance.validate import validate_value
from llama_conformance_suites.messages.checks import (
    BATCH_CANCEL,
    BATCH_CREATE,
    BATCH_DUPLICATE,
    BATCH_ERRORED,
    BATCH_LIST,
    BATCH_NOT_FOUND,
    BATCH_RESULTS,
)
from llama_conformance_suites.messages.helpers import (
    as_json,
    batch_results,
    batch_row,
    cancel_batch,
    create_batch,
    message_text,
    result_lines,
    retrieve_batch,
    route_status,
    until_ended,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("messages")]

TWELVE_WORDS = "one two three four five six seven eight nine ten eleven twelve"
LONG = f"Repeat exactly: {TWELVE_WORDS}"
NO_SUCH_MODEL = "kit-no-such-model"
UNKNOWN_BATCH = "msgbatch_" + "0" * 24
COUNTS = ("processing", "succeeded", "errored", "canceled", "expired")


def _create(kit: Kit, rows: list[dict[str, Any]], check: CheckDef) -> dict[str, Any]:
    """A created batch, as JSON (``check``: answered, the declared shape)."""
    return as_json(kit, kit.accept(create_batch(kit, rows), "create_message_batch", check))  # type: ignore[no-any-return]


def _counts(batch: dict[str, Any]) -> dict[str, Any]:
    counts = batch.get("request_counts")
    return {k: (counts or {}).get(k, 0) for k in COUNTS} if isinstance(counts, dict) else {}


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _lines(kit: Kit, batch_id: str, check: CheckDef) -> list[Any]:
    """The ended batch's result lines as JSON, each validated as a ``MessageBatchIndividualResponse``."""
    outcome = batch_results(kit, batch_id)
    kit.judge.answered(outcome, check)
    lines = result_lines(kit, outcome)
    line_type = import_module(f"{kit.api.__name__}.messages.models").MessageBatchIndividualResponse
    for line in lines:
        kit.judge.take(validate_value(line, line_type, method="messages.retrieve_message_batch_results",
                                      in_process=False))
    return lines


def _by_id(kit: Kit, lines: list[Any], custom_ids: list[str], check: CheckDef) -> dict[str, dict[str, Any]]:
    """The lines by custom_id; ``check`` fails unless there is exactly one line per request."""
    seen = [line.get("custom_id") if isinstance(line, dict) else line for line in lines]
    kit.judge.check(sorted(map(str, seen)) == sorted(custom_ids), check,
                    f"the results hold lines for custom_ids {seen}; one line per request ({custom_ids}) is due.")
    return {str(line.get("custom_id")): line for line in lines if isinstance(line, dict)}


def _result(line: dict[str, Any] | None) -> dict[str, Any]:
    result = (line or {}).get("result")
    return result if isinstance(result, dict) else {}


@pytest.mark.checks(BATCH_CREATE, *ANSWER)
def test_batch_create(llama_kit: Kit) -> None:
    """messages.batches.create: a two-request batch starts counted, is retrievable and ends counted."""
    kit = llama_kit
    rows = [batch_row(kit, "req-1", "Say one."), batch_row(kit, "req-2", "Say two.")]
    batch = _create(kit, rows, BATCH_CREATE)
    batch_id, counts = str(batch.get("id") or ""), _counts(batch)
    kit.judge.check(batch_id.startswith("msgbatch_") and batch.get("type") == "message_batch", BATCH_CREATE,
                    f"the batch says id={batch_id!r}, type={batch.get('type')!r}; a 'msgbatch_' id and type "
                    "'message_batch' are due.")
    kit.judge.check(batch.get("processing_status") in ("in_progress", "ended"), BATCH_CREATE,
                    f"a new batch says processing_status={batch.get('processing_status')!r}.")
    kit.judge.check(sum(counts.values()) == len(rows), BATCH_CREATE,
                    f"a batch of {len(rows)} requests answers request_counts {counts}: they count "
                    f"{sum(counts.values())} requests (a client polls them to follow the batch).")
    created, expires = _when(batch.get("created_at")), _when(batch.get("expires_at"))
    kit.judge.check(created is not None and expires is not None and created < expires, BATCH_CREATE,
                    f"created_at={batch.get('created_at')!r}, expires_at={batch.get('expires_at')!r}: RFC 3339 "
                    "times, expiry after creation, are due.")
    again = as_json(kit, kit.accept(retrieve_batch(kit, batch_id), "retrieve_message_batch", BATCH_CREATE))
    kit.judge.check(again.get("id") == batch_id, BATCH_CREATE,
                    f"retrieving {batch_id!r} answered the batch {again.get('id')!r}.")
    final = until_ended(kit, batch_id, BATCH_CREATE)
    counts = _counts(final)
    kit.judge.check(bool(final.get("ended_at")) and batch_id in str(final.get("results_url") or ""), BATCH_CREATE,
                    f"the ended batch says ended_at={final.get('ended_at')!r}, results_url="
                    f"{final.get('results_url')!r}; an end time and a results URL naming {batch_id!r} are due.")
    kit.judge.check(counts.get("processing") == 0 and counts.get("succeeded") == len(rows), BATCH_CREATE,
                    f"the ended batch of {len(rows)} answerable requests counts {counts}; "
                    f"succeeded={len(rows)}, processing=0 are due.")


@pytest.mark.checks(BATCH_RESULTS, BATCH_CREATE, *ANSWER)
def test_batch_results(llama_kit: Kit) -> None:
    """messages.batches.results: one line per custom_id, each answering its own request (its max_tokens)."""
    kit = llama_kit
    bounds = {"cut-1": 1, "cut-2": 2, "cut-4": 4}
    rows = [batch_row(kit, custom_id, LONG, max_tokens=bound) for custom_id, bound in bounds.items()]
    batch_id = str(_create(kit, rows, BATCH_CREATE).get("id") or "")
    final = until_ended(kit, batch_id, BATCH_CREATE)
    by_id = _by_id(kit, _lines(kit, batch_id, BATCH_RESULTS), list(bounds), BATCH_RESULTS)
    for custom_id, bound in bounds.items():
        result = _result(by_id.get(custom_id))
        kit.judge.check(result.get("type") == "succeeded", BATCH_RESULTS,
                        f"the line of {custom_id!r} is {result.get('type')!r} ({result.get('error')}); the "
                        "request is answerable, 'succeeded' is due.")
        message: dict[str, Any] = result["message"] if isinstance(result.get("message"), dict) else {}
        output = (message.get("usage") or {}).get("output_tokens")
        words = len(message_text(message).split())
        kit.judge.check((message.get("type"), message.get("role")) == ("message", "assistant"), BATCH_RESULTS,
                        f"the line of {custom_id!r} carries type={message.get('type')!r}, "
                        f"role={message.get('role')!r}; an assistant message is due.")
        kit.judge.check(isinstance(output, int) and output <= bound and words <= bound, BATCH_RESULTS,
                        f"the line of {custom_id!r} (max_tokens={bound}) carries an answer of {words} words, "
                        f"output_tokens={output!r}: it is not the answer to that request.")
    kinds = [_result(line).get("type") for line in by_id.values()]
    counts = _counts(final)
    expected = {k: kinds.count(k) for k in COUNTS if k != "processing"}
    kit.judge.check(all(counts.get(k) == n for k, n in expected.items()), BATCH_RESULTS,
                    f"the batch counts {counts}; its result lines are {expected}.")


@pytest.mark.checks(BATCH_ERRORED, BATCH_CREATE, *ANSWER)
def test_batch_errored(llama_kit: Kit) -> None:
    """messages.batches.errored: a request for a model nobody serves errs alone, in its own line."""
    kit = llama_kit
    rows = [batch_row(kit, "good-1", "Say good."), batch_row(kit, "bad-1", "Say bad.", model=NO_SUCH_MODEL)]
    batch_id = str(_create(kit, rows, BATCH_ERRORED).get("id") or "")
    final = until_ended(kit, batch_id, BATCH_CREATE)
    by_id = _by_id(kit, _lines(kit, batch_id, BATCH_ERRORED), ["good-1", "bad-1"], BATCH_ERRORED)
    bad, good = _result(by_id.get("bad-1")), _result(by_id.get("good-1"))
    error: dict[str, Any] = bad["error"] if isinstance(bad.get("error"), dict) else {}
    kit.judge.check(bad.get("type") == "errored" and bool(error.get("type")) and bool(error.get("message")),
                    BATCH_ERRORED, f"the line of a request for {NO_SUCH_MODEL!r} is {bad}; an errored result "
                    "with an error type and message is due.")
    kit.judge.check(good.get("type") == "succeeded", BATCH_ERRORED,
                    f"the answerable request beside it ended {good.get('type')!r} ({good.get('error')}): one bad "
                    "request must not fail the others.")
    counts = _counts(final)
    kit.judge.check((counts.get("succeeded"), counts.get("errored")) == (1, 1), BATCH_ERRORED,
                    f"the batch counts {counts}; succeeded=1, errored=1 are due.")


@pytest.mark.checks(BATCH_DUPLICATE, *NEGATIVE)
@pytest.mark.negative
def test_batch_duplicate_ids(llama_kit: Kit) -> None:
    """messages.batches.duplicate-custom-id: two requests under one custom_id are refused with a 400."""
    kit = llama_kit
    outcome = create_batch(kit, [batch_row(kit, "dup", "Say a."), batch_row(kit, "dup", "Say b.")])
    kit.judge.no_hang(outcome)
    status = route_status(kit, outcome, "create_message_batch")
    shown = (f"created batch {as_json(kit, outcome.value).get('id')!r}" if status is None
             else f"raised {outcome.describe_error()}, which its route answers with {status}")
    kit.judge.check(status == 400, BATCH_DUPLICATE,
                    f"a batch whose two requests share custom_id 'dup' {shown}; a 400 is due (raise ValueError).")
    if status == 400 and not kit.in_process:
        body = getattr(outcome.error, "body", None)
        kit.judge.check("dup" in json.dumps(body), BATCH_DUPLICATE,
                        f"the 400 for the repeated custom_id 'dup' does not name it: {body}.")


@pytest.mark.checks(BATCH_NOT_FOUND, *NEGATIVE)
@pytest.mark.negative
def test_batch_not_found(llama_kit: Kit) -> None:
    """messages.batches.not-found: retrieve, cancel and results of an id naming nothing answer 404."""
    kit = llama_kit
    calls = (("retrieve_message_batch", retrieve_batch(kit, UNKNOWN_BATCH)),
             ("cancel_message_batch", cancel_batch(kit, UNKNOWN_BATCH)),
             ("retrieve_message_batch_results", batch_results(kit, UNKNOWN_BATCH)))
    for member, outcome in calls:
        kit.judge.no_hang(outcome)
        status = route_status(kit, outcome, member)
        shown = (f"answered {str(outcome.value)[:120]}" if status is None
                 else f"raised {outcome.describe_error()}, which its route answers with {status}")
        kit.judge.check(status == 404, BATCH_NOT_FOUND,
                        f"{member} of {UNKNOWN_BATCH!r} {shown}; 404 is due (raise KeyError: the batch routes "
                        "answer it with not_found_error).")


@pytest.mark.checks(BATCH_CANCEL, BATCH_CREATE, *ANSWER, *NEGATIVE)
def test_batch_cancel(llama_kit: Kit) -> None:
    """messages.batches.cancel: cancel at once, the batch ends with every request accounted for; a second
    cancel (of the ended batch) is a 400."""
    kit = llama_kit
    custom_ids = [f"c-{i}" for i in range(6)]
    batch_id = str(_create(kit, [batch_row(kit, c, LONG) for c in custom_ids], BATCH_CREATE).get("id") or "")
    outcome = cancel_batch(kit, batch_id)
    if outcome.succeeded:
        canceled = as_json(kit, kit.accept(outcome, "cancel_message_batch", BATCH_CANCEL))
        status = canceled.get("processing_status")
        kit.judge.check(canceled.get("id") == batch_id and status in ("canceling", "ended"), BATCH_CANCEL,
                        f"canceling {batch_id!r} answered id {canceled.get('id')!r}, processing_status={status!r}; "
                        "'canceling' (or 'ended') is due.")
        kit.judge.check(status != "canceling" or bool(canceled.get("cancel_initiated_at")), BATCH_CANCEL,
                        "a canceling batch says no cancel_initiated_at.")
    else:  # only right if the batch had already ended, and then as the route's 400
        before = as_json(kit, kit.accept(retrieve_batch(kit, batch_id), "retrieve_message_batch", BATCH_CREATE))
        kit.judge.check(before.get("processing_status") == "ended" and route_status(
            kit, outcome, "cancel_message_batch") == 400, BATCH_CANCEL,
            f"canceling the running batch {batch_id!r} raised {outcome.describe_error()}; it is "
            f"{before.get('processing_status')!r}, and only an ended batch may refuse (with a 400).")
    final = until_ended(kit, batch_id, BATCH_CANCEL)
    lines = _by_id(kit, _lines(kit, batch_id, BATCH_CANCEL), custom_ids, BATCH_CANCEL)
    kinds = [_result(line).get("type") for line in lines.values()]
    counts = _counts(final)
    kit.judge.check(sum(counts.values()) == len(custom_ids) and counts.get("processing") == 0
                    and counts.get("canceled") == kinds.count("canceled"), BATCH_CANCEL,
                    f"the canceled batch ended counting {counts}; its lines are {kinds}.")
    again = cancel_batch(kit, batch_id)
    kit.judge.no_hang(again)
    status = route_status(kit, again, "cancel_message_batch")
    shown = (f"answered processing_status={as_json(kit, again.value).get('processing_status')!r}" if status is None
             else f"raised {again.describe_error()}, which its route answers with {status}")
    kit.judge.check(status == 400, BATCH_CANCEL,
                    f"canceling the ended batch {batch_id!r} {shown}; 400 is due (raise ValueError: an ended "
                    "batch cannot be canceled).")


@pytest.mark.checks(BATCH_LIST, BATCH_CREATE, *ANSWER)
def test_batch_list(llama_kit: Kit) -> None:
    """messages.batches.list: two new batches are listed newest first; a one-batch page says has_more and
    after_id continues with the older one."""
    kit = llama_kit
    older = str(_create(kit, [batch_row(kit, "l-1", "Say old.")], BATCH_CREATE).get("id") or "")
    newer = str(_create(kit, [batch_row(kit, "l-2", "Say new.")], BATCH_CREATE).get("id") or "")

    def page(**query: Any) -> dict[str, Any]:
        return as_json(kit, kit.accept(kit.ask("list_message_batches", **query), "list_message_batches",
                                       BATCH_LIST))  # type: ignore[no-any-return]

    listed = [b.get("id") for b in page(limit=1000).get("data") or [] if isinstance(b, dict)]
    kit.judge.check(older in listed and newer in listed, BATCH_LIST,
                    f"the list names {listed[:10]}; the two batches just created ({newer}, {older}) are missing.")
    if older in listed and newer in listed:
        kit.judge.check(listed.index(newer) < listed.index(older), BATCH_LIST,
                        f"{newer} (created last) is listed after {older}: newest first is due.")
    first = page(limit=1)
    data = [b.get("id") for b in first.get("data") or [] if isinstance(b, dict)]
    kit.judge.check(data == [newer] and first.get("has_more") is True, BATCH_LIST,
                    f"limit=1 answered {data} with has_more={first.get('has_more')!r}; [{newer!r}] (the newest) "
                    "and has_more=true are due.")
    after = [b.get("id") for b in page(limit=1, after_id=newer).get("data") or [] if isinstance(b, dict)]
    kit.judge.check(after == [older], BATCH_LIST,
                    f"limit=1 after_id={newer!r} answered {after}; the next older batch [{older!r}] is due.")
