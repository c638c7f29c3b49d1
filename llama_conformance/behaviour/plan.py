"""The behavioural checks: stable ids, levels, the API and capability each belongs to.

Structural checks live in ``llama_conformance.checks``; validation checks (schema, round
trip, stream invariants) in ``llama_conformance.validate``. These are the checks the
behavioural suites make about what a call *does*.
"""

from __future__ import annotations

from llama_conformance.capabilities import KNOWN_CAPABILITIES
from llama_conformance.checks import CheckDef, Level, Needs, register

MUST, SHOULD = Level.MUST, Level.SHOULD
# Only an API with optional capabilities can break the promise of declaring one.
_WITH_CAPABILITIES = tuple(api for api, capabilities in KNOWN_CAPABILITIES.items() if capabilities)

# Any API: how a call ends.
NO_HANG = CheckDef("call.no-hang", MUST, "Every call returns or raises within the timeout, streams included")
TYPED_ERROR = CheckDef("call.typed-error", MUST,
                       "A rejected request raises a typed error the server maps to 4xx (or 501), never a 5xx")
REQUEST_UNCHANGED = CheckDef("call.request-unchanged", MUST,
                             "The provider does not mutate the request objects it was given")
VALID_REQUEST_ACCEPTED = CheckDef("call.valid-request-accepted", SHOULD,
                                  "Most valid requests drawn from the contract are answered, not rejected")
DECLARED_IMPLEMENTED = CheckDef("capability.declared-implemented", MUST,
                                "A declared capability does not raise NotImplementedError",
                                applies_to=_WITH_CAPABILITIES)
RESOURCE_BOUND = CheckDef("call.resource-bound", MUST,
                          "Absurd but schema-valid sizes are refused with a typed error (4xx) or answered within the "
                          "deadline and the memory ceiling", applies_to=("inference", "files", "vector_io"))
NO_CRASH = CheckDef("call.no-crash", MUST,
                    "A call never takes the process down (segfault, os._exit, sys.exit, a killed worker)",
                    needs=Needs.PROVIDER, environment_proof=True)
SECRET_IN_ERROR = CheckDef("security.secret-in-error", MUST,
                           "A config secret never appears in an exception, error body, response, stream or log record",
                           environment_proof=True)
ANSWERED_ONCE = CheckDef("stress.answered-once", MUST,
                         "Under concurrent calls every request is answered exactly once: none lost, none answered "
                         "twice")
STREAM_COMPLETE = CheckDef("stress.stream-complete", MUST,
                           "Long and concurrent streams run to their last chunk within the deadline")
UNKNOWN_ID = CheckDef("negative.unknown-id", MUST,
                      "An unknown model / resource id is a client error (4xx), not a success or a 5xx")

BEHAVIOUR_CHECKS = (
    NO_HANG, TYPED_ERROR, REQUEST_UNCHANGED, VALID_REQUEST_ACCEPTED, DECLARED_IMPLEMENTED, RESOURCE_BOUND, NO_CRASH,
    SECRET_IN_ERROR, ANSWERED_ONCE, STREAM_COMPLETE, UNKNOWN_ID,
    # inference
    CheckDef("inference.models.listed", MUST, "list_models() returns Model objects (or None)", "inference"),
    CheckDef("inference.models.register", MUST,
             "register_model accepts a served model and returns it (the routing table's call)", "inference"),
    CheckDef("inference.chat.answer", MUST, "A minimal chat request is answered with a valid completion",
             "inference", "chat"),
    CheckDef("inference.chat.fuzz", MUST,
             "Drawn chat requests get a valid completion or a typed error", "inference", "chat"),
    CheckDef("inference.chat.stream", MUST, "stream=true returns valid chunks honouring the stream invariants",
             "inference", "streaming"),
    CheckDef("inference.chat.stream-usage", MUST, "include_usage streams report usage exactly once",
             "inference", "stream-usage"),
    CheckDef("inference.chat.tools", MUST, "A chat request with tools is answered or rejected with a typed error",
             "inference", "tool-calls"),
    CheckDef("inference.completion.answer", MUST, "A minimal completion request is answered validly",
             "inference", "completions"),
    CheckDef("inference.completion.stream", MUST, "A streamed completion returns valid chunks",
             "inference", "completions"),
    CheckDef("inference.embeddings.answer", MUST,
             "Embeddings: one valid vector per input, in input order, for single and batch inputs",
             "inference", "embeddings"),
    CheckDef("inference.embeddings.fuzz", MUST,
             "Drawn embeddings requests get valid vectors or a typed error", "inference", "embeddings"),
    CheckDef("inference.embeddings.dimensions", MUST, "The dimensions parameter sets the vector length",
             "inference", "embeddings-dimensions"),
    CheckDef("inference.rerank.answer", MUST, "Rerank returns one score per document, indices in range",
             "inference", "rerank"),
    # files
    CheckDef("files.upload", MUST, "Upload returns a valid file object: bytes and purpose as sent", "files"),
    CheckDef("files.upload.filename-kept", SHOULD,
             "The filename comes back as uploaded (providers may sanitize it: `..`, a leading dot, characters "
             "outside [A-Za-z0-9._-])", "files"),
    CheckDef("files.retrieve", MUST, "Retrieve returns the uploaded file object", "files"),
    CheckDef("files.content", MUST, "Content returns exactly the uploaded bytes", "files"),
    CheckDef("files.list", MUST, "List returns valid pages that include every uploaded file", "files"),
    CheckDef("files.list.pagination", MUST,
             "Walking pages with limit/after yields every file once; has_more, first_id, last_id agree", "files"),
    CheckDef("files.list.order", SHOULD, "order=asc|desc sorts by created_at", "files"),
    CheckDef("files.list.purpose", SHOULD, "The purpose filter returns only files of that purpose", "files"),
    CheckDef("files.delete", MUST, "Delete answers deleted=true and the file is gone afterwards", "files"),
    CheckDef("files.not-found", MUST,
             "Retrieve / content / delete of an unknown file id raise a not-found (4xx) error", "files"),
    CheckDef("files.stateful", MUST,
             "Any sequence of uploads, lists, retrievals and deletes matches a model of what exists", "files"),
)

register(*BEHAVIOUR_CHECKS)

# TRANSITION (issue 14): API tables not yet moved into their wing (suites/<api>/checks.py). A wing's
# move deletes its plan_<api>.py; this loop then finds nothing to import for it.
import importlib.util  # noqa: E402

for _name in ("plan_batches", "plan_benchmarks", "plan_conversations", "plan_datasetio", "plan_eval",
              "plan_responses", "plan_safety", "plan_scoring", "plan_tool_runtime", "plan_vector_io"):
    if importlib.util.find_spec(f"llama_conformance.behaviour.{_name}") is not None:
        importlib.import_module(f"llama_conformance.behaviour.{_name}")
