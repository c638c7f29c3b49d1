"""Schemathesis over a repaired OpenAPI document: one bounded, on-target run per operation.

``load_schema`` configures schemathesis for a server (``base_url``) or an in-process ASGI
app; ``operation_labels`` lists what can run; ``run_operation`` fuzzes one operation with
the ``CHECKS`` (schemathesis' response, negative/positive-data and stateful checks, plus the
kit's ``sse_event_conformance``) and returns an ``OperationOutcome`` whose ``report()`` a
failing pytest item shows, each failure with a redacted ``curl`` to reproduce it.
"""

from __future__ import annotations

import importlib
from typing import Any

# Loaded on first use (PEP 562): ``fuzz.ids``, the fuzzer's check table, is read by the test plan
# (``llama-conformance list``, every kit run's catalogue), which must not pay for importing schemathesis.
_HOME = {
    "CHECKS": "checks", "select_checks": "checks",
    "GuardedSession": "guard", "RequestBudget": "guard",
    "FuzzFailure": "outcome", "OperationOutcome": "outcome",
    "run_operation": "run",
    "load_schema": "schema", "operation_labels": "schema", "schema_errors": "schema",
    "judge_events": "sse_check", "parse_events": "sse_check", "sse_event_conformance": "sse_check",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)


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
