"""The interactions wing's check table: what the Interactions API promises, and the fixtures that prove it.

Each check is declared once, here (its id is written nowhere else: the suite and the proofs use
these names). ``WING`` is what ``llama_conformance.catalogue`` registers. The contract is
``ogx_api.interactions`` (ogx-api 1.5: one member, ``create_interaction``, at
``POST /v1alpha/interactions``, Google's Interactions wire format, answered whole or as SSE events).

An unknown ``previous_interaction_id`` is judged by this suite (``test_unknown_previous``), not by a
row of the shared negative table: the request must also name a model the provider's inference
serves, which only the running session knows (a row's extra fields are fixed), and an unserved
model would make any refusal pass.
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, Proof, Wing, only
from llama_conformance.engine_checks import TYPED_ERROR

MUST, SHOULD = Level.MUST, Level.SHOULD
API = "interactions"
_I = "Interactions.create_interaction; POST /v1alpha/interactions"

CREATE = CheckDef("interactions.create", MUST,
                  "A create answers one completed interaction: a fresh id, the model asked for, role model and "
                  "at least one output",
                  API, None, f"{_I}; GoogleInteractionResponse")
STREAM = CheckDef("interactions.stream", MUST,
                  "A streamed create is interaction.start first and interaction.complete last, once each with the "
                  "same id; every content block is started before its deltas and stopped once before the end",
                  API, None, f"{_I} (stream=true); GoogleStreamEvent: InteractionStartEvent, ContentStartEvent, "
                  "ContentDeltaEvent, ContentStopEvent, InteractionCompleteEvent")
CHAIN = CheckDef("interactions.chain", MUST,
                 "An interaction answered, streamed or not, can be continued by its id (previous_interaction_id)",
                 API, None, f"{_I}; GoogleCreateInteractionRequest.previous_interaction_id")
NOT_FOUND = CheckDef("interactions.not-found", MUST,
                     "A previous_interaction_id naming no interaction is a client error (4xx), never an answer "
                     "or a 5xx",
                     API, None, f"{_I}; previous_interaction_id ('ID of a previous interaction')")
UNKNOWN_MODEL = CheckDef("interactions.unknown-model", MUST,
                         "A model the provider's inference does not serve is a client error (4xx), streamed or not",
                         API, None, f"{_I}; GoogleCreateInteractionRequest.model; the router maps "
                         "ModelNotFoundError to 404 and ValueError to 400, anything else to 500")

STREAM_USAGE = CheckDef("interactions.stream-usage", SHOULD,
                        "A streamed interaction's interaction.complete reports the tokens used, as the whole "
                        "answer to the same request does (not zeros)",
                        API, None, f"{_I} (stream=true); InteractionCompleteEvent.interaction.usage: GoogleUsage")

MAX_OUTPUT = CheckDef("interactions.max-output-tokens", MUST,
                      "generation_config.max_output_tokens bounds the answer, whole and streamed: no more output "
                      "tokens reported and no more words of text than it allows",
                      API, None, f"{_I}; GoogleGenerationConfig.max_output_tokens ('Maximum number of tokens to "
                      "generate'); GoogleUsage.total_output_tokens")
GENERATION_CONFIG = CheckDef("interactions.generation-config", SHOULD,
                             "A generation_config of in-range sampling values (temperature, top_p, top_k) is "
                             "answered, whole and streamed, not refused",
                             API, None, f"{_I}; GoogleGenerationConfig (temperature 0-2, top_k >= 1, top_p 0-1)")

_SUITES = ("--llama-api=interactions", "-m", "behavioral or negative")


def _proof(fixture: str, tests: tuple[str, ...], *checks: CheckDef) -> Proof:
    return Proof(fixture, {test: checks for test in tests}, run=(*_SUITES, *only(*tests)))


WING = Wing(
    api=API,
    checks=(CREATE, STREAM, CHAIN, NOT_FOUND, UNKNOWN_MODEL, STREAM_USAGE, MAX_OUTPUT, GENERATION_CONFIG),
    proofs=(
        _proof("interactions-id-reused", ("test_create",), CREATE),
        _proof("interactions-stream-complete-id", ("test_stream",), STREAM),
        _proof("interactions-stream-not-kept", ("test_chain",), CHAIN),
        _proof("interactions-unknown-previous-ignored", ("test_unknown_previous",), NOT_FOUND),
        _proof("interactions-model-error-500", ("test_unknown_model",), UNKNOWN_MODEL, TYPED_ERROR),
        Proof("interactions-stream-usage-zero", run=(*_SUITES, *only("test_stream_usage")),
              warns=((STREAM_USAGE, "the streamed interaction of*reports usage*"),)),
        _proof("interactions-max-output-ignored", ("test_max_output_tokens",), MAX_OUTPUT),
        Proof("interactions-generation-config-refused", run=(*_SUITES, *only("test_generation_config")),
              warns=((GENERATION_CONFIG, "create(stream=*) with generation_config*was refused*"),)),
    ),
)
