"""Validation of every response and every stream chunk a provider returns.

In-process (pydantic objects) or over HTTP (JSON), a value is judged against the contract of
the installed API package: the declared type is a parameter, never imported here.

- ``validate_value(value, tp, *, method)``: class, published JSON Schema, pydantic round trip.
- ``stream_checker(chunk_type, *, method, request)``: a ``StreamChecker`` whose ``feed``
  judges each chunk as it arrives and whose ``finish`` judges the stream (chat and text
  completions, Responses events, Messages events; schema-only for other chunk types).
- ``check_embeddings(response, request, *, method)``: embeddings semantics.

Findings whose ``erratum`` is set are defects of the published contract that the value
needed (``erratum.*`` ids): report them, never fail on them.
"""

from llama_conformance.validate.embeddings import check_embeddings
from llama_conformance.validate.ids import (
    CHECK_DEFS,
    CHECK_IDS,
    EMBEDDINGS_COUNT,
    EMBEDDINGS_DIMENSIONS,
    EMBEDDINGS_ENCODING,
    EMBEDDINGS_FINITE,
    EMBEDDINGS_INDEX,
    EMBEDDINGS_SAME_LENGTH,
    EMBEDDINGS_USAGE,
    ERRATA_IDS,
    ERRATUM_COMPLETION_FINISH_NULL,
    ERRATUM_NULL_STRIPPED,
    MESSAGES_BLOCKS,
    MESSAGES_START_FIRST,
    MESSAGES_STOP_LAST,
    RESPONSE_ROUNDTRIP,
    RESPONSE_SCHEMA,
    RESPONSE_TYPE,
    RESPONSES_CREATED_FIRST,
    RESPONSES_SAME_ID,
    RESPONSES_SEQUENCE,
    RESPONSES_TERMINAL_LAST,
    RESPONSES_TERMINAL_ONCE,
    RESPONSES_TERMINAL_STATUS,
    STREAM_CHUNK_ROUNDTRIP,
    STREAM_CHUNK_SCHEMA,
    STREAM_CHUNK_TYPE,
    STREAM_FINISH_LAST,
    STREAM_FINISH_PRESENT,
    STREAM_NONEMPTY,
    STREAM_SAME_ID,
    STREAM_SAME_MODEL,
    STREAM_SAME_OBJECT,
    STREAM_USAGE_LAST,
    STREAM_USAGE_ONCE,
    STREAM_USAGE_TOTAL,
)
from llama_conformance.validate.stream_base import StreamChecker
from llama_conformance.validate.stream_factory import stream_checker
from llama_conformance.validate.value import validate_value

__all__ = [
    "CHECK_DEFS",
    "CHECK_IDS",
    "EMBEDDINGS_COUNT",
    "EMBEDDINGS_DIMENSIONS",
    "EMBEDDINGS_ENCODING",
    "EMBEDDINGS_FINITE",
    "EMBEDDINGS_INDEX",
    "EMBEDDINGS_SAME_LENGTH",
    "EMBEDDINGS_USAGE",
    "ERRATA_IDS",
    "ERRATUM_COMPLETION_FINISH_NULL",
    "ERRATUM_NULL_STRIPPED",
    "MESSAGES_BLOCKS",
    "MESSAGES_START_FIRST",
    "MESSAGES_STOP_LAST",
    "RESPONSES_CREATED_FIRST",
    "RESPONSES_SAME_ID",
    "RESPONSES_SEQUENCE",
    "RESPONSES_TERMINAL_LAST",
    "RESPONSES_TERMINAL_ONCE",
    "RESPONSES_TERMINAL_STATUS",
    "RESPONSE_ROUNDTRIP",
    "RESPONSE_SCHEMA",
    "RESPONSE_TYPE",
    "STREAM_CHUNK_ROUNDTRIP",
    "STREAM_CHUNK_SCHEMA",
    "STREAM_CHUNK_TYPE",
    "STREAM_FINISH_LAST",
    "STREAM_FINISH_PRESENT",
    "STREAM_NONEMPTY",
    "STREAM_SAME_ID",
    "STREAM_SAME_MODEL",
    "STREAM_SAME_OBJECT",
    "STREAM_USAGE_LAST",
    "STREAM_USAGE_ONCE",
    "STREAM_USAGE_TOTAL",
    "StreamChecker",
    "check_embeddings",
    "stream_checker",
    "validate_value",
]
