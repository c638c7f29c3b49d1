"""VectorIO suite: stores (create / retrieve / update / list / delete), chunks, search, files,
file batches, isolation between stores, unknown ids.

Each test names the checks it makes (``checks.py`` beside this file). Stores are created the
way the server's router creates them (``helpers.py``) and
deleted again, so a persistent provider is left as it was found. Chunks are embedded with
the kit's reference embedding (the store's model), so a query equal to a chunk's text has
a known best match whatever the index.
"""

from __future__ import annotations

import contextlib
import math
import uuid
from typing import Any

import pytest
from hypothesis import strategies as st

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, FUZZED, NEGATIVE
from llama_conformance.behaviour.negative import expect_not_found, unknown_ids
from llama_conformance.checks import CheckDef
from llama_conformance.engine_checks import NO_HANG, TYPED_ERROR
from llama_conformance.report.applicability import NotApplicable
from llama_conformance.strategies.domain import salted
from llama_conformance_suites.vector_io import helpers as vio
from llama_conformance_suites.vector_io.checks import (
    CHUNKS_QUERY,
    FILES_ATTACH,
    FILES_BATCH,
    ISOLATION,
    ISOLATION_BACKEND,
    NOT_FOUND,
    SCORES_FINITE,
    SEARCH,
    STORE_CREATE,
    STORE_DELETE,
    STORE_LIST,
    STORE_RETRIEVE,
    STORE_UPDATE,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("vector_io")]

NAMES = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=24)
METADATA = st.dictionaries(st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=8),
                           st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=16),
                           max_size=3)
WORDS = st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=3, max_size=10)
# At least three chunks, so a provider that ignores max_chunks=2 / max_num_results=2 shows it.
# A third of the sentences hold a domain value (PII, an injection phrase, an unsafe request, code
# with quotes and newlines): what RAG stores hold, and what reaches their SQL quoting, full-text
# tokenizers and JSON. Ranking stays exact: the reference embedding hashes the whole text.
TEXTS = st.lists(salted(st.lists(WORDS, min_size=2, max_size=8).map(" ".join), percent=35),
                 min_size=3, max_size=5, unique=True)


def _scores_ranked(kit: Kit, scores: list[float], check: CheckDef, what: str) -> None:
    # Any sign: a cosine similarity (milvus) is negative for opposed vectors; the contract types
    # scores as floats and says nothing of their range.
    bad = [s for s in scores if not isinstance(s, int | float) or math.isnan(s)]
    kit.judge.check(not bad, check, f"{what} scores {bad} are not numbers.")
    kit.judge.check(scores == sorted(scores, reverse=True), check,
                    f"{what} scores {scores} are not ranked high to low.")


@pytest.mark.checks(STORE_CREATE, STORE_RETRIEVE, STORE_UPDATE,
                    *ANSWER, *FUZZED)
def test_store_create_retrieve_update(llama_kit: Kit) -> None:
    """vector_io.store.create / retrieve / update over drawn names and metadata."""
    kit = llama_kit

    def body(example: tuple) -> None:
        name, metadata, new_name, new_metadata = example
        store = vio.created_store(kit, name=name, metadata=metadata)
        try:
            created = store.created
            kit.judge.check(created.name == name, STORE_CREATE,
                            f"name is {created.name!r}, {name!r} was sent.")
            missing = {k: v for k, v in metadata.items() if (created.metadata or {}).get(k) != v}
            kit.judge.check(not missing, STORE_CREATE,
                            f"metadata {created.metadata!r} lacks what was sent: {missing!r}.")
            kit.judge.check(created.file_counts.total == 0, STORE_CREATE,
                            f"a new store counts {created.file_counts.total} files.")
            retrieved = kit.accept(vio.call(kit, "openai_retrieve_vector_store", vector_store_id=store.id),
                                   "openai_retrieve_vector_store", STORE_RETRIEVE)
            for field in ("id", "name", "created_at"):
                kit.judge.check(getattr(retrieved, field) == getattr(created, field),
                                STORE_RETRIEVE,
                                f"retrieve says {field}={getattr(retrieved, field)!r}, create said "
                                f"{getattr(created, field)!r}.")
            changes = {"name": new_name, "metadata": new_metadata}
            updated = kit.accept(kit.ask_with("openai_update_vector_store", changes, vector_store_id=store.id),
                                 "openai_update_vector_store", STORE_UPDATE)
            after = vio.call(kit, "openai_retrieve_vector_store", vector_store_id=store.id)
            kit.judge.answered(after, STORE_RETRIEVE)
            for label, value in (("update answered", updated), ("retrieve after update", after.value)):
                kit.judge.check(value.name == new_name, STORE_UPDATE,
                                f"{label}: name {value.name!r}, {new_name!r} was set.")
                lost = {k: v for k, v in new_metadata.items() if (value.metadata or {}).get(k) != v}
                kit.judge.check(not lost, STORE_UPDATE,
                                f"{label}: metadata {value.metadata!r} lacks what was set: {lost!r}.")
        finally:
            vio.delete_store(kit, store.id)

    kit.examples(st.tuples(NAMES, METADATA, NAMES, METADATA), body, label="(name, metadata, new name, new metadata)")


