"""The files wing's check table: what the Files API promises, and the broken fixtures that prove it.

Each check is declared once, here (its id is written nowhere else: the suite and the proofs
use these names). ``WING`` is what ``llama_conformance.catalogue`` registers.
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, CheckRef, Level, Proof, UnknownCall, UnknownIds, Wing, each, only
from llama_conformance.engine_checks import REQUEST_UNCHANGED, TYPED_ERROR

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "files"
_FILES = "Files protocol; /v1/files routes"
_ERRORS = "the server's translate_exception: API errors -> their status, ValueError -> 400, others -> 500"

UPLOAD = CheckDef("files.upload", MUST, "Upload returns a valid file object: bytes and purpose as sent", API,
                  reference=_FILES + ": openai_upload_file; POST /v1/files; OpenAIFileObject")
FILENAME_KEPT = CheckDef("files.upload.filename-kept", SHOULD,
                         "The filename comes back as uploaded (providers may sanitize it: `..`, a leading dot, "
                         "characters outside [A-Za-z0-9._-])", API,
                         reference=_FILES + ": OpenAIFileObject.filename")
EXPIRES_AT = CheckDef("files.upload.expires-at", MUST,
                      "An upload with expires_after {anchor: created_at, seconds: N} answers expires_at = "
                      "created_at + N, and retrieve agrees", API,
                      reference=_FILES + ": UploadFileRequest.expires_after (ExpiresAfter: anchor 'created_at', "
                      "seconds 3600..2592000); OpenAIFileObject.expires_at")
RETRIEVE = CheckDef("files.retrieve", MUST, "Retrieve returns the uploaded file object", API,
                    reference=_FILES + ": openai_retrieve_file; GET /v1/files/{file_id}")
CONTENT = CheckDef("files.content", MUST, "Content returns exactly the uploaded bytes", API,
                   reference=_FILES + ": openai_retrieve_file_content; GET /v1/files/{file_id}/content")
LIST = CheckDef("files.list", MUST, "List returns valid pages that include every uploaded file", API,
                reference=_FILES + ": openai_list_files; GET /v1/files; ListOpenAIFileResponse")
PAGINATION = CheckDef("files.list.pagination", MUST,
                      "Walking pages with limit/after yields every file once; has_more, first_id, last_id agree", API,
                      reference=_FILES + ": openai_list_files(after, limit); has_more, first_id, last_id")
ORDER = CheckDef("files.list.order", SHOULD, "order=asc|desc sorts by created_at", API,
                 reference=_FILES + ": openai_list_files(order)")
PURPOSE = CheckDef("files.list.purpose", SHOULD, "The purpose filter returns only files of that purpose", API,
                   reference=_FILES + ": openai_list_files(purpose)")
CREATED_AT = CheckDef("files.upload.created-at", SHOULD,
                      "created_at is a Unix time in seconds (after 2000, not ahead of the kit's clock): not "
                      "milliseconds, not zero", API,
                      reference="Files protocol: OpenAIFileObject.created_at ('The Unix timestamp (in seconds)')")
DELETE = CheckDef("files.delete", MUST, "Delete answers deleted=true and the file is gone afterwards", API,
                  reference=_FILES + ": openai_delete_file; DELETE /v1/files/{file_id}; OpenAIFileDeleteResponse")
NOT_FOUND = CheckDef("files.not-found", MUST,
                     "Retrieve / content / delete of an unknown file id raise a not-found (4xx) error", API,
                     reference=_FILES + ": retrieve / content / delete of an unknown file_id; " + _ERRORS)
STATEFUL = CheckDef("files.stateful", MUST,
                    "Any sequence of uploads, lists, retrievals and deletes matches a model of what exists", API,
                    reference=_FILES + ": every member, in any order")

# The members that take a file id: each must refuse an unknown one (the negative table's row), and
# a deleted one (test_delete).
BY_ID = ("openai_retrieve_file", "openai_retrieve_file_content", "openai_delete_file")

# A run of the files suites on one broken fixture, selecting the tests that judge its defect.
BEHAVIOURAL = ("-m", "behavioral")
UNKNOWN_TEST = "test_unknown_ids[files]"  # the negative table's row (suites/negative/test_unknown_ids.py)



def _proof(fixture: str, fails: dict[str, tuple[CheckRef, ...]], *tests: str) -> Proof:
    return Proof(fixture, fails, run=(*BEHAVIOURAL, *(only(*tests) if tests else ())))


def _warning(fixture: str, test: str, check: CheckDef, text: str, *extra: str) -> Proof:
    return Proof(fixture, run=(*BEHAVIOURAL, *only(test), *extra), warns=((check, text),))



_LISTING_TESTS = ("test_list_pagination_and_order", "test_list_purpose_filter", "test_delete")

WING = Wing(
    api=API,
    checks=(UPLOAD, FILENAME_KEPT, CREATED_AT, EXPIRES_AT, RETRIEVE, CONTENT, LIST, PAGINATION, ORDER, PURPOSE, DELETE,
            NOT_FOUND, STATEFUL),
    proofs=(
        _proof("files-upload-wrong-bytes", {"test_upload_retrieve_content": (UPLOAD,)},
               "test_upload_retrieve_content"),
        _proof("files-content-corrupted", {"test_upload_retrieve_content": (CONTENT,)},
               "test_upload_retrieve_content"),
        _proof("files-retrieve-differs", {"test_upload_retrieve_content": (RETRIEVE,)},
               "test_upload_retrieve_content"),
        _proof("files-expires-after-ignored", {"test_upload_expires_after": (EXPIRES_AT,)},
               "test_upload_expires_after"),
        _proof("files-list-after-skips", {"test_list_pagination_and_order": (PAGINATION,)},
               "test_list_pagination_and_order"),
        _proof("files-list-no-more", {"test_list_pagination_and_order": (PAGINATION,)},
               "test_list_pagination_and_order"),
        _proof("files-list-limit-capped", each(_LISTING_TESTS, LIST)),
        Proof("files-delete-keeps", {"test_delete": (DELETE,), "test_files_state_machine": (STATEFUL,)},
              run=("-m", "behavioral or stateful", *only("test_delete", "test_files_state_machine"))),
        _proof("files-unknown-key-error", each((UNKNOWN_TEST, "test_delete"), TYPED_ERROR),
               "test_unknown_ids", "test_delete"),
        _proof("files-unknown-answered", {UNKNOWN_TEST: (NOT_FOUND,), "test_delete": (DELETE,)},
               "test_unknown_ids", "test_delete"),
        _proof("files-list-mutates-request", each((*_LISTING_TESTS, "test_files_resource_bound"), REQUEST_UNCHANGED)),
        # SHOULD-level: the run passes, the finding is listed
        _warning("files-list-ignores-asc", "test_list_pagination_and_order", ORDER, "order=asc lists created_at *"),
        _warning("files-list-ignores-purpose", "test_list_purpose_filter", PURPOSE, "purpose=* also listed *"),
        _warning("files-filename-sanitized", "test_upload_retrieve_content", FILENAME_KEPT, "filename is *"),
        _warning("files-created-at-millis", "test_upload_retrieve_content", CREATED_AT,
                 "created_at is 1*, which is not a Unix time in seconds*"),
        # ogx collapses ".." on purpose: "0.." (every character safe) comes back "0_"; a SHOULD finding, not a
        # MUST files.upload failure. The thorough budget draws "0.." or ".env" for certain.
        _warning("files-filename-dots-collapsed", "test_upload_retrieve_content", FILENAME_KEPT,
                 "filename is '*_*', but '*' was uploaded.*", "--llama-profile=thorough"),
    ),
    unknown_ids=(
        UnknownIds(NOT_FOUND, prefix="file-kit-unknown-", known="file-does-not-exist", label="file_id",
                   calls=tuple(UnknownCall(member, "file_id") for member in BY_ID)),
    ),
)
