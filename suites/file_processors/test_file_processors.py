"""FileProcessors suite: documents of each type into chunks, chunking strategies, file ids, and
the errors for unsupported, corrupt and malformed input.

Each test names the checks it makes (``checks.py`` beside this file). The documents are built at
run time (``helpers``) from known words, so "the text was extracted" is a word-by-word check.
Which types a provider must process is what it declares (``supported_mime_types()``) plus what
its package generation requires of every processor (plain text in ogx 1.5: ``PackageRow``); a
type it need not process it may refuse with a 4xx, or process for real.
"""

from __future__ import annotations

from typing import Any

import pytest

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.coverage import ANSWER, NEGATIVE
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.negative import expect_not_found
from llama_conformance.checks import CheckDef, finding
from llama_conformance.engine_checks import TYPED_ERROR
from llama_conformance_suites.file_processors import helpers as fp
from llama_conformance_suites.file_processors.checks import (
    AUTO,
    CHUNK_IDS,
    CORRUPT,
    FILE_ID,
    INPUT,
    NOT_FOUND,
    PROCESS,
    STATIC,
    UNSUPPORTED,
)

pytestmark = [pytest.mark.behavioral, pytest.mark.api("file_processors")]

TYPE_WORDS = 40  # one chunk's worth: every word of the vocabulary appears once
LONG_WORDS = 300  # more than one chunk for a 100-token static window and a 64-word auto window
STATIC_MAX, STATIC_OVERLAP = 100, 20  # VectorStoreChunkingStrategyStaticConfig allows 100..4096, overlap <= max/2


def _chunks(kit: Kit, outcome: Outcome, check: CheckDef, what: str) -> list[Any]:
    """The answer's chunks (validated against ProcessFileResponse); at least one is promised."""
    value = kit.accept(outcome, "process_file", check)
    chunks = list(value.chunks)
    kit.judge.check(bool(chunks), check, f"{what} answered no chunks; ProcessFileResponse.chunks: "
                                         "'Always returns at least one chunk'.")
    return chunks


def _refused(kit: Kit, outcome: Outcome, check: CheckDef, what: str) -> bool:
    """Whether ``outcome`` is a clean refusal (a 4xx); a 5xx or a crash fails ``check`` and
    ``call.typed-error``. False: it answered (the caller judges the answer)."""
    kit.judge.ask(TYPED_ERROR)
    kit.judge.no_hang(outcome)
    if outcome.error is None:
        return False
    if outcome.answer is not None and outcome.answer.client_error:
        return True
    message = (f"{what} raised {outcome.describe_error()}: a client error (4xx) is due. Raise ValueError "
               "(or an HTTPException with a 4xx status) for input the provider cannot process.")
    kit.judge.take([finding(TYPED_ERROR, message), finding(check, message)])
    return True


def _id(doc: fp.DocType) -> str:
    return doc.name


@pytest.mark.checks(PROCESS, UNSUPPORTED, TYPED_ERROR, *ANSWER)
@pytest.mark.parametrize("doc", fp.DOC_TYPES, ids=_id)
def test_process_document(llama_kit: Kit, doc: fp.DocType) -> None:
    """A generated document of each type: declared (or plain text) -> one chunk with every word;
    undeclared -> a clean refusal, or a real extraction."""
    kit = llama_kit
    expected = fp.words(TYPE_WORDS)
    outcome = fp.process_upload(kit, doc.build(expected), doc.filename, doc.mime)
    what = f"process_file({doc.filename}, {doc.mime})"
    if fp.declares(kit, doc.mime):
        chunks = _chunks(kit, outcome, PROCESS, what)
        kit.judge.check(len(chunks) == 1, PROCESS,
                        f"{what} without a chunking_strategy answered {len(chunks)} chunks; 'If no "
                        "chunking_strategy is provided, the entire file content is returned as a single chunk'.")
        missing = fp.missing_words(chunks, expected)
        kit.judge.check(not missing, PROCESS, f"{what}: the chunks lack {len(missing)} of the document's "
                                              f"{len(set(expected))} words ({', '.join(missing[:6])} ...).")
        return
    if _refused(kit, outcome, UNSUPPORTED, what):
        return
    chunks = _chunks(kit, outcome, UNSUPPORTED, what)
    missing = fp.missing_words(chunks, expected)
    kit.judge.check(not missing, UNSUPPORTED,
                    f"{what}: the provider does not declare {doc.mime} ({fp.declared_types(kit)}), yet answered "
                    f"chunks without {len(missing)} of the document's words ({', '.join(missing[:6])} ...): "
                    "refuse a type you cannot read with a 4xx.")