@pytest.mark.checks(STORE_CREATE, STORE_LIST, STORE_DELETE, *ANSWER)
def test_store_list_and_delete(llama_kit: Kit) -> None:
    """vector_io.store.list (pages with limit/after) and vector_io.store.delete."""
    kit = llama_kit
    stores = [vio.created_store(kit, name=f"kit-list-{i}") for i in range(3)]
    ours = {s.id for s in stores}
    try:
        for order in ("asc", "desc"):
            seen: list[str] = []
            after = None
            for _ in range(1000):
                page = kit.accept(vio.list_stores(kit, limit=1, order=order, **({"after": after} if after else {})),
                                  "openai_list_vector_stores", STORE_LIST)
                ids = [s.id for s in page.data]
                kit.judge.check(len(ids) <= 1, STORE_LIST, f"limit=1 gave a page of {len(ids)}.")
                if ids:
                    kit.judge.check(page.first_id == ids[0] and page.last_id == ids[-1],
                                    STORE_LIST,
                                    f"first_id/last_id {page.first_id!r}/{page.last_id!r} for a "
                                    f"page of {ids}.")
                seen.extend(ids)
                if not page.has_more:
                    break
                kit.judge.check(bool(ids), STORE_LIST, "has_more is true on an empty page.")
                after = ids[-1]
            twice = sorted({i for i in seen if seen.count(i) > 1})
            kit.judge.check(not twice, STORE_LIST, f"order={order}, limit=1 listed {twice} twice.")
            kit.judge.check(ours <= set(seen), STORE_LIST,
                            f"order={order}, limit=1 never listed {sorted(ours - set(seen))}.")
        gone = stores.pop()
        deleted = kit.accept(vio.delete_store(kit, gone.id), "openai_delete_vector_store", STORE_DELETE)
        kit.judge.check(deleted.deleted is True and deleted.id == gone.id, STORE_DELETE,
                        f"delete answered {deleted!r}, not deleted=true for {gone.id}.")
        listed = vio.list_stores(kit, limit=100)
        kit.judge.answered(listed, STORE_LIST)
        kit.judge.check(gone.id not in {s.id for s in listed.value.data}, STORE_DELETE,
                        f"{gone.id} is still listed after delete.")
        expect_not_found(kit, vio.call(kit, "openai_retrieve_vector_store", vector_store_id=gone.id),
                         STORE_DELETE, "retrieve of a deleted store")
    finally:
        for store in stores:
            vio.delete_store(kit, store.id)


@pytest.mark.checks(STORE_CREATE, CHUNKS_QUERY, SEARCH, *ANSWER)
def test_chunks_insert_query_search(llama_kit: Kit) -> None:
    """vector_io.chunks.query and vector_io.search over drawn chunk texts, a fresh store per example
    (so a shrunk example replays against the same state)."""
    kit = llama_kit

    def body(texts: list[str]) -> None:
        store = vio.created_store(kit, name="kit-chunks")
        try:
            _insert_query_search(kit, store, texts)
        finally:
            vio.delete_store(kit, store.id)

    kit.examples(TEXTS, body, label="chunk texts")


