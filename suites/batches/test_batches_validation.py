"""Batches suite, contract depth: idempotent creates, requests validated before anything runs, and
cancels at either end of a batch's life.

An ``idempotency_key`` lets a client retry a create after a lost answer without paying for the
batch twice: the retry must answer the first batch, and a key reused for other parameters must be
refused (a 409), not silently start a second batch. Invalid input lines (a streaming request,
a line for another endpoint, a missing line or body field, a line that is not JSON) are what
OpenAI's batch contract validates up front: the batch fails with errors naming the line, as ogx's
own integration tests (tests/integration/batches/test_batches_errors.py) expect, instead of
answering a run that silently dropped or half-ran those lines. An endpoint nothing runs is refused
at create (or the batch fails), never "completed". A cancel right after create must take effect
(cancelling, then cancelled, with their timestamps: test_batches.py::test_batch_immediate_cancellation
upstream), and one after the batch completed is refused: there is nothing left to cancel.

An invalid ``completion_window`` or metadata value that is not a string never reaches a provider:
the API package's request model (``completion_window: Literal["24h"]``, ``metadata: dict[str,
str]``) refuses it in the router, a schema matter the deployment fuzzer judges
(``fuzz.negative-data-rejection``); the schema sets no limit on metadata keys.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.engine_checks import TYPED_ERROR
from llama_conformance_suites.batches.checks import (
    CANCEL_FINISHED,
    CANCEL_IMMEDIATE,
    COMPLETE,
    CREATE,
    IDEMPOTENT,
    INVALID_ENDPOINT,
    INVALID_LINES,
    RETRIEVE,
    STATUS,
)
from llama_conformance_suites.batches.helpers import (
    ENDPOINT,
    chat_model,
    create,
    input_lines,
    poll,
    refused_or_failed,
    retrieve,
    upload_input,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("batches")]


def _cancel(kit: Kit, batch_id: str) -> None:
    kit.ask("cancel_batch", batch_id=batch_id)  # cleanup: a finished batch refuses, which is fine


@pytest.mark.checks(CREATE, IDEMPOTENT, TYPED_ERROR, *ANSWER)
def test_idempotency_key(llama_kit: Kit) -> None:
    """batches.idempotency: the same key and parameters answer the first batch; other parameters, a 409."""
    kit = llama_kit
    if "idempotency_key" not in (getattr(kit.member("create_batch").request_model, "model_fields", None) or {}):
        pytest.skip("this contract's CreateBatchRequest has no idempotency_key")
    file_id = upload_input(kit, input_lines(chat_model(kit), ["idempotent"]))
    key = f"kit-idempotency-{uuid.uuid4().hex}"  # unique per run: a persistent provider keeps old keys
    first = kit.accept(create(kit, file_id, metadata={"a": "1", "b": "2"}, idempotency_key=key), "create_batch",
                       CREATE)
    try:
        again = kit.accept(create(kit, file_id, metadata={"b": "2", "a": "1"}, idempotency_key=key), "create_batch",
                           IDEMPOTENT)
        kit.judge.check(again.id == first.id and again.created_at == first.created_at, IDEMPOTENT,
                        f"a create repeating idempotency_key with the same parameters made batch {again.id} "
                        f"(created_at {again.created_at}); the first was {first.id} (created_at {first.created_at}).")
        conflict = create(kit, file_id, metadata={"a": "other"}, idempotency_key=key)
        kit.judge.no_hang(conflict)
        if conflict.succeeded:
            _cancel(kit, conflict.value.id)
        kit.judge.check(not conflict.succeeded, IDEMPOTENT,
                        f"a create reusing idempotency_key with other metadata was answered (batch "
                        f"{getattr(conflict.value, 'id', None)}), not refused with a conflict.")
        kit.judge.typed_rejection(conflict)
        status = conflict.answer.status if conflict.answer else None
        kit.judge.check(status in (None, 409), IDEMPOTENT,
                        f"a create reusing idempotency_key with other parameters answered {status}, not 409.")
    finally:
        _cancel(kit, first.id)


UNSUPPORTED = "/v1/kit/unsupported"  # an endpoint no batch provider runs
NOT_JSON = '{"custom_id": "line-1", "method": "POST", "url": '  # cut short: not parseable


def _bad_lines(model: str) -> dict[str, dict[str, Any] | str]:
    """Line 2 of a two-line input, per kind of defect (line 1 is valid); the cases of upstream's
    test_batches_errors.py (streaming, endpoint mismatch, missing fields, missing body fields, malformed JSONL)."""
    good = {**input_lines(model, ["bad"])[0], "custom_id": "line-1"}
    return {
        "has body.stream true": {**good, "body": {**good["body"], "stream": True}},
        "has a url other than the batch endpoint": {**good, "url": "/v1/completions",
                                                    "body": {"model": model, "prompt": "x"}},
        "has no body": {k: v for k, v in good.items() if k != "body"},
        "has a body without messages": {**good, "body": {"model": model}},
        "has a body without model": {**good, "body": {k: v for k, v in good["body"].items() if k != "model"}},
        "has no custom_id": {k: v for k, v in good.items() if k != "custom_id"},
        "has no method": {k: v for k, v in good.items() if k != "method"},
        "has no url": {k: v for k, v in good.items() if k != "url"},
        "is not JSON": NOT_JSON,
    }


def _upload_or_none(kit: Kit, lines: list[dict[str, Any] | str]) -> str | None:
    """The input file's id, or None when the files API refuses an upload holding a line that is not
    JSON (a files provider may validate JSONL content: the batch provider is then never asked, which
    is no finding on it). An input of JSON lines is uploaded as any other: its failure is not hidden."""
    if not any(isinstance(line, str) for line in lines):
        return upload_input(kit, lines)
    try:
        return upload_input(kit, lines)
    except Exception:  # the files dependency's refusal of a line that is not JSON, not the batch provider's
        return None


@pytest.mark.checks(CREATE, RETRIEVE, STATUS, INVALID_LINES, *ANSWER)
def test_invalid_lines(llama_kit: Kit) -> None:
    """batches.invalid-lines (SHOULD): one invalid line fails the batch, with an error naming line 2."""
    kit = llama_kit
    model = chat_model(kit)
    for kind, bad in _bad_lines(model).items():
        file_id = _upload_or_none(kit, [input_lines(model, ["fine"])[0], bad])
        if file_id is None:
            continue
        batch = kit.accept(create(kit, file_id, endpoint=ENDPOINT), "create_batch", CREATE)
        done, statuses = poll(kit, batch.id, INVALID_LINES)
        kit.judge.check(done.status == "failed", INVALID_LINES,
                        f"a batch whose line 2 {kind} ended {done.status!r} (statuses {statuses}), not failed.")
        named = [getattr(e, "line", None) for e in (getattr(done.errors, "data", None) or [])]
        kit.judge.check(2 in named, INVALID_LINES,
                        f"a batch whose line 2 {kind} failed, but its errors name lines {named}, not line 2.")


@pytest.mark.checks(CREATE, RETRIEVE, STATUS, INVALID_ENDPOINT, TYPED_ERROR, *ANSWER)
def test_unsupported_endpoint(llama_kit: Kit) -> None:
    """batches.invalid-endpoint (SHOULD): a create for an endpoint nothing runs is refused (4xx), or the
    batch fails; its lines name that same endpoint, so the endpoint is the only thing wrong."""
    kit = llama_kit
    line = {**input_lines(chat_model(kit), ["unsupported"])[0], "url": UNSUPPORTED}
    outcome = create(kit, upload_input(kit, [line]), endpoint=UNSUPPORTED)
    refused_or_failed(kit, outcome, INVALID_ENDPOINT, f"a batch for endpoint {UNSUPPORTED!r}, which no batch runs,")


@pytest.mark.checks(CREATE, RETRIEVE, STATUS, CANCEL_IMMEDIATE, TYPED_ERROR, *ANSWER)
def test_immediate_cancel(llama_kit: Kit) -> None:
    """batches.cancel.immediate: a cancel right after create takes effect, with its timestamps."""
    kit = llama_kit
    # enough lines that the cancel, sent at once, finds the batch still running (one line, ogx's
    # reference may finish before the cancel arrives, and a refusal then is fair)
    file_id = upload_input(kit, input_lines(chat_model(kit), [f"cancel me {i}" for i in range(20)]))
    batch = kit.accept(create(kit, file_id), "create_batch", CREATE)
    outcome = kit.ask("cancel_batch", batch_id=batch.id)
    kit.judge.no_hang(outcome)
    if outcome.error is not None:  # fair only if the batch had already ended (a fast provider)
        kit.judge.typed_rejection(outcome)
        now = retrieve(kit, batch.id)  # an ended batch stays ended: still running now, it was running then
        kit.judge.answered(now, RETRIEVE)
        kit.judge.check(now.value.status in ("completed", "failed", "expired"), CANCEL_IMMEDIATE,
                        f"cancel of {batch.id} right after create raised {outcome.describe_error()} while the "
                        f"batch is still {now.value.status!r}: only a batch that had already ended may refuse it.")
        return
    kit.validate(outcome, kit.member("cancel_batch"), expect_stream=False, check_id=CANCEL_IMMEDIATE)
    answered = outcome.value
    kit.judge.check(answered.status in ("cancelling", "cancelled"), CANCEL_IMMEDIATE,
                    f"cancel of {batch.id} right after create answered status {answered.status!r}, not "
                    "cancelling or cancelled.")
    if answered.status == "cancelling":
        kit.judge.check(isinstance(answered.cancelling_at, int), CANCEL_IMMEDIATE,
                        f"cancel answered {batch.id} cancelling with cancelling_at {answered.cancelling_at!r}, "
                        "not the time it started cancelling.")
    done, statuses = poll(kit, batch.id, CANCEL_IMMEDIATE)
    kit.judge.check(done.status == "cancelled", CANCEL_IMMEDIATE,
                    f"cancel of {batch.id} answered {answered.status!r}, then the batch ended {done.status!r} "
                    f"(statuses {statuses}), not cancelled.")
    kit.judge.check(isinstance(done.cancelled_at, int), CANCEL_IMMEDIATE,
                    f"{batch.id} ended cancelled with cancelled_at {done.cancelled_at!r}, not the time it was "
                    "cancelled.")


@pytest.mark.checks(CREATE, RETRIEVE, STATUS, COMPLETE, CANCEL_FINISHED, TYPED_ERROR, *ANSWER)
def test_finished_batch_cancel(llama_kit: Kit) -> None:
    """batches.cancel.finished (SHOULD): cancel of a completed batch is refused and changes nothing
    (upstream test_batches_errors.py::test_batch_cancel_completed expects a 409)."""
    kit = llama_kit
    batch = kit.accept(create(kit, upload_input(kit, input_lines(chat_model(kit), ["finish first"]))), "create_batch",
                       CREATE)
    done, statuses = poll(kit, batch.id, COMPLETE)
    kit.judge.check(done.status == "completed", COMPLETE,
                    f"a batch of one valid line ended {done.status!r} (statuses {statuses}, errors {done.errors!r}).")
    outcome = kit.ask("cancel_batch", batch_id=batch.id)
    kit.judge.no_hang(outcome)
    answered = getattr(outcome.value, "status", None)
    kit.judge.typed_rejection(outcome)
    after = retrieve(kit, batch.id)
    kit.judge.answered(after, RETRIEVE)
    kit.judge.check(after.value.status == "completed", CANCEL_FINISHED,
                    f"cancel of completed batch {batch.id} moved it to {after.value.status!r}.")
    kit.judge.check(outcome.error is not None, CANCEL_FINISHED,
                    f"cancel of completed batch {batch.id} was answered (status {answered!r}), not refused "
                    "(ogx: 409 conflict): a client reads the answer as a cancel that took effect.")
