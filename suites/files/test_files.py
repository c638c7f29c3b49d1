"""Files suite: upload / retrieve / content / list (pagination, order, purpose) / delete.

Each test names the checks it makes (``checks.py`` beside this file). Files the tests upload
are deleted again, so a persistent provider is left as it was found. Unknown file ids are the
shared negative table's row (``WING.unknown_ids``); deleted ones are judged here (``test_delete``).
"""

from __future__ import annotations

import time

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.behaviour.negative import expect_not_found
from llama_conformance.behaviour.steps import response_bytes
from llama_conformance.strategies import valid_requests
from llama_conformance_suites.files.checks import (
    BY_ID,
    CONTENT,
    CREATED_AT,
    DELETE,
    FILENAME_KEPT,
    LIST,
    ORDER,
    PAGINATION,
    PURPOSE,
    RETRIEVE,
    UPLOAD,
)
from llama_conformance_suites.files.helpers import by_id, list_page, upload_file, upload_purposes

pytestmark = [pytest.mark.behavioral, pytest.mark.api("files")]

YEAR_2000 = 946_684_800  # created_at before this is no upload time in seconds (zero, a counter, ...)

FILENAMES = st.one_of(
    # with names a careful server rewrites though every character is safe: "..", a leading dot
    st.sampled_from(["data.jsonl", "notes.txt", "report.pdf", "résumé.md", "データ.csv", "0..", ".env"]),
    st.text(st.characters(exclude_categories=("Cs", "Cc"), exclude_characters='/\\"'),
            min_size=1, max_size=24),
)
CONTENTS = st.binary(min_size=1, max_size=4096)


def _uploaded(kit: Kit, content: bytes, filename: str, purpose: str):
    outcome, _ = upload_file(kit, content, filename, purpose)
    return kit.accept(outcome, "openai_upload_file", UPLOAD)


def _cleanup(kit: Kit, file_id: str) -> None:
    by_id(kit, "openai_delete_file", file_id)


@pytest.mark.checks(UPLOAD, FILENAME_KEPT, CREATED_AT, RETRIEVE, CONTENT, *ANSWER)
def test_upload_retrieve_content(llama_kit: Kit) -> None:
    """files.upload, files.retrieve, files.content over drawn contents, names, purposes and expiries."""
    kit = llama_kit
    upload_member = kit.member("openai_upload_file")
    purposes = upload_purposes(kit)
    requests = valid_requests(upload_member.request_model).filter(lambda r: r.purpose.value in purposes)

    def body(example: tuple) -> None:
        request, content, filename = example
        outcome, _ = upload_file(kit, content, filename, request.purpose.value)
        created = kit.accept(outcome, upload_member, UPLOAD)
        try:
            kit.judge.check(created.bytes == len(content), UPLOAD,
                            f"bytes is {created.bytes}, but {len(content)} bytes were uploaded.")
            # Any changed filename is the SHOULD check's: servers sanitize deliberately, and not only
            # characters outside [A-Za-z0-9._-] (ogx collapses "..", so "0.." comes back "0_").
            kit.judge.check(created.filename == filename, FILENAME_KEPT,
                            f"filename is {created.filename!r}, but {filename!r} was uploaded.")
            kit.judge.check(YEAR_2000 <= created.created_at <= time.time() + 60, CREATED_AT,
                            f"created_at is {created.created_at}, which is not a Unix time in seconds of this upload "
                            "(milliseconds? a fixed value?): clients render it as a date.")
            kit.judge.check(str(getattr(created.purpose, "value", created.purpose)) == request.purpose.value,
                            UPLOAD, f"purpose is {created.purpose!r}, not {request.purpose.value!r}.")
            retrieved = kit.accept(by_id(kit, "openai_retrieve_file", created.id), "openai_retrieve_file", RETRIEVE)
            for name in ("id", "bytes", "filename", "purpose", "created_at"):
                kit.judge.check(getattr(retrieved, name) == getattr(created, name), RETRIEVE,
                                f"retrieve says {name}={getattr(retrieved, name)!r}, upload said "
                                f"{getattr(created, name)!r}.")
            fetched = by_id(kit, "openai_retrieve_file_content", created.id)
            kit.judge.answered(fetched, CONTENT)
            body_bytes = response_bytes(kit, fetched.value)
            kit.judge.check(body_bytes == content, CONTENT,
                            f"content of {created.id} is {len(body_bytes or b'')} bytes that differ from the "
                            f"{len(content)} uploaded (first bytes {body_bytes[:16]!r} vs {content[:16]!r})."
                            if body_bytes is not None else
                            f"content returned {type(fetched.value).__name__} with no body.")
        finally:
            _cleanup(kit, created.id)

    kit.examples(st.tuples(requests, CONTENTS, FILENAMES), body)