def _insert_query_search(kit: Kit, store: vio.Store, texts: list[str]) -> None:
    chunks = [vio.embedded_chunk(kit, store, text, f"kit-chunk-{i}") for i, text in enumerate(texts)]
    outcome = vio.insert(kit, store.id, chunks)
    kit.judge.answered(outcome, CHUNKS_QUERY)
    inserted = {c.chunk_id: text for c, text in zip(chunks, texts, strict=True)}
    for chunk, text in zip(chunks, texts, strict=True):
        found = kit.accept(vio.query(kit, store.id, text, max_chunks=2), "query_chunks", CHUNKS_QUERY)
        ids = [c.chunk_id for c in found.chunks]
        kit.judge.check(len(found.scores) == len(ids), CHUNKS_QUERY,
                        f"{len(ids)} chunks but {len(found.scores)} scores.")
        kit.judge.check(len(ids) <= 2, CHUNKS_QUERY, f"max_chunks=2 returned {len(ids)} chunks.")
        kit.judge.check(bool(ids) and ids[0] == chunk.chunk_id, CHUNKS_QUERY,
                        f"a query equal to the text of {chunk.chunk_id} ranks {ids[:3]} first, not it.")
        foreign = sorted(set(ids) - set(inserted))
        kit.judge.check(not foreign, CHUNKS_QUERY, f"query returned chunks never inserted: {foreign}.")
        _scores_ranked(kit, list(found.scores), CHUNKS_QUERY, "query_chunks")
        results = kit.accept(vio.search(kit, store.id, text, max_num_results=2), "openai_search_vector_store",
                             SEARCH).data
        kit.judge.check(len(results) <= 2, SEARCH, f"max_num_results=2 gave {len(results)}.")
        texts_found = [c.text for r in results for c in r.content]
        kit.judge.check(bool(texts_found) and texts_found[0] == text, SEARCH,
                        f"searching for the text of {chunk.chunk_id} ({text!r}) ranks {texts_found[:2]} first.")
        strangers = [t for t in texts_found if t not in inserted.values()]
        kit.judge.check(not strangers, SEARCH, f"search returned content never inserted: {strangers}.")
        _scores_ranked(kit, [r.score for r in results], SEARCH, "search")


@pytest.mark.checks(STORE_CREATE, CHUNKS_QUERY, SCORES_FINITE, NO_HANG)
def test_exact_match_scores_are_finite(llama_kit: Kit) -> None:
    """vector_io.search.scores-finite: a chunk whose embedding equals the query's
    (distance 0) still gets a finite score, from query_chunks and from search."""
    kit = llama_kit
    check = SCORES_FINITE
    store = vio.created_store(kit, name="kit-exact")
    text = "an exact match scores finitely"
    try:
        kit.judge.answered(vio.insert(kit, store.id, [vio.embedded_chunk(kit, store, text, "kit-exact", exact=True)]),
                           CHUNKS_QUERY)
        answers = {"query_chunks": vio.query(kit, store.id, text), "search": vio.search(kit, store.id, text)}
        for what, outcome in answers.items():
            kit.judge.no_hang(outcome)
            if outcome.error is not None:  # over HTTP a null score fails to decode
                kit.judge.check(False, check, f"{what} of an exact match failed: {outcome.describe_error()}.")
                continue
            # Over HTTP an answer that does not decode into the model (a null score) stays JSON.
            value = outcome.value if isinstance(outcome.value, dict) else outcome.value.model_dump()
            scores = list(value["scores"]) if what == "query_chunks" else [r["score"] for r in value["data"]]
            wrong = [s for s in scores if not isinstance(s, int | float) or not math.isfinite(s)]
            kit.judge.check(not wrong, check, f"{what} of an exact match scored {wrong}: JSON has no Infinity, so "
                                              "a server sends null where the contract says number.")
    finally:
        vio.delete_store(kit, store.id)


@pytest.mark.checks(STORE_CREATE, ISOLATION, *ANSWER)
def test_stores_are_isolated(llama_kit: Kit) -> None:
    """vector_io.isolation: a store's queries, searches and file lists never show another's data."""
    kit = llama_kit
    first = vio.created_store(kit, name="kit-isolation-a")
    second = vio.created_store(kit, name="kit-isolation-b")
    try:
        texts = {first.id: "alpha apples arrive early", second.id: "beta bananas bend late"}
        for store in (first, second):
            outcome = vio.insert(kit, store.id, [vio.embedded_chunk(kit, store, texts[store.id], f"{store.id}-c")])
            kit.judge.answered(outcome, ISOLATION)
        for store, other in ((first, second), (second, first)):
            found = vio.query(kit, store.id, texts[other.id], max_chunks=5)
            kit.judge.answered(found, ISOLATION)
            leaked = [c.chunk_id for c in found.value.chunks if c.chunk_id != f"{store.id}-c"]
            kit.judge.check(not leaked, ISOLATION,
                            f"querying {store.id} returned chunks of another store: {leaked}.")
            page = vio.search(kit, store.id, texts[other.id])
            kit.judge.answered(page, ISOLATION)
            seen = [c.text for r in vio.page_results(kit, page.value) for c in r.content]
            kit.judge.check(texts[other.id] not in seen, ISOLATION,
                            f"searching {store.id} returned the text of {other.id}: {seen}.")
    finally:
        vio.delete_store(kit, first.id)
        vio.delete_store(kit, second.id)


