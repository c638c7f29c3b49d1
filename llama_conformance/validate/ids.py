"""The check ids of response and stream validation, declared once and registered with the kit.

Ids are part of the kit's public vocabulary (reports, baselines, failure messages), so they
are stable strings, grouped by what they judge: ``response.*`` a single returned value,
``stream.chunk.*`` one chunk as it arrives, ``stream.*`` the invariants of a whole stream,
``embeddings.*`` the semantics of an embeddings response. Errata ids (``erratum.*``) name a
defect of the published contract; a finding that carries one is reported, never failed.
"""

from __future__ import annotations

from dataclasses import replace

from llama_conformance.checks import CheckDef, Level, register

# -- one returned value --------------------------------------------------------------------
RESPONSE_TYPE = "response.type"
RESPONSE_SCHEMA = "response.schema"
RESPONSE_ROUNDTRIP = "response.roundtrip"

# -- one stream chunk ----------------------------------------------------------------------
STREAM_CHUNK_TYPE = "stream.chunk.type"
STREAM_CHUNK_SCHEMA = "stream.chunk.schema"
STREAM_CHUNK_ROUNDTRIP = "stream.chunk.roundtrip"

# -- any stream ----------------------------------------------------------------------------
STREAM_NONEMPTY = "stream.nonempty"

# -- chat and text completion streams --------------------------------------------------------
STREAM_SAME_ID = "stream.completion.same-id"
STREAM_SAME_OBJECT = "stream.completion.same-object"
STREAM_SAME_MODEL = "stream.completion.same-model"
STREAM_FINISH_LAST = "stream.completion.finish-reason-last"
STREAM_FINISH_PRESENT = "stream.completion.finish-reason-present"
STREAM_USAGE_ONCE = "stream.completion.usage-once"
STREAM_USAGE_LAST = "stream.completion.usage-last"
STREAM_USAGE_TOTAL = "stream.completion.usage-total"

# -- Responses event streams -----------------------------------------------------------------
RESPONSES_CREATED_FIRST = "stream.responses.created-first"
RESPONSES_SEQUENCE = "stream.responses.sequence-increasing"
RESPONSES_TERMINAL_ONCE = "stream.responses.terminal-once"
RESPONSES_TERMINAL_LAST = "stream.responses.terminal-last"
RESPONSES_SAME_ID = "stream.responses.same-response-id"
RESPONSES_TERMINAL_STATUS = "stream.responses.terminal-status"

# -- Messages (Anthropic-style) event streams --------------------------------------------------
MESSAGES_START_FIRST = "stream.messages.start-first"
MESSAGES_STOP_LAST = "stream.messages.stop-last"
MESSAGES_BLOCKS = "stream.messages.block-lifecycle"

# -- embeddings ----------------------------------------------------------------------------
EMBEDDINGS_COUNT = "embeddings.count"
EMBEDDINGS_INDEX = "embeddings.index-order"
EMBEDDINGS_SAME_LENGTH = "embeddings.same-length"
EMBEDDINGS_DIMENSIONS = "embeddings.dimensions"
EMBEDDINGS_FINITE = "embeddings.finite"
EMBEDDINGS_ENCODING = "embeddings.encoding-format"
EMBEDDINGS_USAGE = "embeddings.usage"

# -- errata: the published contract, not the provider, is at fault ------------------------------
ERRATUM_NULL_STRIPPED = "erratum.schema-null-stripped"
ERRATUM_COMPLETION_FINISH_NULL = "erratum.completion-finish-reason-null"

