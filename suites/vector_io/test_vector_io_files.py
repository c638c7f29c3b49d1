"""VectorIO attached files in depth: updated attributes are the ones search filters apply, and a
deleted file's chunks leave the store.

Files are attached through the files API the provider reads from (``helpers.attached_file``) and
told apart in search results by a marker word in their text.
"""

from __future__ import annotations

import math

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER
from llama_conformance.report.applicability import NotApplicable
from llama_conformance_suites.vector_io import helpers as vio
from llama_conformance_suites.vector_io.checks import (
    FILES_ATTRIBUTES_UPDATE,
    FILES_CHUNKING,
    FILES_CONTENTS_INCLUDE,
    FILES_DELETE_UNSEARCHABLE,
    STORE_CREATE,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("vector_io")]

TEXT = "Echidnas are spiny monotremes that lay eggs."


@pytest.mark.checks(STORE_CREATE, FILES_ATTRIBUTES_UPDATE, *ANSWER)
def test_file_attributes_update(llama_kit: Kit) -> None:
    """vector_io.files.attributes-update: after an update, retrieve shows the new attributes and a
    search filter on them finds the file, while one on the old value does not (a store that filters
    on the attributes it indexed at attach time keeps answering the old ones)."""
    kit = llama_kit
    check = FILES_ATTRIBUTES_UPDATE
    store = vio.created_store(kit, name="kit-attributes")
    try:
        file_id = vio.attached_file(kit, store, TEXT, "echidna.txt", check, {"stage": "draft"})
        kit.accept(kit.ask_with("openai_update_vector_store_file", {"attributes": {"stage": "final"}},
                                vector_store_id=store.id, file_id=file_id), "openai_update_vector_store_file", check)
        retrieved = kit.accept(vio.call(kit, "openai_retrieve_vector_store_file", vector_store_id=store.id,
                                        file_id=file_id), "openai_retrieve_vector_store_file", check)
        kit.judge.check((retrieved.attributes or {}).get("stage") == "final", check,
                        f"retrieve after the update shows attributes {retrieved.attributes!r}, not stage=final.")
        wrong = []
        for stage, expected in (("final", True), ("draft", False)):
            search_filter = {"type": "eq", "key": "stage", "value": stage}
            texts = vio.result_texts(vio.search_with(kit, store.id, TEXT, check, filters=search_filter))
            if any("Echidnas" in text for text in texts) != expected:
                wrong.append(f"a search filtered on stage={stage} {'misses' if expected else 'finds'} it")
        kit.judge.check(not wrong, check,
                        f"after updating the attributes of {file_id} from stage=draft to stage=final, "
                        + " and ".join(wrong) + ": search filters apply the attributes of attach time.")
    finally:
        vio.delete_store(kit, store.id)


@pytest.mark.checks(STORE_CREATE, FILES_DELETE_UNSEARCHABLE, *ANSWER)
def test_deleted_file_unsearchable(llama_kit: Kit) -> None:
    """vector_io.files.delete-unsearchable: of two attached files, the deleted one is no longer
    returned by search or query_chunks; the other still is (a delete that empties the store is
    not a delete of one file)."""
    kit = llama_kit
    check = FILES_DELETE_UNSEARCHABLE
    store = vio.created_store(kit, name="kit-delete-file")
    try:
        gone_text = "Numbats eat termites in the woodlands of Western Australia."
        kept_text = "Bilbies dig spiral burrows in the deserts of the interior."
        gone = vio.attached_file(kit, store, gone_text, "numbat.txt", check)
        vio.attached_file(kit, store, kept_text, "bilby.txt", check)
        deleted = vio.call(kit, "openai_delete_vector_store_file", vector_store_id=store.id, file_id=gone)
        kit.judge.answered(deleted, check)
        problems = []
        texts = vio.result_texts(vio.search_with(kit, store.id, gone_text, check, max_num_results=50))
        if any("Numbats" in text for text in texts):
            problems.append("search for its text still returns it")
        if not any("Bilbies" in text for text in texts):
            problems.append("search no longer returns the other file")
        queried = vio.query(kit, store.id, gone_text, max_chunks=50)
        kit.judge.answered(queried, check)
        if any("Numbats" in str(chunk.content) for chunk in queried.value.chunks):
            problems.append("query_chunks for its text still returns its chunks")
        kit.judge.check(not problems, check, f"after deleting {gone} from {store.id}: " + "; ".join(problems) + ".")
    finally:
        vio.delete_store(kit, store.id)



# About 300 words, numbered so any lost or reordered stretch shows.
LONG_TEXT = " ".join(f"word{i} of the kit's chunked file" for i in range(60))
MAX_TOKENS = 100