DOCUMENT = ("The kit attaches this file to a vector store. Quokkas live on Rottnest Island. "
            "Searching for quokkas must find this file.")


@pytest.mark.checks(STORE_CREATE, FILES_ATTACH, ISOLATION, *ANSWER)
def test_attach_file(llama_kit: Kit) -> None:
    """vector_io.files.attach: status, listing, contents, search, attributes, delete; the other
    store never lists the file (vector_io.isolation)."""
    kit = llama_kit
    check = FILES_ATTACH
    store = vio.created_store(kit, name="kit-files")
    other = vio.created_store(kit, name="kit-files-other")
    try:
        file_id = vio.upload_to_files(kit, DOCUMENT.encode(), "quokkas.txt")
        attached = kit.accept(vio.attach(kit, store.id, file_id, attributes={"topic": "quokkas"}),
                              "openai_attach_file_to_vector_store", check)
        kit.judge.check(attached.id == file_id and attached.vector_store_id == store.id, check,
                        f"attach answered id={attached.id!r} vector_store_id={attached.vector_store_id!r}"
                        f" for {file_id} in {store.id}.")
        final = vio.wait_terminal(kit, lambda: vio.call(kit, "openai_retrieve_vector_store_file",
                                                        vector_store_id=store.id, file_id=file_id),
                                  check, f"file {file_id}")
        status = vio.status_of(final)
        kit.judge.check(status in ("completed", "failed", "cancelled"), check, f"status {status!r} is not terminal.")
        kit.judge.check(status != "failed" or final.last_error is not None, check,
                        "the file failed without last_error.")
        if status != "completed":
            pytest.skip(f"the provider could not process a small text file here ({status}: "
                        f"{getattr(final.last_error, 'message', '')}); the rest of the check needs a completed file")
        listed = kit.accept(vio.call(kit, "openai_list_files_in_vector_store", vector_store_id=store.id, limit=100),
                            "openai_list_files_in_vector_store", check)
        kit.judge.check(file_id in [f.id for f in listed.data], check, f"{file_id} is not listed in {store.id}.")
        elsewhere = vio.call(kit, "openai_list_files_in_vector_store", vector_store_id=other.id, limit=100)
        kit.judge.answered(elsewhere, ISOLATION)
        kit.judge.check(file_id not in [f.id for f in elsewhere.value.data], ISOLATION,
                        f"{other.id} lists {file_id}, attached only to {store.id}.")
        counted = vio.call(kit, "openai_retrieve_vector_store", vector_store_id=store.id)
        kit.judge.answered(counted, check)
        kit.judge.check(counted.value.file_counts.completed == 1 and counted.value.file_counts.total == 1, check,
                        f"the store counts {counted.value.file_counts!r} after one completed file.")
        contents = kit.accept(vio.call(kit, "openai_retrieve_vector_store_file_contents", vector_store_id=store.id,
                                       file_id=file_id), "openai_retrieve_vector_store_file_contents", check)
        text = " ".join(c.text for c in contents.data)
        kit.judge.check("Rottnest" in text, check, f"the file's contents {text[:80]!r} miss its text.")
        page = vio.search(kit, store.id, "Quokkas live on Rottnest Island")
        kit.judge.answered(page, check)
        # By its text: whether the result names the file by its id is vector_io.search.file-id's.
        found = vio.result_texts(vio.page_results(kit, page.value))
        kit.judge.check(any("Rottnest" in text for text in found), check,
                        f"searching for the file's text does not return it: {found}.")
        updated = kit.ask_with("openai_update_vector_store_file", {"attributes": {"topic": "marsupials"}},
                               vector_store_id=store.id, file_id=file_id)
        kit.judge.answered(updated, check)
        kit.judge.check((updated.value.attributes or {}).get("topic") == "marsupials", check,
                        f"update of attributes answered {updated.value.attributes!r}.")
        deleted = vio.call(kit, "openai_delete_vector_store_file", vector_store_id=store.id, file_id=file_id)
        kit.judge.answered(deleted, check)
        kit.judge.check(deleted.value.deleted is True, check, f"delete answered {deleted.value!r}.")
        after = vio.call(kit, "openai_list_files_in_vector_store", vector_store_id=store.id, limit=100)
        kit.judge.answered(after, check)
        kit.judge.check(file_id not in [f.id for f in after.value.data], check, f"{file_id} is listed after delete.")
    finally:
        vio.delete_store(kit, store.id)
        vio.delete_store(kit, other.id)


