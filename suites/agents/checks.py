"""The agents wing's check table: what the llama-stack-api 0.5-0.6 Agents API promises, and its proofs.

In those generations ``Agents`` is the OpenAI Responses API (create, retrieve, list, input items,
delete; no cancel): the same members the ``responses`` API has today. Its checks are declared
here, under the agents API, because a provider built on 0.5-0.6 registers under ``agents`` and
its report must say so; the stream invariants (created first, increasing ``sequence_number``, one
terminal event) are ``stream.responses.*`` of ``llama_conformance.validate``, applied to any
stream of response events. Each check is declared once, here; ``WING`` is what
``llama_conformance.catalogue`` registers. The proofs run where the API exists (the 0.6.1
venv of ``tests/real/test_generation_proofs.py``), so every row pins ``llama_stack_api``.

llama-stack 0.2 (``llama_stack.apis``) declares the Responses members too, beside the original
agent / session / turn API (``AgenticSystem``): agents, their sessions, a session's turns (plain or
a stream of turn / step events) and a turn's steps. Those checks (``PRESPLIT_CHECKS``, suite
``test_agent_sessions.py``) are not applicable to later generations; their rows
(``PRESPLIT_PROOFS``) run in the llama-stack 0.2.14 venv of the same test module.
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


# llama-stack 0.2's agent / session / turn members (llama_stack/apis/agents/agents.py of 0.2.14; gone from
# llama-stack-api 0.4 on, where these checks are not applicable). Every generation that declares them is the
# pre-split package ``llama_stack.apis``, and ValueError is its server's 400: its one not-found idiom. Their
# rows pin no package: the 0.2.14 venv holds that one, and elsewhere tests/test_proofs.py skips them (the
# installed package declares no agents API).
_SPEC02 = "llama_stack/apis/agents/agents.py (llama-stack 0.2.14)"
AGENT = CheckDef("agents.agent", MUST,
                 "create_agent answers an agent id; get_agent returns that agent with the config it was created "
                 "with; list_agents lists it; after delete_agent it is neither found nor listed", API,
                 reference=f"{_SPEC02}:376 create_agent, :524 delete_agent, :535 list_agents, :545 get_agent")
SESSION = CheckDef("agents.session", MUST,
                   "create_agent_session answers a session id; get_agents_session returns it with its name and no "
                   "turns; list_agent_sessions lists it; after delete_agents_session it is neither found nor listed",
                   API, reference=f"{_SPEC02}:481 create_agent_session, :495 get_agents_session, "
                                  ":511 delete_agents_session, :554 list_agent_sessions")
TURN = CheckDef("agents.turn", MUST,
                "A turn created without stream returns a Turn of the session holding the messages sent, an "
                "assistant output message and its steps; get_agents_turn and get_agents_session return the same "
                "turn", API,
                reference=f"{_SPEC02}:391 create_agent_turn (':returns: If stream=False, returns a Turn object'), "
                          ":445 get_agents_turn, :495 get_agents_session")
TURN_STREAM = CheckDef("agents.turn-stream", MUST,
                       "A streamed turn closes every step_start with a step_complete of the same step_id and "
                       "step_type (progress only inside an open step), and ends with one turn_complete (or "
                       "turn_awaiting_input) carrying the turn get_agents_turn returns", API,
                       reference=f"{_SPEC02}:244 AgentTurnResponseEventType, :254-296 payloads, :391 "
                                 "create_agent_turn(stream=True) -> AsyncIterator[AgentTurnResponseStreamChunk]")
# SHOULD: the protocol declares the event (turn_start, its turn_id) but says nothing of its order, and
# llama-stack 0.2.14's own meta-reference agent never sends it.
TURN_START = CheckDef("agents.turn-start", SHOULD,
                      "A streamed turn opens with one turn_start naming the turn it ends with", API,
                      reference=f"{_SPEC02}:249 AgentTurnResponseEventType.turn_start, :282 "
                                "AgentTurnResponseTurnStartPayload.turn_id")
STEP = CheckDef("agents.step", MUST,
                "get_agents_step returns every step the turn lists, as listed; an unknown step id is a client "
                "error", API, reference=f"{_SPEC02}:464 get_agents_step -> AgentStepResponse; :153 Turn.steps")
AGENT_NOT_FOUND = CheckDef("agents.agent-not-found", MUST,
                           "An unknown agent, session or turn id is a client error (4xx) in every member that takes "
                           "one, never a success or a crash", API,
                           reference=f"{_SPEC02}:445-568 (every member addressed by agent_id / session_id / turn_id)")
CASCADE = CheckDef("agents.delete-cascade", MUST,
                   "delete_agents_session deletes the session's turns, and delete_agent the agent's sessions: "
                   "neither is found afterwards", API,
                   reference=f"{_SPEC02}:517 ('Delete an agent session by its ID and its associated turns'), "
                             ":529 ('Delete an agent by its ID and its associated sessions and turns')")

UNKNOWN_AGENT_ID = "00000000-0000-4000-8000-000000000000"
_SUITE02 = ("--llama-api=agents", "-m", "behavioral")


def _proof02(fixture: str, test: str, *checks: CheckDef) -> Proof:
    """``test`` (of test_agent_sessions.py) fails naming ``checks``, judged against llama-stack 0.2."""
    return Proof(fixture, {test: checks}, run=(*_SUITE02, *only(test)))


PRESPLIT_CHECKS = (AGENT, SESSION, TURN, TURN_STREAM, TURN_START, STEP, AGENT_NOT_FOUND, CASCADE)
PRESPLIT_PROOFS = (
    _proof02("agents-agent-config-lost", "test_agent_lifecycle", AGENT),
    _proof02("agents-session-delete-keeps", "test_session_lifecycle", SESSION),
    _proof02("agents-turn-output-empty", "test_turn_answer", TURN),
    _proof02("agents-turn-step-unclosed", "test_turn_events", TURN_STREAM),
    Proof("agents-turn-start-missing", run=(*_SUITE02, *only("test_turn_events")),
          warns=((TURN_START, "the stream of turn * opens with 'step_start'*"),)),
    _proof02("agents-step-unknown-found", "test_turn_steps", STEP),
    _proof02("agents-unknown-agent-answered", "test_unknown_agent_ids", AGENT_NOT_FOUND),
    _proof02("agents-delete-keeps-sessions", "test_cascading_delete", CASCADE),
)
WING = Wing(
    api=API,
    checks=(CREATE, STREAM, RETRIEVE, LIST, INPUT_ITEMS, DELETE, NOT_FOUND, CHAIN, STORE_FALSE, *PRESPLIT_CHECKS),
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
        *PRESPLIT_PROOFS,
    ),
    unknown_ids=(
        UnknownIds(NOT_FOUND, prefix="resp_", known=UNKNOWN_RESPONSE_ID, label="response_id", calls=(
            UnknownCall("get_openai_response", "response_id"),
            UnknownCall("list_openai_response_input_items", "response_id"),
            UnknownCall("delete_openai_response", "response_id"),
        )),
    ),
)