@pytest.mark.checks(FILE_ID, *ANSWER)
def test_process_by_file_id(llama_kit: Kit) -> None:
    """file_processors.file-id: a file in the files API, by id, gives the chunks its upload gives."""
    kit = llama_kit
    fp.require_text(kit)
    document = fp.text_bytes(fp.words(TYPE_WORDS))
    by_upload = _chunks(kit, fp.process_upload(kit, document, "kit-by-id.txt", "text/plain"), FILE_ID, "upload")
    file_id = fp.upload_to_files(kit, document, "kit-by-id.txt", "text/plain")
    by_id = _chunks(kit, fp.process(kit, file_id=file_id), FILE_ID, f"process_file(file_id={file_id})")
    uploaded = [w for chunk in by_upload for w in fp.chunk_words(chunk)]
    read = [w for chunk in by_id for w in fp.chunk_words(chunk)]
    kit.judge.check(read == uploaded, FILE_ID,
                    f"process_file(file_id={file_id}) answered {' '.join(read[:8])!r} ..., the same file uploaded "
                    f"answered {' '.join(uploaded[:8])!r} ...: it did not process the stored file's content.")


@pytest.mark.checks(NOT_FOUND, *NEGATIVE)
@pytest.mark.negative
def test_unknown_file_id(llama_kit: Kit) -> None:
    """file_processors.not-found: a file_id that names no file is a typed not-found."""
    kit = llama_kit
    unknown = "file-" + "0" * 32
    expect_not_found(kit, fp.process(kit, file_id=unknown), NOT_FOUND, f"process_file(file_id={unknown!r})")


def _text_chunks(kit: Kit, strategy: dict[str, Any], check: CheckDef) -> tuple[list[str], list[list[str]]]:
    """The long plain-text document processed with ``strategy``: (its words, each chunk's words).
    Its chunks must have distinct ids (file_processors.chunks.ids-unique)."""
    fp.require_text(kit)
    document = fp.words(LONG_WORDS)
    what = f"process_file(kit-long.txt, chunking_strategy={strategy})"
    outcome = fp.process_upload(kit, fp.text_bytes(document), "kit-long.txt", "text/plain",
                                chunking_strategy=strategy)
    chunks = _chunks(kit, outcome, check, what)
    ids = [chunk.chunk_id for chunk in chunks]
    repeated = sorted({chunk_id for chunk_id in ids if ids.count(chunk_id) > 1})
    kit.judge.check(not repeated, CHUNK_IDS, f"{what}: {len(ids)} chunks, chunk_ids repeated: {repeated[:3]}.")
    return document, [fp.chunk_words(chunk) for chunk in chunks]


