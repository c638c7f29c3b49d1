"""Batches suite: create / retrieve / list / cancel, the status machine, output consistent with
the input lines, and a missing input file.

Each test names the checks it makes (``checks.py`` beside this file); unknown batch ids are the
shared negative table's row (``WING.unknown_ids``). A batch runs in the background: the suite
polls ``retrieve_batch`` with a deadline (the kit's call timeout), so a batch that never
finishes fails a check instead of hanging. The input file and the model come from the
provider's files and inference dependencies.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.behaviour.steps import METADATA
from llama_conformance.engine_checks import TYPED_ERROR
from llama_conformance_suites.batches.checks import (
    CANCEL,
    COMPLETE,
    CREATE,
    INVALID_INPUT,
    LIST,
    OUTPUT_FORMAT,
    RETRIEVE,
    STATUS,
)
from llama_conformance_suites.batches.helpers import (
    ENDPOINT,
    TERMINAL,
    chat_model,
    create,
    input_lines,
    poll,
    read_file,
    refused_or_failed,
    retrieve,
    upload_input,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("batches")]

TEXTS = st.lists(st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=30),
                 min_size=1, max_size=4)


def _created(kit: Kit, input_file_id: str, metadata: dict[str, str] | None = None) -> Any:
    return kit.accept(create(kit, input_file_id, **({"metadata": metadata} if metadata else {})), "create_batch",
                      CREATE)


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
            kit.judge.fail(COMPLETE, f"line {number} of output file {file_id} is not JSON: {line[:80]!r}.")
    return lines


@pytest.mark.checks(CREATE, RETRIEVE, STATUS, COMPLETE,
                    OUTPUT_FORMAT, *ANSWER)
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
        kit.judge.check(batch.id not in seen, CREATE, f"create answered id {batch.id!r} a second time.")
        seen.add(batch.id)
        sent = {"input_file_id": file_id, "endpoint": ENDPOINT, "completion_window": "24h"}
        for name, value in sent.items():
            kit.judge.check(getattr(batch, name) == value, CREATE,
                            f"create answered {name}={getattr(batch, name)!r}, {value!r} was sent.")
        kit.judge.check((batch.metadata or {}) == metadata, CREATE,
                        f"create answered metadata {batch.metadata!r}, {metadata!r} was sent.")
        kit.judge.check(batch.status in ("validating", "in_progress", "finalizing", "completed"), CREATE,
                        f"a new batch has status {batch.status!r}.")
        got = kit.accept(retrieve(kit, batch.id), "retrieve_batch", RETRIEVE)
        for name in ("id", "input_file_id", "endpoint", "completion_window", "created_at", "metadata"):
            kit.judge.check(getattr(got, name) == getattr(batch, name), RETRIEVE,
                            f"retrieve says {name}={getattr(got, name)!r}, create said "
                            f"{getattr(batch, name)!r}.")
        done, statuses = poll(kit, batch.id, COMPLETE)
        kit.judge.check(done.status == "completed", COMPLETE,
                        f"a batch of {len(lines)} valid lines ended {done.status!r} (statuses {statuses}, "
                        f"errors {done.errors!r}).")
        counts = done.request_counts
        kit.judge.check(counts is not None and counts.total == len(lines)
                        and counts.completed + counts.failed == len(lines), COMPLETE,
                        f"request_counts is {counts!r} for {len(lines)} input lines.")
        results = _output_lines(kit, done.output_file_id) + _output_lines(kit, done.error_file_id)
        ids = sorted(str(r.get("custom_id")) for r in results)
        kit.judge.check(ids == sorted(line["custom_id"] for line in lines), COMPLETE,
                        f"output and error files hold custom_ids {ids}; the input had "
                        f"{[line['custom_id'] for line in lines]}.")
        ok = _output_lines(kit, done.output_file_id)
        for result in ok:
            response = result.get("response")
            kit.judge.check(isinstance(response, dict) and isinstance(response.get("status_code"), int)
                            and isinstance(response.get("body"), dict), OUTPUT_FORMAT,
                            f"output line for {result.get('custom_id')!r} has response.body of type "
                            f"{type(response.get('body')).__name__ if isinstance(response, dict) else '(none)'}; "
                            "OpenAI's batch output carries the response body as a JSON object.")
        kit.judge.check(len(ok) == (counts.completed if counts else -1), COMPLETE,
                        f"the output file holds {len(ok)} results, request_counts.completed says "
                        f"{counts.completed if counts else None}.")
        again = retrieve(kit, batch.id)
        kit.judge.answered(again, RETRIEVE)
        kit.judge.check(again.value.status == done.status, STATUS,
                        f"{batch.id} left terminal status {done.status!r} for {again.value.status!r}.")

    kit.examples(st.tuples(TEXTS, METADATA), body, label="batch")


@pytest.mark.checks(CREATE, RETRIEVE, STATUS, LIST, *ANSWER)
def test_list_pagination(llama_kit: Kit) -> None:
    """Every created batch is listed; walking limit=1 pages with after yields each batch once."""
    kit = llama_kit
    file_id = upload_input(kit, input_lines(chat_model(kit), ["listed"]))
    created = [_created(kit, file_id).id for _ in range(3)]
    seen: list[str] = []
    after = None
    for _ in range(200):
        page = kit.answer("list_batches", LIST, limit=1, **({"after": after} if after else {}))
        ids = [b.id for b in page.data]
        kit.judge.check(len(ids) <= 1, LIST, f"a page asked for limit=1 holds {len(ids)} batches.")
        if ids:
            kit.judge.check(page.first_id == ids[0] and page.last_id == ids[-1], LIST,
                            f"first_id/last_id are {page.first_id!r}/{page.last_id!r}, the page holds {ids}.")
        seen += ids
        if not page.has_more:
            break
        kit.judge.check(bool(ids), LIST, "has_more is true on an empty page.")
        after = ids[-1]
    duplicates = sorted({i for i in seen if seen.count(i) > 1})
    kit.judge.check(not duplicates, LIST, f"walking pages returned {duplicates} more than once.")
    missing = sorted(set(created) - set(seen))
    kit.judge.check(not missing, LIST, f"walking pages never returned created batches {missing}.")
    whole = kit.ask("list_batches", limit=100)
    kit.judge.answered(whole, LIST)
    for batch_id in created:
        poll(kit, batch_id, LIST)


@pytest.mark.checks(CREATE, RETRIEVE, CANCEL, STATUS, TYPED_ERROR, *ANSWER)
def test_cancel(llama_kit: Kit) -> None:
    """Cancel of a running batch answers cancelling/cancelled and it ends cancelled (or terminal)."""
    kit = llama_kit
    file_id = upload_input(kit, input_lines(chat_model(kit), [f"line {i}" for i in range(20)]))
    batch = _created(kit, file_id)
    outcome = kit.ask("cancel_batch", batch_id=batch.id)
    kit.judge.no_hang(outcome)
    if outcome.error is not None:  # it finished before the cancel arrived: a conflict is fair then
        kit.judge.typed_rejection(outcome)
        done, _ = poll(kit, batch.id, CANCEL)
        kit.judge.check(done.status in TERMINAL - {"cancelled"}, CANCEL,
                        f"cancel of {batch.id} raised {outcome.describe_error()} while it was {done.status!r}.")
        return
    kit.validate(outcome, kit.member("cancel_batch"), expect_stream=False, check_id=CANCEL)
    answered = outcome.value.status
    kit.judge.check(answered in ("cancelling", "cancelled", "completed", "failed"), CANCEL,
                    f"cancel answered status {answered!r}.")
    done, statuses = poll(kit, batch.id, CANCEL)
    if answered in ("cancelling", "cancelled"):
        kit.judge.check(done.status == "cancelled", CANCEL,
                        f"cancel answered {answered!r}, then the batch ended {done.status!r} (statuses {statuses}).")
    again = kit.ask("cancel_batch", batch_id=batch.id)
    kit.judge.no_hang(again)
    kit.judge.typed_rejection(again)


@pytest.mark.checks(RETRIEVE, INVALID_INPUT, STATUS, TYPED_ERROR, *ANSWER)
def test_missing_input_file(llama_kit: Kit) -> None:
    """A batch naming an input file that does not exist is rejected, or ends failed."""
    kit = llama_kit
    refused_or_failed(kit, create(kit, "file-kit-does-not-exist"), INVALID_INPUT, "a batch over a missing input file")
