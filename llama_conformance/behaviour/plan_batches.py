"""Behavioural checks of the batches API: stable ids, levels, references (registered on import)."""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, register

MUST, SHOULD = Level.MUST, Level.SHOULD

_API = "batches"
_P = "Batches."

CHECKS: tuple[CheckDef, ...] = (
    CheckDef("batches.create", MUST,
             "Create answers a new batch (fresh id, status validating/in_progress/...) naming the input file, "
             "endpoint, window and metadata sent",
             _API, None, f"{_P}create_batch; POST /batches; CreateBatchRequest -> Batch"),
    CheckDef("batches.retrieve", MUST, "Retrieve returns the batch as created (id, endpoint, input file, metadata)",
             _API, None, f"{_P}retrieve_batch; GET /batches/{{batch_id}}; Batch"),
    CheckDef("batches.list", MUST,
             "list_batches lists created batches; limit/after pages agree with has_more, first_id, last_id",
             _API, None, f"{_P}list_batches; GET /batches; ListBatchesRequest -> ListBatchesResponse"),
    CheckDef("batches.status", MUST,
             "Status only moves forward (validating -> in_progress -> finalizing -> completed; failed, "
             "cancelling -> cancelled), and a terminal status stays",
             _API, None, f"{_P}retrieve_batch; Batch.status"),
    CheckDef("batches.complete", MUST,
             "A valid batch reaches completed within the timeout; request_counts and the output file hold one "
             "result per input line, matched by custom_id",
             _API, None, f"{_P}retrieve_batch; Batch.output_file_id / request_counts"),
    CheckDef("batches.output.format", SHOULD,
             "Each output line holds custom_id and response {status_code, body}, body a JSON object (OpenAI's "
             "batch output format, which OpenAI clients parse)",
             _API, None, f"{_P}retrieve_batch; Batch.output_file_id (OpenAI batch output line: response.body object)"),
    CheckDef("batches.cancel", MUST,
             "Cancel of a running batch answers cancelling or cancelled, and it ends cancelled (or another "
             "terminal status), never completed after a cancelled",
             _API, None, f"{_P}cancel_batch; POST /batches/{{batch_id}}/cancel; Batch"),
    CheckDef("batches.invalid-input", SHOULD,
             "A batch whose input file does not exist is rejected (4xx) or ends failed, never completed",
             _API, None, f"{_P}create_batch; CreateBatchRequest.input_file_id"),
    CheckDef("batches.not-found", MUST,
             "Retrieve and cancel of an unknown batch id raise a typed not-found (4xx)",
             _API, None, f"{_P}retrieve_batch / cancel_batch; BatchNotFoundError"),
)

register(*CHECKS)