@pytest.mark.checks(STORE_CREATE, FILES_BATCH, TYPED_ERROR, *ANSWER)
def test_file_batch(llama_kit: Kit) -> None:
    """vector_io.files.batch: terminal status, counts, listing, cancel of a terminal batch."""
    kit = llama_kit
    check = FILES_BATCH
    kit.member("openai_create_vector_store_file_batch")  # not applicable where the generation has no file batches
    store = vio.created_store(kit, name="kit-batch")
    try:
        file_ids = [vio.upload_to_files(kit, f"batch file {i}: wombats dig burrows.".encode(), f"batch-{i}.txt")
                    for i in range(2)]
        params = kit.api.OpenAICreateVectorStoreFileBatchRequestWithExtraBody(file_ids=file_ids)
        created = kit.accept(vio.call(kit, "openai_create_vector_store_file_batch", vector_store_id=store.id,
                                      params=params), "openai_create_vector_store_file_batch", check)
        batch_id = created.id
        final = vio.wait_terminal(kit, lambda: vio.call(kit, "openai_retrieve_vector_store_file_batch",
                                                        batch_id=batch_id, vector_store_id=store.id),
                                  check, f"batch {batch_id}")
        counts = final.file_counts
        parts = counts.completed + counts.failed + counts.cancelled + counts.in_progress
        kit.judge.check(counts.total == len(file_ids) and parts == counts.total, check,
                        f"a batch of {len(file_ids)} files counts {counts!r}.")
        status = vio.status_of(final)
        kit.judge.check(status in ("completed", "failed", "cancelled"), check, f"status {status!r} is not terminal.")
        listed = kit.accept(vio.call(kit, "openai_list_files_in_vector_store_file_batch", batch_id=batch_id,
                                     vector_store_id=store.id, limit=100),
                            "openai_list_files_in_vector_store_file_batch", check)
        kit.judge.check(sorted(f.id for f in listed.data) == sorted(file_ids), check,
                        f"the batch lists {[f.id for f in listed.data]}, not {file_ids}.")
        cancelled = vio.call(kit, "openai_cancel_vector_store_file_batch", batch_id=batch_id,
                             vector_store_id=store.id)
        kit.judge.no_hang(cancelled)
        if cancelled.error is not None:
            kit.judge.typed_rejection(cancelled)
            kit.judge.check(cancelled.answer is not None and cancelled.answer.client_error, check,
                            f"cancelling a {status} batch raised {cancelled.describe_error()}, not a 4xx.")
        again = vio.call(kit, "openai_retrieve_vector_store_file_batch", batch_id=batch_id, vector_store_id=store.id)
        kit.judge.answered(again, check)
        kit.judge.check(vio.status_of(again.value) == status, check,
                        f"the {status} batch became {vio.status_of(again.value)!r} after cancel.")
    finally:
        vio.delete_store(kit, store.id)


