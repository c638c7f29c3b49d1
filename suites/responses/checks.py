"""The responses wing's check table: what the Responses API promises, and the broken fixtures that prove it.

Each check is declared once, here (its id is written nowhere else: the suite and the proofs
use these names). ``WING`` is what ``llama_conformance.catalogue`` registers.

The event-stream invariants every responses stream is held to (created first, increasing
``sequence_number``, one terminal event) are ``stream.responses.*`` in
``llama_conformance.validate``; these are the checks of what the calls *mean*. The fixtures
that break those invariants are proven here too: only a responses provider streams such events.
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, Proof, UnknownCall, UnknownIds, Wing
from llama_conformance.validate import ids

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "responses"

_CREATE = "Responses.create_openai_response; POST /v1/responses; CreateResponseRequest -> OpenAIResponseObject"
_STREAM = ("Responses.create_openai_response (stream=true); POST /v1/responses (text/event-stream); "
           "OpenAIResponseObjectStream")
_GET = "Responses.get_openai_response; GET /v1/responses/{response_id}; RetrieveResponseRequest"
_LIST = "Responses.list_openai_responses; GET /v1/responses; ListResponsesRequest -> ListOpenAIResponseObject"
_ITEMS = ("Responses.list_openai_response_input_items; GET /v1/responses/{response_id}/input_items; "
          "ListResponseInputItemsRequest -> ListOpenAIResponseInputItem")
_DELETE = "Responses.delete_openai_response; DELETE /v1/responses/{response_id}; OpenAIDeleteResponseObject"
_CANCEL = "Responses.cancel_openai_response; POST /v1/responses/{response_id}/cancel; CancelResponseRequest"

CREATE = CheckDef("responses.create", MUST,
                  "A minimal request is answered: a completed response with assistant output, the model and store "
                  "as asked", API, reference=_CREATE)
CREATE_FUZZ = CheckDef("responses.create.fuzz", MUST,
                       "Drawn create requests (streamed or not) get a valid response or a typed error", API,
                       reference=_CREATE)
STREAM = CheckDef("responses.stream", MUST,
                  "A stream's output items and text deltas add up to the output of its terminal response",
                  API, reference=_STREAM)
STREAM_TEXT_DONE = CheckDef("responses.stream.text-done", SHOULD,
                            "Streamed text is closed by response.output_text.done with the whole text, as OpenAI "
                            "streams do", API,
                            reference=f"{_STREAM}; OpenAIResponseObjectStreamResponseOutputTextDone")
RETRIEVE = CheckDef("responses.retrieve", MUST,
                    "Retrieve returns the stored response as create (or the stream) ended it", API, reference=_GET)
LIST = CheckDef("responses.list", MUST, "List returns every stored response, with the input it was given",
                API, reference=_LIST)
LIST_PAGINATION = CheckDef("responses.list.pagination", MUST,
                           "Walking pages with limit/after yields every response once; has_more, first_id, last_id "
                           "agree", API, reference=f"{_LIST}.after/limit/has_more")
LIST_ORDER = CheckDef("responses.list.order", SHOULD, "order=asc|desc sorts responses by created_at", API,
                      reference=f"{_LIST}.order")
INPUT_ITEMS = CheckDef("responses.input-items", MUST,
                       "Input items are the input that was sent, honouring order and limit", API, reference=_ITEMS)
DELETE = CheckDef("responses.delete", MUST, "Delete answers deleted=true and the response is gone afterwards",
                  API, reference=_DELETE)
NOT_FOUND = CheckDef("responses.not-found", MUST,
                     "Retrieve / delete / input items / cancel of an unknown response id raise a not-found (4xx) "
                     "error", API, reference=f"{_GET}; {_DELETE}; {_ITEMS}; {_CANCEL}")
CANCEL = CheckDef("responses.cancel", MUST,
                  "Cancelling a finished (not background) response is refused with a client error; it stays as it "
                  "was", API, reference=f"{_CANCEL}; OpenAIResponseObject.background")
CHAIN = CheckDef("responses.chain", MUST,
                 "previous_response_id is echoed on the chained response; an unknown one is a client error",
                 API, reference=f"{_CREATE}; CreateResponseRequest.previous_response_id")
CHAIN_CONTEXT = CheckDef("responses.chain.context", SHOULD,
                         "A chained response's model input holds the earlier turn (its input tokens exceed the same "
                         "input alone)", API,
                         reference="CreateResponseRequest.previous_response_id; OpenAIResponseUsage")
STORE_FALSE = CheckDef("responses.store-false", MUST,
                       "A response created with store=false is neither retrievable nor listed", API,
                       reference=f"CreateResponseRequest.store; OpenAIResponseObject.store; {_GET}")
MAX_OUTPUT = CheckDef("responses.max-output-tokens", MUST,
                     "A response never reports more output tokens than max_output_tokens, and one that reached the "
                     "limit is not 'completed' (status incomplete, incomplete_details set)", API,
                     reference=f"{_CREATE}; CreateResponseRequest.max_output_tokens; OpenAIResponseObject.status / "
                     "incomplete_details")
INCOMPLETE_REASON = CheckDef("responses.incomplete-reason", SHOULD,
                             "A response cut at max_output_tokens says incomplete_details.reason 'max_output_tokens' "
                             "(OpenAI's value, which clients switch on)", API,
                             reference="OpenAIResponseIncompleteDetails.reason: str (OpenAI: max_output_tokens | "
                             "content_filter). SHOULD, not MUST: the package leaves it a free string, ogx 1.5 "
                             "writes both values on different paths, and upstream's "
                             "test_incomplete_details_length asserts 'length'")
BACKGROUND = CheckDef("responses.background", MUST,
                      "background=true answers at once (status queued or in_progress, background true); cancel "
                      "then answers cancelled and it stays cancelled; an uncancelled one finishes on its own", API,
                      reference=f"{_CREATE}; CreateResponseRequest.background ('returns immediately with status "
                      f"queued'); {_CANCEL}")
BACKGROUND_STREAM = CheckDef("responses.background-stream", MUST,
                             "background with stream is refused with a client error, or streamed as a background "
                             "response; never streamed as if background had not been asked", API,
                             reference=f"{_CREATE}; CreateResponseRequest.background / stream")
STRUCTURED = CheckDef("responses.structured-output", MUST,
                      "text.format json_schema: the output text is JSON valid against the schema", API,
                      reference=f"{_CREATE}; CreateResponseRequest.text.format (json_schema)")
INCLUDE_LOGPROBS = CheckDef("responses.include.logprobs", SHOULD,
                            "include ['message.output_text.logprobs'] gives each output_text part its token logprobs "
                            "(a non-empty list, each logprob <= 0)", API,
                            reference=f"{_CREATE}; CreateResponseRequest.include (ResponseItemInclude."
                            "message_output_text_logprobs); OpenAIResponseOutputMessageContentOutputText.logprobs")
PARAMS_ECHOED = CheckDef("responses.params.echoed", MUST,
                         "The request parameters the response object also carries (temperature, top_p, "
                         "max_output_tokens, truncation, parallel_tool_calls, prompt_cache_key, max_tool_calls, "
                         "top_logprobs) come back as asked: on the created response, on a stream's created and "
                         "terminal events, and on retrieve", API,
                         reference=f"{_CREATE}; OpenAIResponseObject.temperature / top_p / truncation / "
                         "parallel_tool_calls / ... (the fields CreateResponseRequest shares with it)")
PROMPT = CheckDef("responses.prompt", MUST,
                  "prompt {id, version, variables} is echoed, and the stored template of the version asked, its "
                  "variables filled in, reaches the model (the input tokens grow with the template, with a "
                  "variable's value and with the longer version)", API,
                  reference=f"{_CREATE}; CreateResponseRequest.prompt (OpenAIResponsePrompt); Prompts.get_prompt")
PROMPT_NOT_FOUND = CheckDef("responses.prompt.not-found", MUST,
                            "A prompt naming an unknown template id, or an unknown version of a stored one, is "
                            "refused with a client error (404 / 400), neither answered nor a 5xx", API,
                            reference=f"{_CREATE}; OpenAIResponsePrompt.id / version; Prompts.get_prompt "
                            "(upstream responses/test_prompt_templates.py: 404)")
CONVERSATION_EXCLUSIVE = CheckDef("responses.conversation.exclusive", MUST,
                                  "previous_response_id together with conversation is refused with a client error "
                                  "(400): a response continues one or the other", API,
                                  reference=f"{_CREATE}; CreateResponseRequest.conversation / previous_response_id "
                                  "(upstream responses/test_responses_errors.py: 400)")
CONVERSATION_UNKNOWN = CheckDef("responses.conversation.unknown", MUST,
                                "A conversation id that is malformed, or well formed and naming no conversation, is "
                                "refused with a client error (400 / 404), neither answered nor a 5xx", API,
                                reference=f"{_CREATE}; CreateResponseRequest.conversation (upstream "
                                "responses/test_responses_errors.py TestConversationsAPIErrors)")
STREAM_LOGPROBS = CheckDef("responses.include.logprobs.stream", SHOULD,
                           "include ['message.output_text.logprobs'] on a stream: the output_text deltas carry the "
                           "token logprobs (each <= 0), as the output_text parts of output_item.done and of the "
                           "terminal response do", API,
                           reference=f"{_STREAM}; OpenAIResponseObjectStreamResponseOutputTextDelta.logprobs; "
                           "CreateResponseRequest.include")
STATEFUL = CheckDef("responses.stateful", MUST,
                    "Any sequence of creates, chains, retrievals, lists and deletes matches a model of what is "
                    "stored", API, reference=f"{_CREATE}; {_GET}; {_LIST}; {_DELETE}")

# Every run of the responses suites, one broken fixture each: the whole suite (no -k), one seed for
# the matrix: the drawn-only defects (streams-unasked, delete-cascades) are found for it in the fast
# profile (delete-cascades needs a chain, a delete and a list).
_RUN = ("--hypothesis-seed=1", "-m", "behavioral or negative or stateful")


# The contract-depth and parameter tests have their own proofs (``_depth``): the older rows leave them out, so a
# defect of what those rows judge (a retrieve that differs, a stream unasked) is declared once.
_OLDER = ("-k", "not test_responses_depth and not test_responses_params")


def _proof(fixture: str, fails: dict[str, tuple[CheckDef, ...]]) -> Proof:
    return Proof(f"responses-{fixture}", fails, run=(*_RUN, *_OLDER))


_STREAMING = ("-k", "test_create_stream")  # test_create_stream and test_create_stream_fuzz: the tests that stream


def _stream_proof(fixture: str, *checks: str) -> Proof:
    """A defect of the event stream itself: both streaming tests fail, naming ``checks``."""
    return Proof(f"responses-{fixture}", {"test_create_stream": checks, "test_create_stream_fuzz": checks},
                 run=(*_RUN, *_STREAMING))


def _depth(fixture: str, test: str, check: CheckDef) -> Proof:
    """A contract-depth defect: the one test that judges it fails, naming ``check``."""
    return Proof(f"responses-{fixture}", {test: (check,)}, run=(*_RUN, "-k", test))


def _warning(fixture: str, check: CheckDef, text: str) -> Proof:
    return Proof(f"responses-{fixture}", run=(*_RUN, *_OLDER), warns=((check, text),))


WING = Wing(
    api=API,
    checks=(CREATE, CREATE_FUZZ, STREAM, STREAM_TEXT_DONE, RETRIEVE, LIST, LIST_PAGINATION, LIST_ORDER, INPUT_ITEMS,
            DELETE, NOT_FOUND, CANCEL, CHAIN, CHAIN_CONTEXT, STORE_FALSE, MAX_OUTPUT, INCOMPLETE_REASON, BACKGROUND,
            BACKGROUND_STREAM, STRUCTURED, INCLUDE_LOGPROBS, PARAMS_ECHOED, PROMPT, PROMPT_NOT_FOUND,
            CONVERSATION_EXCLUSIVE, CONVERSATION_UNKNOWN, STREAM_LOGPROBS, STATEFUL),
    proofs=(
        _proof("model-renamed", {"test_create_and_retrieve": (CREATE,)}),
        _proof("streams-unasked", {"test_create_fuzz": (CREATE_FUZZ,)}),
        _proof("stream-deltas-short", {"test_create_stream": (STREAM,)}),
        _proof("retrieve-differs", {"test_create_and_retrieve": (RETRIEVE,), "test_create_stream": (RETRIEVE,),
                                    "test_responses_state_machine": (STATEFUL,)}),
        _proof("list-without-input", {"test_list_pagination_and_order": (LIST,)}),
        _proof("list-after-skips", {"test_list_pagination_and_order": (LIST_PAGINATION,)}),
        _proof("input-items-unordered", {"test_input_items": (INPUT_ITEMS,)}),
        _proof("delete-keeps", {"test_delete": (DELETE,), "test_responses_state_machine": (STATEFUL,)}),
        _proof("cancel-unknown-answered", {"test_unknown_ids[responses]": (NOT_FOUND,)}),
        _proof("cancel-finished", {"test_cancel_finished_response": (CANCEL,)}),
        _proof("chain-not-echoed", {"test_previous_response_chain": (CHAIN,)}),
        _proof("store-ignored", {"test_store_false_is_not_kept": (STORE_FALSE,)}),
        _proof("delete-cascades", {"test_responses_state_machine": (STATEFUL,)}),  # only the machine sees it
        # the event-stream invariants (``validate.stream_responses``): every streaming test fails
        _stream_proof("stream-created-late", ids.RESPONSES_CREATED_FIRST),
        _stream_proof("stream-sequence-flat", ids.RESPONSES_SEQUENCE),
        _stream_proof("stream-completed-twice", ids.RESPONSES_TERMINAL_ONCE, ids.RESPONSES_TERMINAL_LAST),
        _stream_proof("stream-id-changes", ids.RESPONSES_SAME_ID),
        Proof("responses-stream-terminal-status", run=(*_RUN, *_STREAMING),
              warns=((ids.RESPONSES_TERMINAL_STATUS, "responses.create_openai_response: * the 'response.completed' "
                      "event carries response.status 'in_progress', not 'completed'*"),)),
        # contract depth (test_responses_depth.py): one test each
        _depth("max-output-completed", "test_max_output_tokens", MAX_OUTPUT),
        _depth("background-cancel-ignored", "test_background_cancel", BACKGROUND),
        _depth("background-stream-dropped", "test_background_stream", BACKGROUND_STREAM),
        _depth("text-format-ignored", "test_structured_output", STRUCTURED),
        Proof("responses-include-logprobs-dropped", run=(*_RUN, "-k", "test_include_logprobs"),
              warns=((INCLUDE_LOGPROBS, "include message.output_text.logprobs was asked, but output_text part*"),)),
        Proof("responses-incomplete-reason-length", run=(*_RUN, "-k", "test_max_output_tokens"),
              warns=((INCOMPLETE_REASON, "a response cut at max_output_tokens=* says incomplete_details.reason "
                      "'length'*"),)),
        # request parameters, prompt templates, conversations (test_responses_params.py): one test each
        _depth("param-parallel-tool-calls-fixed", "test_params_echoed", PARAMS_ECHOED),
        _depth("param-prompt-variables-unfilled", "test_prompt_template", PROMPT),
        _depth("param-prompt-unknown-answered", "test_prompt_unknown", PROMPT_NOT_FOUND),
        _depth("param-conversation-with-previous", "test_conversation_with_previous", CONVERSATION_EXCLUSIVE),
        _depth("param-conversation-unchecked", "test_conversation_unknown", CONVERSATION_UNKNOWN),
        Proof("responses-param-stream-logprobs-dropped", run=(*_RUN, "-k", "test_stream_include_logprobs"),
              warns=((STREAM_LOGPROBS, "include message.output_text.logprobs was asked on a stream, but its * "
                      "text deltas carry no logprobs*"),)),
        _warning("no-text-done", STREAM_TEXT_DONE, "text streamed for * gets no *"),
        _warning("list-ignores-asc", LIST_ORDER, "order=asc lists created_at *"),
        _warning("chain-forgets", CHAIN_CONTEXT, "the chained response used * input tokens, the same input alone *"),
    ),
    unknown_ids=(
        UnknownIds(NOT_FOUND, prefix="resp_kit_unknown_", known="resp_does_not_exist", label="response_id", calls=(
            UnknownCall("get_openai_response", "response_id"),
            UnknownCall("delete_openai_response", "response_id"),
            UnknownCall("list_openai_response_input_items", "response_id"),
            UnknownCall("cancel_openai_response", "response_id"),
        )),
    ),
)
