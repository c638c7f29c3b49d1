"""Batches suite: create / retrieve / list / cancel, the status machine, output consistent with
the input lines, and the negative contract (unknown batch ids, a missing input file).

A batch runs in the background: the suite polls ``retrieve_batch`` with a deadline (the
kit's call timeout), so a batch that never finishes fails a check instead of hanging.
The input file and the model come from the provider's files and inference dependencies.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.batches import (
    ENDPOINT,
    TERMINAL,
    chat_model,
    create,
    input_lines,
    poll,
    read_file,
    retrieve,
    upload_input,
)
from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.conversations import call
from llama_conformance.behaviour.coverage import ANSWER, NEGATIVE
from llama_conformance.behaviour.negative import expect_not_found, unknown_ids
from llama_conformance.behaviour.steps import METADATA

pytestmark = [pytest.mark.behavioral, pytest.mark.api("batches")]

TEXTS = st.lists(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30),
                 min_size=1, max_size=4)


def _created(kit: Kit, input_file_id: str, metadata: dict[str, str] | None = None) -> Any:
    outcome = create(kit, input_file_id, **({"metadata": metadata} if metadata else {}))
    kit.judge.answered(outcome, "batches.create")
    kit.validate(outcome, kit.member("create_batch"), expect_stream=False, check_id="batches.create")
    return outcome.value


def _output_lines(kit: Kit, file_id: str | None) -> list[dict[str, Any]]:
    if not file_id:
        return []
    content = read_file(kit, file_id) or b""
    lines = []
    for number, line in enumerate(content.decode(errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            lines.append(json.loads(line))
        except ValueError:
            kit.judge.fail("batches.complete", f"line {number} of output file {file_id} is not JSON: {line[:80]!r}.")
    return lines


@pytest.mark.checks("batches.create", "batches.retrieve", "batches.status", "batches.complete",
                    "batches.output.format", *ANSWER)
def test_create_run_complete(llama_kit: Kit) -> None:
    """A batch of drawn chat lines is created, retrieved, moves forward and completes with one result a line."""
    kit = llama_kit
    model = chat_model(kit)
    seen: set[str] = set()

    def body(example: tuple) -> None:
        texts, metadata = example
        lines = input_lines(model, texts)
        file_id = upload_input(kit, lines)
        batch = _created(kit, file_id, metadata)
        kit.judge.check(batch.id not in seen, "batches.create", f"create answered id {batch.id!r} a second time.")
        seen.add(batch.id)
        sent = {"input_file_id": file_id, "endpoint": ENDPOINT, "completion_window": "24h"}
        for name, value in sent.items():
            kit.judge.check(getattr(batch, name) == value, "batches.create",
                            f"create answered {name}={getattr(batch, name)!r}, {value!r} was sent.")
        kit.judge.check((batch.metadata or {}) == metadata, "batches.create",
                        f"create answered metadata {batch.metadata!r}, {metadata!r} was sent.")
        kit.judge.check(batch.status in ("validating", "in_progress", "finalizing", "completed"), "batches.create",
                        f"a new batch has status {batch.status!r}.")
        got = retrieve(kit, batch.id)
        kit.judge.answered(got, "batches.retrieve")
        kit.validate(got, kit.member("retrieve_batch"), expect_stream=False, check_id="batches.retrieve")
        for name in ("id", "input_file_id", "endpoint", "completion_window", "created_at", "metadata"):
            kit.judge.check(getattr(got.value, name) == getattr(batch, name), "batches.retrieve",
                            f"retrieve says {name}={getattr(got.value, name)!r}, create said "
                            f"{getattr(batch, name)!r}.")
        done, statuses = poll(kit, batch.id, "batches.complete")
        kit.judge.check(done.status == "completed", "batches.complete",
                        f"a batch of {len(lines)} valid lines ended {done.status!r} (statuses {statuses}, "
                        f"errors {done.errors!r}).")
        counts = done.request_counts
        kit.judge.check(counts is not None and counts.total == len(lines)
                        and counts.completed + counts.failed == len(lines), "batches.complete",
                        f"request_counts is {counts!r} for {len(lines)} input lines.")
        results = _output_lines(kit, done.output_file_id) + _output_lines(kit, done.error_file_id)
        ids = sorted(str(r.get("custom_id")) for r in results)
        kit.judge.check(ids == sorted(line["custom_id"] for line in lines), "batches.complete",
                        f"output and error files hold custom_ids {ids}; the input had "
                        f"{[line['custom_id'] for line in lines]}.")
        ok = _output_lines(kit, done.output_file_id)
        for result in ok:
            response = result.get("response")
            kit.judge.check(isinstance(response, dict) and isinstance(response.get("status_code"), int)
                            and isinstance(response.get("body"), dict), "batches.output.format",
                            f"output line for {result.get('custom_id')!r} has response.body of type "
                            f"{type(response.get('body')).__name__ if isinstance(response, dict) else '(none)'}; "
                            "OpenAI's batch output carries the response body as a JSON object.")
        kit.judge.check(len(ok) == (counts.completed if counts else -1), "batches.complete",
                        f"the output file holds {len(ok)} results, request_counts.completed says "
                        f"{counts.completed if counts else None}.")
        again = retrieve(kit, batch.id)
        kit.judge.answered(again, "batches.retrieve")
        kit.judge.check(again.value.status == done.status, "batches.status",
                        f"{batch.id} left terminal status {done.status!r} for {again.value.status!r}.")

    kit.examples(st.tuples(TEXTS, METADATA), body, label="batch")


@pytest.mark.checks("batches.list", *ANSWER)
def test_list_pagination(llama_kit: Kit) -> None:
    """Every created batch is listed; walking limit=1 pages with after yields each batch once."""
    kit = llama_kit
    file_id = upload_input(kit, input_lines(chat_model(kit), ["listed"]))
    created = [_created(kit, file_id).id for _ in range(3)]
    seen: list[str] = []
    after = None
    for _ in range(200):
        outcome = call(kit, "list_batches", limit=1, **({"after": after} if after else {}))
        kit.judge.answered(outcome, "batches.list")
        kit.validate(outcome, kit.member("list_batches"), expect_stream=False, check_id="batches.list")
        page = outcome.value
        ids = [b.id for b in page.data]
        kit.judge.check(len(ids) <= 1, "batches.list", f"a page asked for limit=1 holds {len(ids)} batches.")
        if ids:
            kit.judge.check(page.first_id == ids[0] and page.last_id == ids[-1], "batches.list",
                            f"first_id/last_id are {page.first_id!r}/{page.last_id!r}, the page holds {ids}.")
        seen += ids
        if not page.has_more:
            break
        kit.judge.check(bool(ids), "batches.list", "has_more is true on an empty page.")
        after = ids[-1]
    duplicates = sorted({i for i in seen if seen.count(i) > 1})
    kit.judge.check(not duplicates, "batches.list", f"walking pages returned {duplicates} more than once.")
    missing = sorted(set(created) - set(seen))
    kit.judge.check(not missing, "batches.list", f"walking pages never returned created batches {missing}.")
    whole = call(kit, "list_batches", limit=100)
    kit.judge.answered(whole, "batches.list")
    for batch_id in created:
        poll(kit, batch_id, "batches.list")


@pytest.mark.checks("batches.cancel", "batches.status", *ANSWER)
def test_cancel(llama_kit: Kit) -> None:
    """Cancel of a running batch answers cancelling/cancelled and it ends cancelled (or terminal)."""
    kit = llama_kit
    file_id = upload_input(kit, input_lines(chat_model(kit), [f"line {i}" for i in range(20)]))
    batch = _created(kit, file_id)
    outcome = call(kit, "cancel_batch", batch_id=batch.id)
    kit.judge.no_hang(outcome)
    if outcome.error is not None:  # it finished before the cancel arrived: a conflict is fair then
        kit.judge.typed_rejection(outcome)
        done, _ = poll(kit, batch.id, "batches.cancel")
        kit.judge.check(done.status in TERMINAL - {"cancelled"}, "batches.cancel",
                        f"cancel of {batch.id} raised {outcome.describe_error()} while it was {done.status!r}.")
        return
    kit.validate(outcome, kit.member("cancel_batch"), expect_stream=False, check_id="batches.cancel")
    answered = outcome.value.status
    kit.judge.check(answered in ("cancelling", "cancelled", "completed", "failed"), "batches.cancel",
                    f"cancel answered status {answered!r}.")
    done, statuses = poll(kit, batch.id, "batches.cancel")
    if answered in ("cancelling", "cancelled"):
        kit.judge.check(done.status == "cancelled", "batches.cancel",
                        f"cancel answered {answered!r}, then the batch ended {done.status!r} (statuses {statuses}).")
    again = call(kit, "cancel_batch", batch_id=batch.id)
    kit.judge.no_hang(again)
    kit.judge.typed_rejection(again)


@pytest.mark.checks("batches.invalid-input", "batches.status", *ANSWER)
def test_missing_input_file(llama_kit: Kit) -> None:
    """A batch naming an input file that does not exist is rejected, or ends failed."""
    kit = llama_kit
    outcome = create(kit, "file-kit-does-not-exist")
    kit.judge.no_hang(outcome)
    if outcome.error is not None:
        kit.judge.typed_rejection(outcome)
        return
    done, statuses = poll(kit, outcome.value.id, "batches.invalid-input")
    kit.judge.check(done.status == "failed", "batches.invalid-input",
                    f"a batch over a missing input file ended {done.status!r} (statuses {statuses}), not failed.")


@pytest.mark.checks("batches.not-found", *NEGATIVE)
@pytest.mark.negative
def test_unknown_batch_id(llama_kit: Kit) -> None:
    """batches.not-found: retrieve and cancel of unknown ids are a typed not-found."""
    kit = llama_kit
    ids = unknown_ids("batch_kitunknown", known="batch_does_not_exist", max_size=30)

    def body(batch_id: str) -> None:
        for member in ("retrieve_batch", "cancel_batch"):
            expect_not_found(kit, call(kit, member, batch_id=batch_id), "batches.not-found",
                             f"{member}({batch_id!r})")

    kit.examples(ids, body, label="batch_id")
