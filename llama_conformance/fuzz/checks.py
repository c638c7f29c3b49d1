"""The checks the fuzzer runs on every answer, by name.

Schemathesis' own checks (``schemathesis.checks`` / ``specs.openapi.checks``, 4.32):

* ``not_a_server_error`` - no 5xx (a provider's unhandled exception shows up here);
* ``status_code_conformance`` - the status is one the operation documents;
* ``content_type_conformance`` - the ``Content-Type`` is one the operation documents;
* ``response_schema_conformance`` - the JSON body matches the documented schema. Streams are
  left to ``sse_event_conformance`` (one finding per defect, with event index and path),
  so this name runs schemathesis' check on every answer that is not an event stream;
* ``negative_data_rejection`` - a request the schema forbids is rejected with a 4xx;
* ``positive_data_acceptance`` - a request the schema allows is not rejected with a 4xx
  (400/401/403/404/409/422 by default are taken as rejection);
* ``use_after_free``, ``ensure_resource_availability`` - stateful checks: they judge a case
  against the cases that led to it (a DELETE before, a POST that created it), so they only
  find something when cases are chained (stateful runs); per-operation runs pass them;

and the kit's ``sse_event_conformance`` (``fuzz.sse_check``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.specs.openapi import checks as openapi_checks

from llama_conformance.fuzz.sse_check import is_event_stream, sse_event_conformance


def response_schema_conformance(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis' ``response_schema_conformance`` for every answer that is not an event stream."""
    content_type = response.headers.get("content-type") or response.headers.get("Content-Type")
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else None
    if is_event_stream(content_type):
        return None
    return openapi_checks.response_schema_conformance(ctx, response, case)


CHECKS: dict[str, CheckFunction] = {
    "not_a_server_error": not_a_server_error,
    "status_code_conformance": openapi_checks.status_code_conformance,
    "content_type_conformance": openapi_checks.content_type_conformance,
    "response_schema_conformance": response_schema_conformance,
    "negative_data_rejection": openapi_checks.negative_data_rejection,
    "positive_data_acceptance": openapi_checks.positive_data_acceptance,
    "use_after_free": openapi_checks.use_after_free,
    "ensure_resource_availability": openapi_checks.ensure_resource_availability,
    "sse_event_conformance": sse_event_conformance,
}


def select_checks(names: Iterable[str] | None = None) -> list[CheckFunction]:
    """The named checks (all of ``CHECKS`` by default), in ``CHECKS`` order; an unknown name is an error."""
    if names is None:
        return list(CHECKS.values())
    wanted = list(names)
    unknown = [name for name in wanted if name not in CHECKS]
    if unknown:
        raise ValueError(f"unknown fuzz check(s) {', '.join(unknown)}; known: {', '.join(CHECKS)}")
    return [check for name, check in CHECKS.items() if name in wanted]