CHECK_DEFS: tuple[CheckDef, ...] = (
    CheckDef(RESPONSE_TYPE, Level.MUST,
             "An in-process result is an instance of the declared return type (nested models included)",
             reference="the member's return annotation"),
    CheckDef(RESPONSE_SCHEMA, Level.MUST,
             "A result's JSON matches the JSON Schema the API package publishes for the declared type",
             reference="the JSON Schema of the member's return type (model_json_schema)"),
    CheckDef(RESPONSE_ROUNDTRIP, Level.MUST,
             "A result's JSON serialization validates back into the declared type",
             reference="the member's return type (pydantic model_validate of the JSON)"),
    CheckDef(STREAM_CHUNK_TYPE, Level.MUST,
             "An in-process stream chunk is an instance of the declared chunk type",
             reference="the chunk type of the member's `AsyncIterator[Chunk]` return"),
    CheckDef(STREAM_CHUNK_SCHEMA, Level.MUST,
             "Every stream chunk matches the published JSON Schema of the chunk type",
             reference='the JSON Schema of the chunk type'),
    CheckDef(STREAM_CHUNK_ROUNDTRIP, Level.MUST,
             "Every stream chunk's JSON validates back into the declared chunk type",
             reference='the chunk type (pydantic model_validate of the JSON)'),
    CheckDef(STREAM_NONEMPTY, Level.MUST, "A stream yields at least one chunk",
             reference='streaming members: `-> AsyncIterator[Chunk]`'),
    CheckDef(STREAM_SAME_ID, Level.MUST, "All chunks of one completion stream carry the same id",
             reference='OpenAIChatCompletionChunk.id / OpenAICompletion.id'),
    CheckDef(STREAM_SAME_OBJECT, Level.MUST,
             "All chunks of one completion stream carry the same object type",
             reference='OpenAIChatCompletionChunk.object'),
    CheckDef(STREAM_SAME_MODEL, Level.MUST, "All chunks of one completion stream name the same model",
             reference='OpenAIChatCompletionChunk.model'),
    CheckDef(STREAM_FINISH_LAST, Level.MUST,
             "A choice's finish_reason comes on its final chunk: nothing for that choice follows it",
             reference='OpenAIChunkChoice.finish_reason'),
    CheckDef(STREAM_FINISH_PRESENT, Level.MUST,
             "Every choice that appears in a stream ends with a finish_reason",
             reference='OpenAIChunkChoice.finish_reason'),
    CheckDef(STREAM_USAGE_ONCE, Level.MUST,
             "Usage arrives exactly once when the request asks for it (stream_options.include_usage), "
             "at most once otherwise",
             reference='stream_options.include_usage; OpenAIChatCompletionChunk.usage'),
    CheckDef(STREAM_USAGE_LAST, Level.MUST,
             "The usage chunk comes with or after the last chunk that carries choices",
             reference='OpenAIChatCompletionChunk.usage'),
    CheckDef(STREAM_USAGE_TOTAL, Level.MUST,
             "Streamed usage adds up: prompt_tokens + completion_tokens == total_tokens",
             reference='OpenAIChatCompletionUsage total_tokens'),
    CheckDef(RESPONSES_CREATED_FIRST, Level.MUST,
             "The first event of a Responses stream is response.created",
             reference='ResponsesProtocol create_openai_response(stream=True); OpenAIResponseObjectStream'),
    CheckDef(RESPONSES_SEQUENCE, Level.MUST,
             "sequence_number strictly increases across the events of a Responses stream",
             reference='ResponsesProtocol create_openai_response(stream=True); '
                       'OpenAIResponseObjectStream.sequence_number'),
    CheckDef(RESPONSES_TERMINAL_ONCE, Level.MUST,
             "A Responses stream has exactly one terminal event "
             "(response.completed, response.failed or response.incomplete)",
             reference='ResponsesProtocol create_openai_response(stream=True); OpenAIResponseObjectStream'),
    CheckDef(RESPONSES_TERMINAL_LAST, Level.MUST,
             "The terminal event of a Responses stream is its last event",
             reference='ResponsesProtocol create_openai_response(stream=True); OpenAIResponseObjectStream'),
    CheckDef(RESPONSES_SAME_ID, Level.MUST,
             "Every event that carries the response object carries the id response.created announced",
             reference='ResponsesProtocol create_openai_response(stream=True); '
                       'OpenAIResponseObjectStream.response.id'),
    CheckDef(RESPONSES_TERMINAL_STATUS, Level.SHOULD,
             "The terminal event's response.status agrees with the event (completed, failed, incomplete)",
             reference='ResponsesProtocol create_openai_response(stream=True); '
                       'OpenAIResponseObjectStream.response.status'),
    CheckDef(MESSAGES_START_FIRST, Level.MUST,
             "The first event of a Messages stream is message_start, and it comes once",
             reference='Messages API create_message(stream=True); message stream events'),
    CheckDef(MESSAGES_STOP_LAST, Level.MUST,
             "A Messages stream ends with exactly one message_stop, its last event",
             reference='Messages API create_message(stream=True); message stream events'),
    CheckDef(MESSAGES_BLOCKS, Level.MUST,
             "Content block deltas and stops refer to a started, unstopped block; every started "
             "block stops before message_stop",
             reference='Messages API create_message(stream=True); message stream events'),
    CheckDef(EMBEDDINGS_COUNT, Level.MUST, "An embeddings response has one vector per input",
             reference='InferenceProvider.openai_embeddings; POST /v1/embeddings; '
                       'OpenAIEmbeddingsResponse.data'),
    CheckDef(EMBEDDINGS_INDEX, Level.MUST, "Embedding index values are 0..n-1, in order",
             reference='InferenceProvider.openai_embeddings; POST /v1/embeddings; '
                       'OpenAIEmbeddingsResponse.data[].index'),
    CheckDef(EMBEDDINGS_SAME_LENGTH, Level.MUST, "All vectors of one embeddings response have the same length",
             reference='InferenceProvider.openai_embeddings; POST /v1/embeddings; '
                       'OpenAIEmbeddingsResponse.data[].embedding'),
    CheckDef(EMBEDDINGS_DIMENSIONS, Level.MUST,
             "Vectors have the requested number of dimensions when the request sets dimensions",
             reference='InferenceProvider.openai_embeddings; POST /v1/embeddings; OpenAIEmbeddingsResponse '
                       '(dimensions)'),
    CheckDef(EMBEDDINGS_FINITE, Level.MUST, "Embedding values are finite floats",
             reference='InferenceProvider.openai_embeddings; POST /v1/embeddings; '
                       'OpenAIEmbeddingsResponse.data[].embedding'),
    CheckDef(EMBEDDINGS_ENCODING, Level.MUST,
             "Vectors follow encoding_format: float lists for 'float', base64 strings of float32 for 'base64'",
             reference='InferenceProvider.openai_embeddings; POST /v1/embeddings; OpenAIEmbeddingsResponse '
                       '(encoding_format)'),
    CheckDef(EMBEDDINGS_USAGE, Level.SHOULD,
             "Embeddings usage counts are not negative and total_tokens covers prompt_tokens",
             reference='InferenceProvider.openai_embeddings; POST /v1/embeddings; '
                       'OpenAIEmbeddingsResponse.usage'),
)

