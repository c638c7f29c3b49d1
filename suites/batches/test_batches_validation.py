"""Batches suite, contract depth: idempotent creates, and input lines validated before anything runs.

An ``idempotency_key`` lets a client retry a create after a lost answer without paying for the
batch twice: the retry must answer the first batch, and a key reused for other parameters must be
refused (a 409), not silently start a second batch. Invalid input lines (a streaming request,
a line for another endpoint, a missing body or body field) are what OpenAI's batch contract
validates up front: the batch fails with errors naming the line, as ogx's own integration tests
(tests/integration/batches/test_batches_errors.py) expect, instead of answering a run that
silently dropped or half-ran those lines.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.engine_checks import TYPED_ERROR
from llama_conformance_suites.batches.checks import CREATE, IDEMPOTENT, INVALID_LINES, RETRIEVE, STATUS
from llama_conformance_suites.batches.helpers import ENDPOINT, chat_model, create, input_lines, poll, upload_input

pytestmark = [pytest.mark.behavioral, pytest.mark.api("batches")]


def _cancel(kit: Kit, batch_id: str) -> None:
    kit.ask("cancel_batch", batch_id=batch_id)  # cleanup: a finished batch refuses, which is fine


@pytest.mark.checks(CREATE, IDEMPOTENT, TYPED_ERROR, *ANSWER)
def test_idempotency_key(llama_kit: Kit) -> None:
    """batches.idempotency: the same key and parameters answer the first batch; other parameters, a 409."""
    kit = llama_kit
    if "idempotency_key" not in (kit.member("create_batch").request_model.model_fields or {}):
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


def _bad_lines(model: str) -> dict[str, dict[str, Any]]:
    """Line 2 of a two-line input, per kind of defect (line 1 is valid)."""
    good = input_lines(model, ["bad"])[0]
    return {
        "has body.stream true": {**good, "body": {**good["body"], "stream": True}},
        "has a url other than the batch endpoint": {**good, "url": "/v1/completions",
                                                    "body": {"model": model, "prompt": "x"}},
        "has no body": {k: v for k, v in good.items() if k != "body"},
        "has a body without messages": {**good, "body": {"model": model}},
    }


@pytest.mark.checks(CREATE, RETRIEVE, STATUS, INVALID_LINES, *ANSWER)
def test_invalid_lines(llama_kit: Kit) -> None:
    """batches.invalid-lines (SHOULD): one invalid line fails the batch, with an error naming line 2."""
    kit = llama_kit
    model = chat_model(kit)
    for kind, bad in _bad_lines(model).items():
        lines = [input_lines(model, ["fine"])[0], {**bad, "custom_id": "line-1"}]
        batch = kit.accept(create(kit, upload_input(kit, lines), endpoint=ENDPOINT), "create_batch", CREATE)
        done, statuses = poll(kit, batch.id, INVALID_LINES)
        kit.judge.check(done.status == "failed", INVALID_LINES,
                        f"a batch whose line 2 {kind} ended {done.status!r} (statuses {statuses}), not failed.")
        named = [getattr(e, "line", None) for e in (getattr(done.errors, "data", None) or [])]
        kit.judge.check(2 in named, INVALID_LINES,
                        f"a batch whose line 2 {kind} failed, but its errors name lines {named}, not line 2.")
