"""The agents wing's check table: what the llama-stack-api 0.5-0.6 Agents API promises, and its proofs.

In those generations ``Agents`` is the OpenAI Responses API (create, retrieve, list, input items,
delete; no cancel): the same members the ``responses`` API has today. Its checks are declared
here, under the agents API, because a provider built on 0.5-0.6 registers under ``agents`` and
its report must say so; the stream invariants (created first, increasing ``sequence_number``, one
terminal event) are ``stream.responses.*`` of ``llama_conformance.validate``, applied to any
stream of response events. Each check is declared once, here; ``WING`` is what
``llama_conformance.catalogue`` registers. The proofs run where the API exists (the 0.6.1
venv of ``tests/real/test_generation_proofs.py``), so every row pins ``llama_stack_api``.
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, Proof, UnknownCall, UnknownIds, Wing, only

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "agents"
PACKAGE = "llama_stack_api"  # the only package line whose Api enum still declares agents

_CREATE = "Agents.create_openai_response; POST /v1/responses; CreateResponseRequest -> OpenAIResponseObject"
_STREAM = ("Agents.create_openai_response (stream=true); POST /v1/responses (text/event-stream); "
           "OpenAIResponseObjectStream")
_GET = "Agents.get_openai_response; GET /v1/responses/{response_id}; RetrieveResponseRequest"
_LIST = "Agents.list_openai_responses; GET /v1/responses; ListResponsesRequest -> ListOpenAIResponseObject"
_ITEMS = ("Agents.list_openai_response_input_items; GET /v1/responses/{response_id}/input_items; "
          "ListResponseInputItemsRequest -> ListOpenAIResponseInputItem")
_DELETE = "Agents.delete_openai_response; DELETE /v1/responses/{response_id}; OpenAIDeleteResponseObject"

CREATE = CheckDef("agents.create", MUST,
                  "A minimal request is answered: a completed response with assistant output, the model and store "
                  "as asked", API, reference=_CREATE)
STREAM = CheckDef("agents.stream", MUST,
                  "A stream's output items and text deltas add up to the output of its terminal response",
                  API, reference=_STREAM)
RETRIEVE = CheckDef("agents.retrieve", MUST,
                    "Retrieve returns the stored response as create (or the stream) ended it", API, reference=_GET)
LIST = CheckDef("agents.list", MUST,
                "Walking list pages (limit / after) returns every stored response once, with the input it was given",
                API, reference=f"{_LIST}; .after/.limit/.has_more; OpenAIResponseObjectWithInput.input")
INPUT_ITEMS = CheckDef("agents.input-items", MUST,
                       "Input items are the input that was sent, newest first by default, honouring order and limit",
                       API, reference=f"{_ITEMS}; ListResponseInputItemsRequest.order (default desc)")
DELETE = CheckDef("agents.delete", MUST, "Delete answers deleted=true and the response is gone afterwards",
                  API, reference=_DELETE)
NOT_FOUND = CheckDef("agents.not-found", MUST,
                     "Retrieve / delete / input items of an unknown response id raise a not-found (4xx) error",
                     API, reference=f"{_GET}; {_DELETE}; {_ITEMS}")
CHAIN = CheckDef("agents.chain", MUST,
                 "previous_response_id is echoed on the chained response; an unknown one is a client error",
                 API, reference=f"{_CREATE}; CreateResponseRequest.previous_response_id")
STORE_FALSE = CheckDef("agents.store-false", MUST,
                       "A response created with store=false is neither retrievable nor listed", API,
                       reference=f"CreateResponseRequest.store; OpenAIResponseObject.store; {_GET}")

UNKNOWN_RESPONSE_ID = "resp_" + "0" * 32
_SUITE = ("--llama-api=agents", "-m", "behavioral or negative")


def _proof(fixture: str, test: str, *checks: CheckDef) -> Proof:
    """``test`` fails naming ``checks`` (-k takes the name without its parameter id)."""
    return Proof(fixture, {test: checks}, run=(*_SUITE, *only(test.split("[")[0])), package=PACKAGE)


WING = Wing(
    api=API,
    checks=(CREATE, STREAM, RETRIEVE, LIST, INPUT_ITEMS, DELETE, NOT_FOUND, CHAIN, STORE_FALSE),
    proofs=(
        _proof("agents-create-model-renamed", "test_create_and_retrieve", CREATE),
        _proof("agents-stream-deltas-short", "test_create_stream", STREAM),
        _proof("agents-retrieve-differs", "test_create_and_retrieve", RETRIEVE),
        _proof("agents-list-drops-input", "test_list", LIST),
        _proof("agents-input-items-asc", "test_input_items", INPUT_ITEMS),
        _proof("agents-delete-keeps", "test_delete", DELETE),
        _proof("agents-unknown-answered", "test_unknown_ids[agents]", NOT_FOUND),
        _proof("agents-chain-not-echoed", "test_chain", CHAIN),
        _proof("agents-store-ignored", "test_store_false", STORE_FALSE),
    ),
    unknown_ids=(
        UnknownIds(NOT_FOUND, prefix="resp_", known=UNKNOWN_RESPONSE_ID, label="response_id", calls=(
            UnknownCall("get_openai_response", "response_id"),
            UnknownCall("list_openai_response_input_items", "response_id"),
            UnknownCall("delete_openai_response", "response_id"),
        )),
    ),
)
