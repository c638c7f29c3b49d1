"""The file_processors wing's check table: what the FileProcessors API promises, and the broken
fixtures that prove it.

Each check is declared once, here (its id is written nowhere else: the suite and the proofs use
these names). ``WING`` is what ``llama_conformance.catalogue`` registers. Which document types a
provider must process is what it declares (``supported_mime_types()``, the method ogx's
``inline::auto`` routes by); plain text is core, since vector stores hand every attached file to
the file processor.
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, Proof, Wing, each, only
from llama_conformance.engine_checks import TYPED_ERROR

MUST = Level.MUST
API = "file_processors"
_P = "FileProcessors.process_file; POST /v1alpha/file-processors/process; "

PROCESS = CheckDef("file_processors.process", MUST,
                   "A document of a declared type is processed: at least one chunk, the whole file as one chunk "
                   "when no chunking strategy is asked, every word of the document in the chunks",
                   API, None, f"{_P}ProcessFileResponse.chunks ('Always returns at least one chunk'); "
                   "'If no chunking_strategy is provided, the entire file content is returned as a single chunk'")
FILE_ID = CheckDef("file_processors.file-id", MUST,
                   "A file_id of a file in the files API is processed like the same file uploaded",
                   API, None, f"{_P}ProcessFileRequest.file_id ('ID of file already uploaded to file storage')")
NOT_FOUND = CheckDef("file_processors.not-found", MUST,
                     "A file_id that names no file is a typed not-found (4xx), not an answer or a 500",
                     API, None, f"{_P}ProcessFileRequest.file_id; files: ResourceNotFoundError")
STATIC = CheckDef("file_processors.chunking.static", MUST,
                  "A static strategy is honoured: no chunk over max_chunk_size_tokens, consecutive chunks share at "
                  "most chunk_overlap_tokens, the chunks cover the document in order",
                  API, None, f"{_P}ProcessFileRequest.chunking_strategy: VectorStoreChunkingStrategyStatic "
                  "(max_chunk_size_tokens, chunk_overlap_tokens)")
AUTO = CheckDef("file_processors.chunking.auto", MUST,
                "An auto strategy answers chunks that cover the document in order",
                API, None, f"{_P}ProcessFileRequest.chunking_strategy: VectorStoreChunkingStrategyAuto")
CHUNK_IDS = CheckDef("file_processors.chunks.ids-unique", MUST,
                     "The chunks of one answer have distinct chunk_ids",
                     API, None, f"{_P}Chunk.chunk_id ('Unique identifier for the chunk'): vector stores key "
                     "chunks by it, so a repeated id overwrites a chunk of the same document")
UNSUPPORTED = CheckDef("file_processors.errors.unsupported", MUST,
                       "A type the provider does not declare is refused with a client error (4xx), or processed "
                       "for real (its words in the chunks): never a 500, never chunks of garbage",
                       API, None, f"{_P}'Multiple file formats through extensible provider architecture'")
CORRUPT = CheckDef("file_processors.errors.corrupt", MUST,
                   "A corrupt file (of any type) is refused with a client error (4xx) or answered, never a 500 or a "
                   "crash",
                   API, None, f"{_P}the server maps ValueError / HTTPException(4xx) to a client error")
INPUT = CheckDef("file_processors.errors.input", MUST,
                 "Neither a file nor a file_id, or both, is refused with a client error (4xx)",
                 API, None, f"{_P}'Exactly one of file or request.file_id must be provided'")

# A run of the file_processors suite on one broken fixture, selecting the tests that judge its defect.
_SUITE = ("--llama-api=file_processors", "-m", "behavioral")


def _proof(fixture: str, tests: tuple[str, ...], *checks: CheckDef) -> Proof:
    return Proof(fixture, each(tests, *checks), run=(*_SUITE, *only(*tests)))


_DOCUMENT, _TEXTS = "test_process_document", ("txt", "md", "html")


WING = Wing(
    api=API,
    checks=(PROCESS, FILE_ID, NOT_FOUND, STATIC, AUTO, CHUNK_IDS, UNSUPPORTED, CORRUPT, INPUT),
    proofs=(
        Proof("file-processors-drops-last-line", each(tuple(f"{_DOCUMENT}[{t}]" for t in _TEXTS), PROCESS),
              run=(*_SUITE, *only(_DOCUMENT))),
        _proof("file-processors-file-id-reads-name", ("test_process_by_file_id",), FILE_ID),
        _proof("file-processors-unknown-file-id-answered", ("test_unknown_file_id",), NOT_FOUND),
        _proof("file-processors-static-ignores-max", ("test_static_chunking",), STATIC),
        _proof("file-processors-auto-drops-last-chunk", ("test_auto_chunking",), AUTO),
        _proof("file-processors-chunk-ids-repeated", ("test_static_chunking", "test_auto_chunking"), CHUNK_IDS),
        Proof("file-processors-reads-any-type",
              each((f"{_DOCUMENT}[pdf]", f"{_DOCUMENT}[docx]", "test_unsupported_type"), UNSUPPORTED),
              run=(*_SUITE, *only(_DOCUMENT, "test_unsupported_type"))),
        Proof("file-processors-corrupt-crashes",
              each(tuple(f"test_corrupt_document[{t}]" for t in _TEXTS), CORRUPT, TYPED_ERROR),
              run=(*_SUITE, *only("test_corrupt_document"))),
        _proof("file-processors-input-both-accepted", ("test_file_xor_file_id",), INPUT),
    ),
)
