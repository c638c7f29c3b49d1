"""The behavioural checks: stable ids, levels, the API and capability each belongs to.

Structural checks live in ``llama_conformance.checks``; validation checks (schema, round
trip, stream invariants) in ``llama_conformance.validate``. These are the checks the
behavioural suites make about what a call *does*.
"""

from __future__ import annotations

# The engine's checks are declared below every layer that judges them (``engine_checks``); these names stay.
from llama_conformance.engine_checks import (  # noqa: F401
    ANSWERED_ONCE,
    DECLARED_IMPLEMENTED,
    MUST,
    NO_CRASH,
    NO_HANG,
    REQUEST_UNCHANGED,
    RESOURCE_BOUND,
    SECRET_IN_ERROR,
    SHOULD,
    STREAM_COMPLETE,
    TYPED_ERROR,
    UNKNOWN_ID,
    VALID_REQUEST_ACCEPTED,
)
from llama_conformance.engine_checks import ENGINE_CHECKS as BEHAVIOUR_CHECKS  # noqa: F401  (registered there)
