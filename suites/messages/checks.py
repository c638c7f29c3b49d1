"""The messages wing's check table: what the Anthropic Messages API promises, and the broken fixtures that prove it.

Each check is declared once, here (its id is written nowhere else: the suite and the proofs
use these names). ``WING`` is what ``llama_conformance.catalogue`` registers.

The event-stream invariants every messages stream is held to (message_start first, one
message_stop last, the content-block lifecycle) are ``stream.messages.*`` in
``llama_conformance.validate``; these are the checks of what the calls *mean*. The fixtures
that break those invariants are proven here too: only a messages provider streams such events.
Message batches (``/v1/messages/batches``) are judged as ogx-api 1.5 and Anthropic's Message Batches
API define them: a batch is created ``in_progress`` counting its requests, ends with one result line
per request (errored, not refused, when one request is bad), can be listed newest first, canceled
while it runs (not once it ended) and is a 404 when it names nothing.
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, Proof, Wing
from llama_conformance.validate import ids

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "messages"

_CREATE = "Messages.create_message; POST /v1/messages; AnthropicCreateMessageRequest -> AnthropicMessageResponse"
_STREAM = ("Messages.create_message (stream=true); POST /v1/messages (text/event-stream); AnthropicStreamEvent "
           "(MessageStartEvent ... MessageDeltaEvent, MessageStopEvent)")
_COUNT = ("Messages.count_message_tokens; POST /v1/messages/count_tokens; AnthropicCountTokensRequest -> "
          "AnthropicCountTokensResponse.input_tokens")

# What AnthropicMessageResponse.stop_reason may be (its description lists the first four; Anthropic's
# API adds pause_turn and refusal, which ogx's own translation maps from).
STOP_REASONS = ("end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal")

CREATE = CheckDef("messages.create", MUST,
                  "A minimal request is answered with a message: an id, type message, role assistant, content "
                  "blocks, the model asked, a stop_reason of the allowed set and non-negative usage counts",
                  API, reference=f"{_CREATE} (id, type, role, content, model, stop_reason, usage)")
CREATE_FUZZ = CheckDef("messages.create.fuzz", MUST,
                       "Drawn create requests (streamed or not) get a valid answer with an allowed stop_reason, or a "
                       "typed error", API, reference=f"{_CREATE}; AnthropicStreamEvent")
MAX_TOKENS = CheckDef("messages.max-tokens", MUST,
                      "An answer never reports more output tokens than max_tokens allowed, and one that reaches "
                      "the limit says stop_reason max_tokens",
                      API, reference=f"{_CREATE}; AnthropicCreateMessageRequest.max_tokens; "
                      "AnthropicMessageResponse.stop_reason / usage.output_tokens")
STOP_SEQUENCE = CheckDef("messages.stop-sequence", SHOULD,
                         "An answer that reaches one of stop_sequences ends before it, with stop_reason "
                         "stop_sequence and stop_sequence naming it",
                         API, reference=f"{_CREATE}; AnthropicCreateMessageRequest.stop_sequences; "
                         "AnthropicMessageResponse.stop_reason / stop_sequence")
SYSTEM = CheckDef("messages.system", SHOULD,
                  "A system prompt (a string or text blocks) reaches the model: the answer's input_tokens exceed "
                  "those of the same request without it",
                  API, reference=f"{_CREATE}; AnthropicCreateMessageRequest.system; AnthropicUsage.input_tokens")
STREAM = CheckDef("messages.stream", MUST,
                  "A stream's message_start carries the message (id, role assistant, the model asked), its text "
                  "deltas add up to text, and a message_delta with an allowed stop_reason precedes message_stop",
                  API, reference=_STREAM)
COUNT = CheckDef("messages.count-tokens", MUST,
                 "count_message_tokens answers a non-negative input_tokens that grows when the conversation does",
                 API, reference=_COUNT)
TOOL_USE = CheckDef("messages.tool-use", MUST,
                    "With tools given, every tool_use block names one of them, with an id of its own and an object "
                    "input, and an answer that uses a tool says stop_reason tool_use",
                    API, reference=f"{_CREATE}; AnthropicCreateMessageRequest.tools / tool_choice; "
                    "AnthropicToolUseBlock")
UNKNOWN_MODEL = CheckDef("messages.unknown-model", MUST,
                         "create_message and count_message_tokens for a model nobody serves are refused with a "
                         "typed client error (4xx), never answered",
                         API, reference=f"{_CREATE}; {_COUNT}; ModelNotFoundError (404) / ValueError (400)")

_BATCH = "Messages.{}; {} /v1/messages/batches{}; {}"
_B_CREATE = _BATCH.format("create_message_batch", "POST", "", "CreateMessageBatchRequest -> MessageBatch")
_B_RETRIEVE = _BATCH.format("retrieve_message_batch", "GET", "/{message_batch_id}", "MessageBatch")
_B_RESULTS = _BATCH.format("retrieve_message_batch_results", "GET", "/{message_batch_id}/results",
                           "MessageBatchIndividualResponse lines (application/x-jsonl)")
_B_CANCEL = _BATCH.format("cancel_message_batch", "POST", "/{message_batch_id}/cancel", "MessageBatch")
_B_LIST = _BATCH.format("list_message_batches", "GET", "", "ListMessageBatchesRequest -> ListMessageBatchesResponse")

BATCH_CREATE = CheckDef("messages.batches.create", MUST,
                        "A created batch is a message_batch with an id, in_progress (or ended) with request_counts "
                        "adding up to its requests, RFC 3339 created_at before expires_at; retrieving it answers "
                        "it, and it ends with ended_at, a results_url naming it and every request counted",
                        API, reference=f"{_B_CREATE}; {_B_RETRIEVE}; MessageBatch (id 'msgbatch_ prefix', "
                        "processing_status, request_counts, created_at, expires_at, ended_at, results_url)")
BATCH_RESULTS = CheckDef("messages.batches.results", MUST,
                         "An ended batch's results are one line per request, each custom_id once; a succeeded "
                         "line carries the assistant message answering that request (within its own max_tokens), "
                         "and the batch's request_counts match the lines",
                         API, reference=f"{_B_RESULTS}; MessageBatchIndividualResponse.custom_id / result; "
                         "MessageBatchRequestCounts")
BATCH_ERRORED = CheckDef("messages.batches.errored", MUST,
                         "A request of a batch that cannot be answered (a model nobody serves) is an errored result "
                         "line with a typed error, counted as errored; the batch is still created and its other "
                         "requests still succeed",
                         API, reference=f"{_B_CREATE}; {_B_RESULTS}; MessageBatchErroredResult.error "
                         "(_AnthropicErrorDetail type / message); MessageBatchRequestCounts.errored")
BATCH_DUPLICATE = CheckDef("messages.batches.duplicate-custom-id", MUST,
                           "A batch whose requests repeat a custom_id is refused with a 400 naming it, never "
                           "created (its result lines could not be told apart)",
                           API, reference=f"{_B_CREATE}; MessageBatchRequestParams.custom_id ('Must be unique "
                           "within the batch'); the route's 'except ValueError: 400'")
BATCH_NOT_FOUND = CheckDef("messages.batches.not-found", MUST,
                           "Retrieving, canceling or reading the results of a batch id that names nothing answers "
                           "404 (the batch routes map KeyError to not_found_error), never a batch or a 5xx",
                           API, reference=f"{_B_RETRIEVE}; {_B_CANCEL}; {_B_RESULTS}; the routes' "
                           "'except KeyError: 404'")
BATCH_CANCEL = CheckDef("messages.batches.cancel", MUST,
                        "Canceling a running batch answers it canceling (cancel_initiated_at set) or ended; it then "
                        "ends with a result line per request, canceled ones counted; canceling an ended batch is "
                        "a 400, never an answer",
                        API, reference=f"{_B_CANCEL}; MessageBatch.processing_status / cancel_initiated_at; "
                        "MessageBatchCanceledResult; MessageBatchRequestCounts.canceled")
BATCH_LIST = CheckDef("messages.batches.list", MUST,
                      "Listing answers created batches newest first; limit bounds a page (has_more says more "
                      "follow) and after_id continues after the batch it names",
                      API, reference=f"{_B_LIST}; limit / after_id / before_id; has_more / first_id / last_id")

# One run of the messages suites per broken fixture: the suite, one seed.
_RUN = ("--hypothesis-seed=1", "-m", "behavioral or negative or stateful")
_STREAMING = ("-k", "test_stream")  # test_stream and test_stream_fuzz: the tests that stream


def _proof(fixture: str, fails: dict[str, tuple[CheckDef | str, ...]]) -> Proof:
    return Proof(f"messages-{fixture}", fails, run=_RUN)


def _stream_proof(fixture: str, *checks: str) -> Proof:
    """A defect of the event stream itself: both streaming tests fail, naming ``checks``."""
    return Proof(f"messages-{fixture}", {"test_stream": checks, "test_stream_fuzz": checks},
                 run=(*_RUN, *_STREAMING))


def _batch_proof(fixture: str, fails: dict[str, tuple[CheckDef | str, ...]]) -> Proof:
    """A batch defect: the batch tests only (``-k test_batch``), the named ones fail."""
    return Proof(f"messages-{fixture}", fails, run=(*_RUN, "-k", "test_batch"))


def _warning(fixture: str, check: CheckDef, text: str) -> Proof:
    return Proof(f"messages-{fixture}", run=_RUN, warns=((check, text),))


WING = Wing(
    api=API,
    checks=(CREATE, CREATE_FUZZ, MAX_TOKENS, STOP_SEQUENCE, SYSTEM, STREAM, COUNT, TOOL_USE, UNKNOWN_MODEL,
            BATCH_CREATE, BATCH_RESULTS, BATCH_ERRORED, BATCH_DUPLICATE, BATCH_NOT_FOUND, BATCH_CANCEL, BATCH_LIST),
    proofs=(
        _proof("model-renamed", {"test_create": (CREATE,)}),
        # a batch answers through create_message: these defects break its result lines too
        _proof("max-tokens-ignored", {"test_max_tokens": (MAX_TOKENS,), "test_batch_results": (BATCH_RESULTS,)}),
        _proof("count-constant", {"test_count_tokens": (COUNT,)}),
        _proof("tool-use-end-turn", {"test_tool_use[tool]": (TOOL_USE,)}),
        _proof("unknown-model-answered", {"test_unknown_model": (UNKNOWN_MODEL,),
                                          "test_batch_errored": (BATCH_ERRORED,)}),
        _proof("stop-reason-leaked", {"test_max_tokens": (MAX_TOKENS,), "test_create_fuzz": (CREATE_FUZZ,),
                                      "test_stream_fuzz": (CREATE_FUZZ,)}),
        Proof("messages-stream-no-stop-reason", {"test_stream": (STREAM,), "test_stream_fuzz": (CREATE_FUZZ,)},
              run=(*_RUN, *_STREAMING)),
        # the event-stream invariants (``validate.stream_messages``)
        _stream_proof("stream-start-late", ids.MESSAGES_START_FIRST),
        _stream_proof("stream-no-stop", ids.MESSAGES_STOP_LAST),
        _stream_proof("stream-block-open", ids.MESSAGES_BLOCKS),
        _warning("stop-end-turn", STOP_SEQUENCE,
                 "the answer 'alpha beta ' stops where 'gamma' begins, and says stop_reason='end_turn'*"),
        # message batches (test_message_batches.py): one run of that module each
        _batch_proof("batch-counts-zero", {"test_batch_create": (BATCH_CREATE,)}),
        _batch_proof("batch-results-swapped", {"test_batch_results": (BATCH_RESULTS,),
                                               "test_batch_errored": (BATCH_ERRORED,)}),
        _batch_proof("batch-error-aborts", {"test_batch_errored": (BATCH_ERRORED,)}),
        _batch_proof("batch-duplicate-accepted", {"test_batch_duplicate_ids": (BATCH_DUPLICATE,)}),
        _batch_proof("batch-unknown-answered", {"test_batch_not_found": (BATCH_NOT_FOUND,)}),
        _batch_proof("batch-cancel-ended-answered", {"test_batch_cancel": (BATCH_CANCEL,)}),
        _batch_proof("batch-list-after-ignored", {"test_batch_list": (BATCH_LIST,)}),
        Proof("messages-system-dropped", run=_RUN, warns=(
            (SYSTEM, "a 14-word system prompt (string) leaves input_tokens at *"),
            (SYSTEM, "a 14-word system prompt (blocks) leaves input_tokens at *"))),
    ),
)