@pytest.mark.checks(STORE_CREATE, NOT_FOUND, *NEGATIVE)
@pytest.mark.negative
def test_unknown_ids(llama_kit: Kit) -> None:
    """vector_io.not-found: unknown store ids everywhere; unknown file and batch ids in a store.

    Not a row of the shared negative table (``suites/negative``): the members take their ids as
    keywords beside (or instead of) a request model, which the row's call (``kit.ask``) cannot
    make; and unknown file and batch ids need a real store (setup)."""
    kit = llama_kit
    check = NOT_FOUND
    ids = unknown_ids("vs_kit_unknown_", known="vs_does_not_exist", max_size=30)

    def body(store_id: str) -> None:
        calls = {  # member -> its request's fields (None: it takes the id alone)
            "openai_retrieve_vector_store": None,
            "openai_update_vector_store": {"name": "x"},
            "openai_delete_vector_store": None,
            "openai_search_vector_store": {"query": "x"},
            "openai_list_files_in_vector_store": None,
        }
        for name, payload in calls.items():
            expect_not_found(kit, vio.call_with(kit, name, payload, vector_store_id=store_id), check,
                             f"{name}({store_id!r})")
        expect_not_found(kit, vio.query(kit, store_id, "x"), check, f"query_chunks({store_id!r})")

    kit.examples(ids, body, label="vector_store_id")
    store = vio.created_store(kit, name="kit-unknown")
    try:
        for name in ("openai_retrieve_vector_store_file", "openai_delete_vector_store_file"):
            outcome = vio.call(kit, name, vector_store_id=store.id, file_id="file-kit-unknown")
            expect_not_found(kit, outcome, check, f"{name} of an unknown file")
        if any(m.name == "openai_retrieve_vector_store_file_batch" for m in kit.put.surface.members):  # not in 0.2
            outcome = vio.call(kit, "openai_retrieve_vector_store_file_batch", batch_id="vsfb_kit_unknown",
                               vector_store_id=store.id)
            expect_not_found(kit, outcome, check, "openai_retrieve_vector_store_file_batch of an unknown batch")
    finally:
        vio.delete_store(kit, store.id)


@pytest.mark.checks(ISOLATION_BACKEND, NO_HANG)
def test_backend_shared_with_another_instance(llama_kit: Kit) -> None:
    """vector_io.isolation.backend: a second instance configured with other namespaces on the same
    storage backend creates a store; a fresh instance of the provider under test must not see it.
    In-process only: it builds instances as the server does when two providers share a backend."""
    kit = llama_kit
    check = ISOLATION_BACKEND
    if kit.session.over_http or kit.session.options.stack_url:
        raise NotApplicable("builds provider instances beside the one under test: in-process only")
    put = kit.session.put
    values, moved = vio.sibling_values(put.config.model_dump(mode="json"))
    if not moved:
        pytest.skip("the provider's config names no storage backend another instance could share")
    sibling = _another_instance(put, type(put.config).model_validate(values), "-" + vio.SIBLING_SUFFIX)
    fresh = None
    store_id = f"vs_kit_sibling_{uuid.uuid4().hex}"
    try:
        put.gate.run("another instance: create a store",
                     lambda: vio.create_in(sibling, kit.api, store_id, vio.provider_id(put.entry) + "-sibling"))
        fresh = _another_instance(put, put.config)
        shown = put.gate.run("a fresh instance: list / retrieve", lambda: vio.sees(fresh, store_id))
        kit.judge.check(not shown, check,
                        f"a new instance of the provider {' and '.join(shown).replace('it', store_id, 1)}: a store "
                        f"another instance created under other namespaces ({', '.join(_references(values))}) on "
                        "the same backend: the storage ignores the namespace, so providers sharing a backend see "
                        "each other's stores.")
    finally:
        for impl in (sibling, fresh):
            if impl is not None and callable(getattr(impl, "shutdown", None)):
                with contextlib.suppress(Exception):
                    put.gate.run("shutdown (another instance)", impl.shutdown)


def _another_instance(put: Any, config: Any, suffix: str = "") -> Any:
    """A second instance beside the running one, or not applicable when the backend allows only one at a time
    (qdrant-client's local mode locks its folder): instances that cannot coexist cannot share a backend."""
    from llama_conformance.errors import GateTimeout, describe_exception

    try:
        return vio.build_instance(put, config, suffix)
    except GateTimeout:
        raise
    except Exception as exc:  # the same config built the provider under test: what differs is the running one
        raise NotApplicable(f"a second instance could not be built while the provider under test runs "
                            f"({describe_exception(exc)}): its backend admits one instance at a time, so two "
                            "providers cannot share it") from None


def _references(values: dict) -> list[str]:
    found: list[str] = []

    def walk(obj: object) -> None:
        if isinstance(obj, dict):
            if isinstance(obj.get("backend"), str):
                found.append(f"{obj['backend']}:{obj.get('namespace') or obj.get('table_name')}")
            for value in obj.values():
                walk(value)
        elif isinstance(obj, list):
            for value in obj:
                walk(value)

    walk(values)
    return found