@pytest.mark.checks(STATIC, CHUNK_IDS, *ANSWER)
def test_static_chunking(llama_kit: Kit) -> None:
    """file_processors.chunking.static: sizes and overlap honoured, the document covered in order.

    A chunk's word count is a lower bound of its token count (each word is one token or more),
    so more words than ``max_chunk_size_tokens`` is over the limit under any tokenizer."""
    kit = llama_kit
    document, chunks = _text_chunks(kit, fp.static(STATIC_MAX, STATIC_OVERLAP), STATIC)
    sizes = [len(chunk) for chunk in chunks]
    kit.judge.check(max(sizes) <= STATIC_MAX, STATIC,
                    f"static max_chunk_size_tokens={STATIC_MAX}: chunks of {sizes} words (every word is at least "
                    "one token).")
    problem, overlaps = fp.cover(chunks, document)
    kit.judge.check(problem is None, STATIC, f"static chunking: {problem}.")
    kit.judge.check(all(0 < shared <= STATIC_OVERLAP for shared in overlaps), STATIC,
                    f"static chunk_overlap_tokens={STATIC_OVERLAP}: consecutive chunks share {overlaps} words.")


@pytest.mark.checks(AUTO, CHUNK_IDS, *ANSWER)
def test_auto_chunking(llama_kit: Kit) -> None:
    """file_processors.chunking.auto: the provider's own sizes, the document covered in order."""
    kit = llama_kit
    document, chunks = _text_chunks(kit, {"type": "auto"}, AUTO)
    problem, _overlaps = fp.cover(chunks, document)
    kit.judge.check(problem is None, AUTO, f"auto chunking: {problem}.")


@pytest.mark.checks(UNSUPPORTED, TYPED_ERROR, *ANSWER)
def test_unsupported_type(llama_kit: Kit) -> None:
    """file_processors.errors.unsupported: opaque binary data is refused with a 4xx (or read for real)."""
    kit = llama_kit
    expected = fp.words(12)
    content = bytes(range(256)) * 4 + " ".join(expected).encode("utf-16-le")
    what = "process_file(kit-blob.bin, application/octet-stream)"
    outcome = fp.process_upload(kit, content, "kit-blob.bin", "application/octet-stream")
    if fp.declares(kit, "application/octet-stream") or _refused(kit, outcome, UNSUPPORTED, what):
        return
    missing = fp.missing_words(_chunks(kit, outcome, UNSUPPORTED, what), expected)
    kit.judge.check(not missing, UNSUPPORTED, f"{what} answered chunks of garbage (without {', '.join(missing[:6])}"
                                              " ...): refuse a type you cannot read with a 4xx.")


@pytest.mark.checks(CORRUPT, TYPED_ERROR, *ANSWER)
@pytest.mark.parametrize("doc", fp.DOC_TYPES, ids=_id)
def test_corrupt_document(llama_kit: Kit, doc: fp.DocType) -> None:
    """file_processors.errors.corrupt: a broken file of any type is a 4xx, not a 500 or a crash.
    Declared or not: a type the provider does not read is refused (4xx) before it is parsed. Text
    decoded leniently (errors replaced) is an answer, and passes."""
    kit = llama_kit
    what = f"process_file(corrupt {doc.filename})"
    outcome = fp.process_upload(kit, doc.corrupt, doc.filename, doc.mime)
    if not _refused(kit, outcome, CORRUPT, what):
        kit.accept(outcome, "process_file", CORRUPT)


@pytest.mark.checks(INPUT, TYPED_ERROR, *NEGATIVE)
@pytest.mark.negative
def test_file_xor_file_id(llama_kit: Kit) -> None:
    """file_processors.errors.input: exactly one of file and file_id, or a 4xx."""
    kit = llama_kit
    document = fp.text_bytes(fp.words(8))
    file_id = fp.upload_to_files(kit, document, "kit-both.txt", "text/plain")
    for what, outcome in (
        ("process_file() with neither file nor file_id", fp.process(kit)),
        ("process_file() with both a file and a file_id",
         fp.process(kit, fp.upload(document, "kit-both.txt", "text/plain"), file_id=file_id)),
    ):
        _refused(kit, outcome, INPUT, what)
        kit.judge.check(outcome.error is not None, INPUT, f"{what} answered; 'Exactly one of file or "
                                                          "request.file_id must be provided'.")
