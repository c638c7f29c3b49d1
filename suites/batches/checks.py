"""The batches wing's check table: what the Batches API promises, and the broken fixtures that prove it.

Each check is declared once, here (its id is written nowhere else: the suite and the proofs
use these names). ``WING`` is what ``llama_conformance.catalogue`` registers.
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, Proof, UnknownCall, UnknownIds, Wing

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "batches"
_P = "Batches."

CREATE = CheckDef("batches.create", MUST,
                  "Create answers a new batch (fresh id, status validating/in_progress/...) naming the input file, "
                  "endpoint, window and metadata sent",
                  API, None, f"{_P}create_batch; POST /batches; CreateBatchRequest -> Batch")
RETRIEVE = CheckDef("batches.retrieve", MUST,
                    "Retrieve returns the batch as created (id, endpoint, input file, metadata)",
                    API, None, f"{_P}retrieve_batch; GET /batches/{{batch_id}}; Batch")
LIST = CheckDef("batches.list", MUST,
                "list_batches lists created batches; limit/after pages agree with has_more, first_id, last_id",
                API, None, f"{_P}list_batches; GET /batches; ListBatchesRequest -> ListBatchesResponse")
STATUS = CheckDef("batches.status", MUST,
                  "Status only moves forward (validating -> in_progress -> finalizing -> completed; failed, "
                  "cancelling -> cancelled), and a terminal status stays",
                  API, None, f"{_P}retrieve_batch; Batch.status")
COMPLETE = CheckDef("batches.complete", MUST,
                    "A valid batch reaches completed within the timeout; request_counts and the output file hold "
                    "one result per input line, matched by custom_id",
                    API, None, f"{_P}retrieve_batch; Batch.output_file_id / request_counts")
OUTPUT_FORMAT = CheckDef("batches.output.format", SHOULD,
                         "Each output line holds custom_id and response {status_code, body}, body a JSON object "
                         "(OpenAI's batch output format, which OpenAI clients parse)",
                         API, None, f"{_P}retrieve_batch; Batch.output_file_id (OpenAI batch output line: "
                         "response.body object)")
CANCEL = CheckDef("batches.cancel", MUST,
                  "Cancel of a running batch answers cancelling or cancelled, and it ends cancelled (or another "
                  "terminal status), never completed after a cancelled",
                  API, None, f"{_P}cancel_batch; POST /batches/{{batch_id}}/cancel; Batch")
INVALID_INPUT = CheckDef("batches.invalid-input", SHOULD,
                         "A batch whose input file does not exist is rejected (4xx) or ends failed, never completed",
                         API, None, f"{_P}create_batch; CreateBatchRequest.input_file_id")
IDEMPOTENT = CheckDef("batches.idempotency", MUST,
                      "A create repeating an idempotency_key with the same parameters answers the first batch "
                      "(same id, created_at); with different parameters it is refused (409 conflict)",
                      API, None, f"{_P}create_batch; CreateBatchRequest.idempotency_key ('enables idempotent "
                      "behavior'); POST /batches 409 'idempotency key was previously used with different "
                      "parameters'")
INVALID_LINES = CheckDef("batches.invalid-lines", SHOULD,
                         "A batch whose input holds an invalid line (body.stream true, a url other than the batch "
                         "endpoint, no custom_id / method / url / body, a body without model or messages, a line "
                         "that is not JSON) ends failed with errors naming that line, never completed",
                         API, None, f"{_P}create_batch; Batch.status 'failed' (the input file failed validation), "
                         "Batch.errors.data[].line; OpenAI batch input format")
INVALID_ENDPOINT = CheckDef("batches.invalid-endpoint", SHOULD,
                            "A create naming an endpoint no batch runs is refused with a typed 4xx (ogx: 400 "
                            "invalid_value), or the batch ends failed; never completed",
                            API, None, f"{_P}create_batch; CreateBatchRequest.endpoint ('the endpoint to be used "
                            "for all requests in the batch'; OpenAI: /v1/chat/completions, /v1/completions, "
                            "/v1/embeddings, ...)")
CANCEL_IMMEDIATE = CheckDef("batches.cancel.immediate", MUST,
                            "A cancel sent right after create answers cancelling (cancelling_at set) or cancelled, "
                            "and the batch ends cancelled with cancelled_at set, never completed or failed; only "
                            "a batch that had already ended may refuse it",
                            API, None, f"{_P}cancel_batch; POST /batches/{{batch_id}}/cancel ('Cancel a batch that "
                            "is in progress'); Batch.status / cancelling_at / cancelled_at")
CANCEL_FINISHED = CheckDef("batches.cancel.finished", SHOULD,
                           "Cancel of a batch that already completed is refused with a typed 4xx (ogx: 409 "
                           "conflict) and the batch stays completed",
                           API, None, f"{_P}cancel_batch ('Cancel a batch that is in progress'); ConflictError")
NOT_FOUND = CheckDef("batches.not-found", MUST,
                     "Retrieve and cancel of an unknown batch id raise a typed not-found (4xx)",
                     API, None, f"{_P}retrieve_batch / cancel_batch; BatchNotFoundError")

# A run of the batches suite on one broken fixture, selecting the tests that judge its defect.
_SUITES = ("--llama-api=batches", "-m", "behavioral or negative or stateful")


def _proof(fixture: str, tests: str, fails: dict[str, tuple[CheckDef, ...]]) -> Proof:
    return Proof(fixture, fails, run=(*_SUITES, "-k", tests))


def _warning(fixture: str, tests: str, check: CheckDef, text: str) -> Proof:
    return Proof(fixture, run=(*_SUITES, "-k", tests), warns=((check, text),))


WING = Wing(
    api=API,
    checks=(CREATE, RETRIEVE, LIST, STATUS, COMPLETE, OUTPUT_FORMAT, CANCEL, INVALID_INPUT, IDEMPOTENT, INVALID_LINES,
            INVALID_ENDPOINT, CANCEL_IMMEDIATE, CANCEL_FINISHED, NOT_FOUND),
    proofs=(
        _proof("batches-create-drops-metadata", "test_create_run_complete", {"test_create_run_complete": (CREATE,)}),
        _proof("batches-retrieve-differs", "test_create_run_complete", {"test_create_run_complete": (RETRIEVE,)}),
        _proof("batches-status-reopens", "test_create_run_complete", {"test_create_run_complete": (STATUS,)}),
        _proof("batches-output-drops-line", "test_create_run_complete", {"test_create_run_complete": (COMPLETE,)}),
        _proof("batches-list-after-skips", "test_list_pagination", {"test_list_pagination": (LIST,)}),
        _proof("batches-cancel-ignored", "test_cancel", {"test_cancel": (CANCEL,)}),
        _proof("batches-unknown-answered", "test_unknown_ids", {"test_unknown_ids[batches]": (NOT_FOUND,)}),
        _proof("batches-idempotency-ignored", "test_idempotency_key", {"test_idempotency_key": (IDEMPOTENT,)}),
        _warning("batches-lines-unvalidated", "test_invalid_lines", INVALID_LINES,
                 "a batch whose line 2 has body.stream true ended 'completed'*"),
        _warning("batches-not-json-line-unnamed", "test_invalid_lines", INVALID_LINES,
                 "a batch whose line 2 is not JSON failed, but its errors name lines [[]None[]], not line 2*"),
        _warning("batches-endpoint-unchecked", "test_unsupported_endpoint", INVALID_ENDPOINT,
                 "a batch for endpoint '/v1/kit/unsupported'* ended 'completed'*"),
        _proof("batches-cancel-unstamped", "test_immediate_cancel", {"test_immediate_cancel": (CANCEL_IMMEDIATE,)}),
        _proof("batches-cancel-refused-validating", "test_immediate_cancel or test_cancel",
               {"test_immediate_cancel": (CANCEL_IMMEDIATE,)}),
        _warning("batches-finished-cancel-answered", "test_finished_batch_cancel", CANCEL_FINISHED,
                 "cancel of completed batch * was answered*"),
        _warning("batches-body-string", "test_create_run_complete", OUTPUT_FORMAT,
                 "output line for 'line-0' has response.body of type str*"),
        _warning("batches-missing-input-completes", "test_missing_input_file", INVALID_INPUT,
                 "a batch over a missing input file was created and ended 'completed'*"),
    ),
    unknown_ids=(
        UnknownIds(NOT_FOUND, prefix="batch_kitunknown", known="batch_does_not_exist", max_size=30,
                   label="batch_id", calls=(
                       UnknownCall("retrieve_batch", "batch_id"),
                       UnknownCall("cancel_batch", "batch_id"),
                   )),
    ),
)