def _walk(kit: Kit, *, limit: int, order: str, purpose: str | None = None) -> list:
    """All files, page by page with ``after``; checks each page's own bookkeeping."""
    seen, after, pages = [], None, 0
    while True:
        payload = {"limit": limit, "order": order, **({"after": after} if after else {}),
                   **({"purpose": purpose} if purpose else {})}
        page = kit.accept(list_page(kit, **payload), "openai_list_files", LIST)
        ids = [f.id for f in page.data]
        kit.judge.check(len(ids) <= limit, PAGINATION,
                        f"a page asked for limit={limit} holds {len(ids)} files.")
        if ids:
            kit.judge.check(page.first_id == ids[0] and page.last_id == ids[-1], PAGINATION,
                            f"first_id/last_id are {page.first_id!r}/{page.last_id!r}, the page runs "
                            f"{ids[0]!r}..{ids[-1]!r}.")
        seen.extend(page.data)
        pages += 1
        if not page.has_more:
            return seen
        kit.judge.check(bool(ids), PAGINATION, "has_more is true on an empty page.")
        kit.judge.check(pages < 1000, PAGINATION, "pagination does not end after 1000 pages.")
        after = ids[-1]


@pytest.mark.checks(UPLOAD, LIST, PAGINATION, ORDER, *ANSWER)
def test_list_pagination_and_order(llama_kit: Kit) -> None:
    """files.list, files.list.pagination (limit/after/has_more), files.list.order (SHOULD)."""
    kit = llama_kit
    purpose = upload_purposes(kit)[0]
    created = [_uploaded(kit, f"line {i}\n".encode(), f"page-{i}.txt", purpose) for i in range(5)]
    # created_at has one-second resolution: five quick uploads share it, so only a file from a
    # later second can tell asc from desc. Wait for the next second (at most 1 s) for one.
    time.sleep(1.02 - time.time() % 1)
    later = _uploaded(kit, b"later\n", "page-later.txt", purpose)
    created.append(later)
    try:
        ours = {f.id for f in created}
        earlier = created[:-1]
        for order in ("asc", "desc"):
            walked = _walk(kit, limit=2, order=order)
            ids = [f.id for f in walked]
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            kit.judge.check(not duplicates, PAGINATION,
                            f"walking order={order} with limit=2 returned {duplicates} more than once.")
            missing = sorted(ours - set(ids))
            kit.judge.check(not missing, PAGINATION if len(ids) else LIST,
                            f"walking order={order} with limit=2 never returned uploaded files {missing}.")
            stamps = [f.created_at for f in walked]
            ordered = stamps == sorted(stamps, reverse=(order == "desc"))
            kit.judge.check(ordered, ORDER,
                            f"order={order} lists created_at {stamps[:8]}... out of order.")
            if later.created_at > max(f.created_at for f in earlier) and not missing:
                position = {f.id: i for i, f in enumerate(walked)}
                first_is_later = position[later.id] < min(position[f.id] for f in earlier)
                last_is_later = position[later.id] > max(position[f.id] for f in earlier)
                kit.judge.check(last_is_later if order == "asc" else first_is_later, ORDER,
                                f"order={order}: {later.id} (created_at {later.created_at}) is not listed "
                                f"{'after' if order == 'asc' else 'before'} the files created a second earlier.")
        whole = list_page(kit, limit=10000)
        kit.judge.answered(whole, LIST)
        kit.judge.check(ours <= {f.id for f in whole.value.data}, LIST,
                        "one list call (limit 10000) misses uploaded files.")
    finally:
        for item in created:
            _cleanup(kit, item.id)


@pytest.mark.checks(UPLOAD, LIST, PURPOSE, *ANSWER)
def test_list_purpose_filter(llama_kit: Kit) -> None:
    """files.list.purpose (SHOULD): a purpose filter returns only that purpose."""
    kit = llama_kit
    purposes = upload_purposes(kit)
    if len(purposes) < 2:
        pytest.skip("the contract offers one upload purpose, so a filter cannot be told from no filter")
    first, second = purposes[0], purposes[1]
    created = [_uploaded(kit, b"a", "a.txt", first), _uploaded(kit, b"b", "b.txt", second)]
    try:
        outcome = list_page(kit, purpose=first, limit=10000)
        kit.judge.answered(outcome, LIST)
        found = {f.id: str(getattr(f.purpose, "value", f.purpose)) for f in outcome.value.data}
        wrong = {i: p for i, p in found.items() if p != first}
        kit.judge.check(not wrong, PURPOSE, f"purpose={first} also listed {wrong}.")
        kit.judge.check(created[0].id in found, PURPOSE,
                        f"purpose={first} did not list {created[0].id}, uploaded with that purpose.")
    finally:
        for item in created:
            _cleanup(kit, item.id)


@pytest.mark.checks(UPLOAD, LIST, DELETE, *ANSWER)
def test_delete(llama_kit: Kit) -> None:
    """files.delete: deleted=true, then retrieve / content / delete are not-found and list omits it."""
    kit = llama_kit
    created = _uploaded(kit, b"to be deleted", "gone.txt", upload_purposes(kit)[0])
    deleted = kit.accept(by_id(kit, "openai_delete_file", created.id), "openai_delete_file", DELETE)
    kit.judge.check(deleted.deleted is True and deleted.id == created.id, DELETE,
                    f"delete answered {deleted!r}, not deleted=true for {created.id}.")
    listed = list_page(kit, limit=10000)
    kit.judge.answered(listed, LIST)
    kit.judge.check(created.id not in {f.id for f in listed.value.data}, DELETE,
                    f"{created.id} is still listed after delete.")
    for member in BY_ID:
        after = by_id(kit, member, created.id)
        expect_not_found(kit, after, DELETE, f"{member} of a deleted file")