@pytest.mark.checks(STORE_CREATE, FILES_CHUNKING, *ANSWER)
def test_static_chunking(llama_kit: Kit) -> None:
    """vector_io.files.chunking: a file attached with a static strategy (100 tokens, no overlap)
    reports that strategy; its contents hold the whole file in order (compared without whitespace,
    since a token boundary may cut a word), in chunks of at most 100 words (a word is at least
    one token), and more than one chunk (the file is ~300 words)."""
    kit = llama_kit
    check = FILES_CHUNKING
    api = kit.api
    store = vio.created_store(kit, name="kit-chunking")
    try:
        file_id = vio.upload_to_files(kit, LONG_TEXT.encode(), "chunked.txt")
        # type set explicitly: a request body dumped without unset fields still names the union's tag.
        config = api.VectorStoreChunkingStrategyStaticConfig(max_chunk_size_tokens=MAX_TOKENS, chunk_overlap_tokens=0)
        strategy = api.VectorStoreChunkingStrategyStatic(type="static", static=config)
        attached = kit.ask_with("openai_attach_file_to_vector_store",
                                {"file_id": file_id, "chunking_strategy": strategy}, vector_store_id=store.id)
        kit.accept(attached, "openai_attach_file_to_vector_store", check)
        final = vio.wait_terminal(kit, lambda: vio.call(kit, "openai_retrieve_vector_store_file",
                                                        vector_store_id=store.id, file_id=file_id),
                                  check, f"file {file_id}")
        if vio.status_of(final) != "completed":
            pytest.skip(f"the provider could not process a small text file here ({vio.status_of(final)})")
        reported = final.chunking_strategy
        static = getattr(reported, "static", None)
        kit.judge.check(getattr(reported, "type", None) == "static" and static is not None
                        and static.max_chunk_size_tokens == MAX_TOKENS and static.chunk_overlap_tokens == 0, check,
                        f"the file attached with a static strategy of {MAX_TOKENS} tokens reports {reported!r}.")
        contents = kit.accept(vio.call(kit, "openai_retrieve_vector_store_file_contents", vector_store_id=store.id,
                                       file_id=file_id), "openai_retrieve_vector_store_file_contents", check)
        parts = [c.text for c in contents.data]
        problems = []
        if "".join("".join(parts).split()) != "".join(LONG_TEXT.split()):
            problems.append(f"together they do not hold the file's text in order ({len(parts)} parts, "
                            f"{sum(len(p.split()) for p in parts)} words of {len(LONG_TEXT.split())})")
        if len(parts) < 2:
            problems.append(f"{len(parts)} chunk(s) for ~{len(LONG_TEXT.split())} words")
        long = [len(p.split()) for p in parts if len(p.split()) > MAX_TOKENS]
        if long:
            problems.append(f"chunks of {long} words exceed {MAX_TOKENS} tokens")
        kit.judge.check(not problems, check, f"the contents of {file_id}: " + "; ".join(problems) + ".")
    finally:
        vio.delete_store(kit, store.id)


CONTENTS_TEXT = "Quokkas live on Rottnest Island and are active mostly at night."


@pytest.mark.checks(STORE_CREATE, FILES_CONTENTS_INCLUDE, *ANSWER)
def test_file_contents_include(llama_kit: Kit) -> None:
    """vector_io.files.contents-include: the contents of an attached file carry, with
    include_embeddings, each chunk's embedding (a finite vector of the store's dimension) and with
    include_metadata its metadata (``metadata`` or ``chunk_metadata``); without the flags neither,
    and the text is the same. Upstream asserts the embedding both ways; a client that asks for the
    embeddings to re-rank or debug gets none from a provider that drops the flags."""
    kit = llama_kit
    check = FILES_CONTENTS_INCLUDE
    name = "openai_retrieve_vector_store_file_contents"
    if not {"include_embeddings", "include_metadata"} <= {p.name for p in kit.member(name).params}:
        raise NotApplicable(f"{name} has no include_embeddings / include_metadata parameters in this API package")
    store = vio.created_store(kit, name="kit-contents-include")
    try:
        file_id = vio.attached_file(kit, store, CONTENTS_TEXT, "quokka.txt", check)
        plain = kit.accept(vio.call(kit, name, vector_store_id=store.id, file_id=file_id), name, check)
        full = kit.accept(vio.call(kit, name, vector_store_id=store.id, file_id=file_id, include_embeddings=True,
                                   include_metadata=True), name, check)
        problems = []
        texts = ([c.text for c in plain.data], [c.text for c in full.data])
        if not texts[0] or texts[0] != texts[1]:
            problems.append(f"the text is {texts[0]} without the flags and {texts[1]} with them")
        for index, content in enumerate(full.data):
            vector = content.embedding
            if not vector or len(vector) != store.dimension or not all(math.isfinite(x) for x in vector):
                problems.append(f"with include_embeddings, chunk {index} has embedding "
                                f"{'of ' + str(len(vector)) + ' values' if vector else vector!r}, not a finite "
                                f"vector of the store's {store.dimension} dimensions")
            if content.metadata is None and content.chunk_metadata is None:
                problems.append(f"with include_metadata, chunk {index} has neither metadata nor chunk_metadata")
        for index, content in enumerate(plain.data):
            extra = [field for field in ("embedding", "metadata", "chunk_metadata")
                     if getattr(content, field) is not None]
            if extra:
                problems.append(f"without the flags, chunk {index} still carries {', '.join(extra)}")
        kit.judge.check(not problems, check, f"contents of {file_id}: " + "; ".join(problems) + ".")
    finally:
        vio.delete_store(kit, store.id)
