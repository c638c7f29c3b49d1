"""Batches API helpers for the suites: input files, a chat model, polling with a deadline.

A batch reads its input from the Files API and runs lines through inference: both are
dependencies, not the provider under test. In-process they are the kit's reference providers
the harness built for it (``put.dependencies``); against a deployment they are the
deployment's own files and models routes. Polling is bounded by the kit's call timeout, so
a batch that never finishes fails a check (``batches.complete``) instead of hanging the run.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.steps import response_bytes
from llama_conformance.behaviour.uploads import spooled_upload
from llama_conformance.checks import CheckDef
from llama_conformance_suites.batches.checks import RETRIEVE, STATUS

ENDPOINT = "/v1/chat/completions"
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
# Each status's place on the way to the end; failed / expired / cancelling may come from any
# non-terminal status, cancelled only from cancelling.
FORWARD = {"validating": 0, "in_progress": 1, "finalizing": 2, "completed": 3}
POLL_S = 0.05


@dataclass
class Dependency:
    """A files or inference dependency and how to call it (its gate, or the HTTP stand-in's)."""

    impl: Any
    gate: Any


def dependency(kit: Kit, api: str) -> Dependency:
    """The ``api`` the batch provider works with; skip when this run cannot reach it."""
    session = kit.session
    if session.remote is not None and not session.remote.in_process:
        if api not in session.remote.served:
            pytest.skip(f"the deployment serves no {api} API, which a batch needs")
        put = session.put_for(api)
        return Dependency(put.impl, put.gate)
    put = session.put
    impl = put.dependencies.get(api)
    if impl is None:
        pytest.skip(f"the provider under test was built without a {api} dependency, which a batch needs")
    return Dependency(impl, put.gate)


def chat_model(kit: Kit) -> str:
    """A chat model the batch's inference serves (the deployment's, or the reference's)."""
    inference = dependency(kit, "inference")
    listed = inference.gate.run("inference.list_models (batch input)", lambda: inference.impl.list_models())
    models = getattr(listed, "data", listed) or []
    for model in models:
        kind = getattr(getattr(model, "model_type", None), "value", getattr(model, "model_type", "llm"))
        if str(kind) == "llm":
            return str(getattr(model, "identifier", None) or model.id)
    pytest.skip("the batch's inference serves no chat model")


def input_lines(model: str, texts: list[str]) -> list[dict[str, Any]]:
    return [{"custom_id": f"line-{i}", "method": "POST", "url": ENDPOINT,
             "body": {"model": model, "messages": [{"role": "user", "content": text}]}}
            for i, text in enumerate(texts)]


def upload_input(kit: Kit, lines: list[dict[str, Any] | str]) -> str:
    """Upload ``lines`` as a JSONL file with purpose batch (a str line is written as it is, so a
    suite can send a line that is not JSON); returns its id."""
    files = dependency(kit, "files")
    content = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines).encode()
    upload = spooled_upload(content, "batch-input.jsonl", "application/jsonl")
    request = kit.api.UploadFileRequest(purpose="batch")
    created = files.gate.run("files.openai_upload_file (batch input)",
                             lambda: files.impl.openai_upload_file(request, upload))
    return str(created.id)


def read_file(kit: Kit, file_id: str) -> bytes | None:
    files = dependency(kit, "files")
    request = kit.api.RetrieveFileContentRequest(file_id=file_id)
    response = files.gate.run("files.openai_retrieve_file_content (batch output)",
                              lambda: files.impl.openai_retrieve_file_content(request))
    if isinstance(response, bytes | bytearray):
        return bytes(response)
    return response_bytes(kit, response) if kit.in_process else _remote_bytes(response)


def _remote_bytes(response: Any) -> bytes | None:
    body = getattr(response, "body", None) or getattr(response, "content", None)
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    return body.encode() if isinstance(body, str) else None


def create(kit: Kit, input_file_id: str, **extra: Any) -> Outcome:
    return kit.ask("create_batch", input_file_id=input_file_id, endpoint=extra.pop("endpoint", ENDPOINT),
                   completion_window="24h", **extra)


def retrieve(kit: Kit, batch_id: str) -> Outcome:
    return kit.ask("retrieve_batch", batch_id=batch_id)


def status_moves(before: str, after: str) -> bool:
    """Whether a batch may go from ``before`` to ``after`` (equal counts as staying)."""
    if before == after:
        return True
    if before in TERMINAL:
        return False
    if after == "cancelled":
        return before == "cancelling"
    if after in ("failed", "expired", "cancelling"):
        return True
    if before == "cancelling":
        return False
    return FORWARD.get(after, -1) > FORWARD.get(before, 99)


def poll(kit: Kit, batch_id: str, check: CheckDef, until: frozenset[str] = TERMINAL) -> tuple[Any, list[str]]:
    """Retrieve until the status is in ``until``; every observed move must be legal (``batches.status``).

    Returns the last batch and the statuses seen. Bounded by the kit's call timeout: a batch that
    never gets there fails ``check``; a retrieve that fails is that step's defect
    (``batches.retrieve``), not the polling test's.
    """
    deadline = time.monotonic() + kit.put.gate.timeout_s
    seen: list[str] = []
    while True:
        outcome = retrieve(kit, batch_id)
        kit.judge.answered(outcome, RETRIEVE)
        batch = outcome.value
        if seen:
            kit.judge.check(status_moves(seen[-1], batch.status), STATUS,
                            f"{batch_id} went from {seen[-1]!r} to {batch.status!r} (statuses seen: "
                            f"{[*seen, batch.status]}).")
        if not seen or seen[-1] != batch.status:
            seen.append(batch.status)
        if batch.status in until:
            return batch, seen
        if time.monotonic() > deadline:
            kit.judge.fail(check, f"{batch_id} is still {batch.status!r} after {kit.put.gate.timeout_s:.0f} s "
                                     f"(statuses seen: {seen}).")
        time.sleep(POLL_S)


def refused_or_failed(kit: Kit, outcome: Outcome, check: CheckDef, what: str) -> None:
    """A batch the contract says cannot run (``what``): refused at create with a typed error, or
    created and ended ``failed``; never completed."""
    kit.judge.no_hang(outcome)
    if outcome.error is not None:
        kit.judge.typed_rejection(outcome)
        return
    done, statuses = poll(kit, outcome.value.id, check)
    kit.judge.check(done.status == "failed", check,
                    f"{what} was created and ended {done.status!r} (statuses {statuses}), not failed: it should be "
                    "refused at create (a 4xx) or fail.")
