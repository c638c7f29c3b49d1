"""Which checks a behavioural test judges besides its own: the families every call is held to.

A suite marks each test with ``@pytest.mark.checks(own_id, *ANSWER)`` and the like, so the
report knows which checks a passing test passed. HTTP-only checks are listed too; a run
in-process drops them from the record (no HTTP answer was judged).
"""

from __future__ import annotations

from llama_conformance.checks import Needs
from llama_conformance.engine_checks import (
    DECLARED_IMPLEMENTED,
    NO_CRASH,
    NO_HANG,
    REQUEST_UNCHANGED,
    TYPED_ERROR,
    UNKNOWN_ID,
    VALID_REQUEST_ACCEPTED,
)
from llama_conformance.transport.checks import CONTENT_TYPE, ERROR_BODY, HTTP_CHECKS, REDIRECT, SDK_PARSES, SSE_FRAMING
from llama_conformance.validate import ids

HTTP_ANSWER = (CONTENT_TYPE, ERROR_BODY, REDIRECT, SDK_PARSES)
HTTP_ONLY = frozenset(check.id for check in (*HTTP_CHECKS, SDK_PARSES) if check.needs is Needs.HTTP)

# How any call ends: within the deadline, in the process that made it (``llama_conformance.isolation``).
ENDS = (NO_HANG, NO_CRASH)
# Any call that gets an answer: it ends, the declared type, its schema, a clean round trip.
ANSWER = (*ENDS, ids.RESPONSE_TYPE, ids.RESPONSE_SCHEMA, ids.RESPONSE_ROUNDTRIP, *HTTP_ANSWER)
# Any streamed answer: every chunk, and the invariants of chat / completion streams.
STREAM = (*ENDS, ids.STREAM_CHUNK_TYPE, ids.STREAM_CHUNK_SCHEMA, ids.STREAM_CHUNK_ROUNDTRIP,
          ids.STREAM_NONEMPTY, ids.STREAM_SAME_ID, ids.STREAM_SAME_OBJECT, ids.STREAM_SAME_MODEL,
          ids.STREAM_FINISH_LAST, ids.STREAM_FINISH_PRESENT, SSE_FRAMING, *HTTP_ANSWER)
STREAM_USAGE = (ids.STREAM_USAGE_ONCE, ids.STREAM_USAGE_LAST, ids.STREAM_USAGE_TOTAL)
# Drawn requests: answered validly or rejected with a typed error, never mutated.
FUZZED = (TYPED_ERROR, REQUEST_UNCHANGED, VALID_REQUEST_ACCEPTED)
# An embeddings answer's semantics.
EMBEDDINGS = (ids.EMBEDDINGS_COUNT, ids.EMBEDDINGS_INDEX, ids.EMBEDDINGS_SAME_LENGTH, ids.EMBEDDINGS_FINITE,
              ids.EMBEDDINGS_ENCODING, ids.EMBEDDINGS_USAGE)
# A test of an optional capability: declaring it makes NotImplementedError a failure.
CAPABILITY = (DECLARED_IMPLEMENTED,)
# Unknown ids must be refused with a client error.
NEGATIVE = (*ENDS, UNKNOWN_ID, TYPED_ERROR, ERROR_BODY)