# The APIs whose types each family judges, so a report lists a family only for them:
# OpenAIEmbeddingsResponse and the chat / text completion chunks are inference's, the
# Responses events the responses API's, the Messages events the messages API's. The checks of
# any stream (``stream.chunk.*``, ``stream.nonempty``) apply to every API that streams one of
# them. ``response.*`` judge any returned value: every API.
FAMILY_APIS: dict[str, tuple[str, ...]] = {
    "embeddings.": ("inference",),
    "stream.completion.": ("inference",),
    "stream.responses.": ("responses",),
    "stream.messages.": ("messages",),
}
STREAMING_APIS: tuple[str, ...] = tuple(sorted({api for prefix, apis in FAMILY_APIS.items()
                                                if prefix.startswith("stream.") for api in apis}))
FAMILY_APIS["stream."] = STREAMING_APIS


def family_apis(check_id: str) -> tuple[str, ...]:
    """The APIs a validation check can apply to (the longest family prefix decides); empty: any."""
    prefixes = [prefix for prefix in FAMILY_APIS if check_id.startswith(prefix)]
    return FAMILY_APIS[max(prefixes, key=len)] if prefixes else ()


CHECK_DEFS = tuple(replace(check, applies_to=family_apis(check.id)) for check in CHECK_DEFS)
register(*CHECK_DEFS)

CHECK_IDS: tuple[str, ...] = tuple(d.id for d in CHECK_DEFS)
ERRATA_IDS: tuple[str, ...] = (ERRATUM_NULL_STRIPPED, ERRATUM_COMPLETION_FINISH_NULL)
