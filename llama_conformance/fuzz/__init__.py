"""Schemathesis over a repaired OpenAPI document: one bounded, on-target run per operation.

``load_schema`` configures schemathesis for a server (``base_url``) or an in-process ASGI
app; ``operation_labels`` lists what can run; ``run_operation`` fuzzes one operation with
the ``CHECKS`` (schemathesis' response, negative/positive-data and stateful checks, plus the
kit's ``sse_event_conformance``) and returns an ``OperationOutcome`` whose ``report()`` a
failing pytest item shows, each failure with a redacted ``curl`` to reproduce it.
"""

from __future__ import annotations

from llama_conformance.fuzz.checks import CHECKS, select_checks
from llama_conformance.fuzz.guard import GuardedSession, RequestBudget
from llama_conformance.fuzz.outcome import FuzzFailure, OperationOutcome
from llama_conformance.fuzz.run import run_operation
from llama_conformance.fuzz.schema import load_schema, operation_labels, schema_errors
from llama_conformance.fuzz.sse_check import judge_events, parse_events, sse_event_conformance

__all__ = [
    "CHECKS",
    "FuzzFailure",
    "GuardedSession",
    "OperationOutcome",
    "RequestBudget",
    "judge_events",
    "load_schema",
    "operation_labels",
    "parse_events",
    "run_operation",
    "schema_errors",
    "select_checks",
    "sse_event_conformance",
]
