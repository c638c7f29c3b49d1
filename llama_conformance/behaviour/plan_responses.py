"""Behavioural checks of the responses API: stable ids, levels, references (registered on import).

The event-stream invariants every responses stream is held to (created first, increasing
``sequence_number``, one terminal event) are ``stream.responses.*`` in
``llama_conformance.validate``; these are the checks of what the calls *mean*.
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, register

MUST, SHOULD = Level.MUST, Level.SHOULD

_CREATE = "Responses.create_openai_response; POST /v1/responses; CreateResponseRequest -> OpenAIResponseObject"
_STREAM = ("Responses.create_openai_response (stream=true); POST /v1/responses (text/event-stream); "
           "OpenAIResponseObjectStream")
_GET = "Responses.get_openai_response; GET /v1/responses/{response_id}; RetrieveResponseRequest"
_LIST = "Responses.list_openai_responses; GET /v1/responses; ListResponsesRequest -> ListOpenAIResponseObject"
_ITEMS = ("Responses.list_openai_response_input_items; GET /v1/responses/{response_id}/input_items; "
          "ListResponseInputItemsRequest -> ListOpenAIResponseInputItem")
_DELETE = "Responses.delete_openai_response; DELETE /v1/responses/{response_id}; OpenAIDeleteResponseObject"
_CANCEL = "Responses.cancel_openai_response; POST /v1/responses/{response_id}/cancel; CancelResponseRequest"

CHECKS: tuple[CheckDef, ...] = (
    CheckDef("responses.create", MUST,
             "A minimal request is answered: a completed response with assistant output, the model and store "
             "as asked", "responses", reference=_CREATE),
    CheckDef("responses.create.fuzz", MUST,
             "Drawn create requests (streamed or not) get a valid response or a typed error", "responses",
             reference=_CREATE),
    CheckDef("responses.stream", MUST,
             "A stream's output items and text deltas add up to the output of its terminal response",
             "responses", reference=_STREAM),
    CheckDef("responses.stream.text-done", SHOULD,
             "Streamed text is closed by response.output_text.done with the whole text, as OpenAI streams do",
             "responses", reference=f"{_STREAM}; OpenAIResponseObjectStreamResponseOutputTextDone"),
    CheckDef("responses.retrieve", MUST, "Retrieve returns the stored response as create (or the stream) ended it",
             "responses", reference=_GET),
    CheckDef("responses.list", MUST, "List returns every stored response, with the input it was given",
             "responses", reference=_LIST),
    CheckDef("responses.list.pagination", MUST,
             "Walking pages with limit/after yields every response once; has_more, first_id, last_id agree",
             "responses", reference=f"{_LIST}.after/limit/has_more"),
    CheckDef("responses.list.order", SHOULD, "order=asc|desc sorts responses by created_at", "responses",
             reference=f"{_LIST}.order"),
    CheckDef("responses.input-items", MUST,
             "Input items are the input that was sent, honouring order and limit", "responses", reference=_ITEMS),
    CheckDef("responses.delete", MUST, "Delete answers deleted=true and the response is gone afterwards",
             "responses", reference=_DELETE),
    CheckDef("responses.not-found", MUST,
             "Retrieve / delete / input items / cancel of an unknown response id raise a not-found (4xx) error",
             "responses", reference=f"{_GET}; {_DELETE}; {_ITEMS}; {_CANCEL}"),
    CheckDef("responses.cancel", MUST,
             "Cancelling a finished (not background) response is refused with a client error; it stays as it was",
             "responses", reference=f"{_CANCEL}; OpenAIResponseObject.background"),
    CheckDef("responses.chain", MUST,
             "previous_response_id is echoed on the chained response; an unknown one is a client error",
             "responses", reference=f"{_CREATE}; CreateResponseRequest.previous_response_id"),
    CheckDef("responses.chain.context", SHOULD,
             "A chained response's model input holds the earlier turn (its input tokens exceed the same input "
             "alone)", "responses", reference="CreateResponseRequest.previous_response_id; OpenAIResponseUsage"),
    CheckDef("responses.store-false", MUST,
             "A response created with store=false is neither retrievable nor listed", "responses",
             reference=f"CreateResponseRequest.store; OpenAIResponseObject.store; {_GET}"),
    CheckDef("responses.stateful", MUST,
             "Any sequence of creates, chains, retrievals, lists and deletes matches a model of what is stored",
             "responses", reference=f"{_CREATE}; {_GET}; {_LIST}; {_DELETE}"),
)

register(*CHECKS)
