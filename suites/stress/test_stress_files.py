"""Files under load: concurrent uploads each get their own file, listed once, with their own bytes.

Each upload carries a marker in its name and content, so a crossed answer (another upload's
name or bytes) and a shared id (two uploads stored as one file) are told apart from a file
that is merely slow. Uploads are deleted again. Runs only with --llama-profile stress.
"""

from __future__ import annotations

from typing import Any

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import HTTP_ANSWER
from llama_conformance.behaviour.steps import response_bytes
from llama_conformance.behaviour.stress import (
    StressRun,
    field_of,
    lost,
    markers,
    repeated,
    report,
    stress_run,
)
from llama_conformance.behaviour.uploads import spooled_upload
from llama_conformance.engine_checks import ANSWERED_ONCE
from llama_conformance_suites.files.checks import LIST
from llama_conformance_suites.files.helpers import list_page, upload_purposes

pytestmark = [pytest.mark.behavioral, pytest.mark.api("files")]


def _upload_call(kit: Kit, marker: str, purpose: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    member = kit.member("openai_upload_file")
    content = f"{marker}\n".encode() * 8
    upload = spooled_upload(content, f"{marker}.txt", "application/octet-stream")
    return (kit.request(member, {"purpose": purpose}), upload), {}


def _by_id_calls(kit: Kit, member_name: str, ids: list[str]) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    member = kit.member(member_name)
    return [((kit.request(member, {"file_id": file_id}, from_provider=True),), {}) for file_id in ids]  # answers' ids


def _delete(kit: Kit, run: StressRun, ids: list[str]) -> None:
    """Leave a persistent provider as it was found."""
    run.clean_up(kit.member("openai_delete_file"), _by_id_calls(kit, "openai_delete_file", ids))


@pytest.mark.checks(ANSWERED_ONCE, LIST, *HTTP_ANSWER)
def test_concurrent_uploads_are_stored_once(llama_kit: Kit, request: pytest.FixtureRequest) -> None:
    """stress.answered-once: N uploads at once get N distinct ids, each listed once, with its own name and bytes."""
    kit = llama_kit
    run = stress_run(kit, request.config)
    member = kit.member("openai_upload_file")
    purpose = upload_purposes(kit)[0]
    for number in run.rounds():
        sent = markers(run.profile.concurrency)
        batch = run.batch(member, [_upload_call(kit, marker, purpose) for marker in sent], f"round {number + 1}")
        answered = {i: batch.outcomes[i].value for i in batch.answered()}
        ids = {i: field_of(v, "id") for i, v in answered.items()}
        try:
            problems = lost(batch, "upload") + repeated(ids, "file id")
            problems += [f"upload {i} ({sent[i]}.txt) was answered with filename {field_of(v, 'filename')!r}"
                         for i, v in answered.items() if field_of(v, "filename") in {f"{m}.txt" for m in sent}
                         and field_of(v, "filename") != f"{sent[i]}.txt"]
            report(kit, ANSWERED_ONCE, problems, batch, "upload")
            listed = list_page(kit, limit=10000)
            kit.judge.answered(listed, LIST)
            names = {f"{m}.txt" for m in sent}
            ours = [field_of(f, "id") for f in field_of(listed.value, "data") or [] if field_of(f, "filename") in names]
            twice = sorted({i for i in ours if ours.count(i) > 1})
            missing = sorted(set(ids.values()) - set(ours))
            ghosts = sorted(set(ours) - set(ids.values()))
            listing = ([f"the listing names {twice} more than once"] if twice else []) + (
                [f"{len(missing)} answered uploads are not listed ({missing[:4]})"] if missing else []) + (
                [f"the listing holds {len(ghosts)} files of this batch no upload was answered with ({ghosts[:4]})"]
                if ghosts else [])
            report(kit, ANSWERED_ONCE, listing, batch, "upload")
            good = sorted(i for i, file_id in ids.items() if file_id is not None)
            contents = run.batch(kit.member("openai_retrieve_file_content"),
                                 _by_id_calls(kit, "openai_retrieve_file_content", [ids[i] for i in good]),
                                 f"contents, round {number + 1}")
            wrong = []
            for position, index in enumerate(good):
                if contents.finished[position] and contents.outcomes[position].error is None:
                    body = response_bytes(kit, contents.outcomes[position].value) or b""
                    if body != f"{sent[index]}\n".encode() * 8:
                        wrong.append(f"the content of upload {index} ({ids[index]}) starts {body[:24]!r}, not its "
                                     f"own bytes ({sent[index]})")
            report(kit, ANSWERED_ONCE, lost(contents, "content") + wrong, contents, "content")
        finally:
            _delete(kit, run, sorted({str(i) for i in ids.values() if i is not None}))
