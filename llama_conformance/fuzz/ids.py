"""The fuzzer's check ids: what each schemathesis failure code means in the kit's test plan.

Schemathesis names failures by code (``ST101`` ...); reports, baselines and the published
test plan speak of the kit's stable ids, so each code maps to one id here. This module does
not import schemathesis: ``llama-conformance list`` prints the plan without loading it.
"""

from __future__ import annotations

from dataclasses import replace

from llama_conformance.behaviour import plan as _plan  # noqa: F401  (registers call.resource-bound)
from llama_conformance.checks import CHECKS, CheckDef, Level, Needs, register
from llama_conformance.validate.ids import STREAMING_APIS

_DOC = "the deployment's OpenAPI document (repaired from the API package)"

FUZZ_CHECKS: tuple[CheckDef, ...] = (
    CheckDef("fuzz.not-a-server-error", Level.MUST, "No request, valid or not, gets a 5xx answer",
             reference=_DOC + ": every operation"),
    CheckDef("fuzz.status-code", Level.MUST, "Every answer's status code is one the operation documents",
             reference=_DOC + ": paths.*.*.responses"),
    CheckDef("fuzz.content-type", Level.MUST, "Every answer's Content-Type is one the operation documents",
             reference=_DOC + ": responses.*.content"),
    CheckDef("fuzz.headers", Level.MUST, "Every answer carries the headers the operation documents",
             reference=_DOC + ": responses.*.headers"),
    CheckDef("fuzz.response-schema", Level.MUST, "Every JSON answer matches the documented schema",
             reference=_DOC + ": responses.*.content.application/json.schema"),
    CheckDef("fuzz.sse-event", Level.MUST,
             "Every server-sent event's data matches the chunk schema of the operation",
             reference=_DOC + ": text/event-stream responses (chunk schema from the API package)",
             applies_to=STREAMING_APIS),
    CheckDef("fuzz.negative-data-rejection", Level.MUST, "A request the schema forbids is rejected with a 4xx",
             reference=_DOC + ": requestBody and parameters schemas"),
    CheckDef("fuzz.positive-data-acceptance", Level.SHOULD,
             "A request the schema allows is not rejected as malformed (semantic validation may refuse it)",
             reference=_DOC + ": requestBody and parameters schemas"),
    CheckDef("fuzz.use-after-free", Level.MUST, "A deleted resource is gone for the operations that read it",
             reference=_DOC + ": links between operations"),
    CheckDef("fuzz.resource-availability", Level.MUST, "A created resource is available to the operations that read it",
             reference=_DOC + ": links between operations"),
    CheckDef("fuzz.implemented", Level.SHOULD,
             "Every published operation is implemented: 501 (NotImplementedError) only where the API is optional",
             reference=_DOC + ": every operation; the server maps NotImplementedError to 501"),
    CheckDef("fuzz.answer", Level.MUST, "Every request gets an HTTP answer in time (no reset, no hang)",
             reference=_DOC + ": every operation; --llama-timeout"),
)
# The fuzzer sends HTTP requests: in-process (without --llama-over-http) its checks are not applicable.
FUZZ_CHECKS = tuple(replace(check, needs=Needs.HTTP) for check in FUZZ_CHECKS)
register(*FUZZ_CHECKS)

# schemathesis 4.x failure codes (schemathesis.core.failures, specs.openapi.checks) and the kit's own
CODE_TO_CHECK: dict[str, str] = {
    "ST101": "fuzz.not-a-server-error", "ST102": "fuzz.not-a-server-error",
    "ST103": "fuzz.status-code",
    "ST104": "fuzz.content-type", "ST105": "fuzz.content-type", "ST106": "fuzz.content-type",
    "ST107": "fuzz.headers",
    "ST108": "fuzz.response-schema", "ST109": "fuzz.response-schema", "ST110": "fuzz.response-schema",
    "ST111": "fuzz.response-schema",
    "ST112": "fuzz.answer", "LC-NET": "fuzz.answer",
    "ST201": "fuzz.negative-data-rejection", "ST202": "fuzz.positive-data-acceptance",
    "ST301": "fuzz.use-after-free", "ST302": "fuzz.resource-availability",
    "LC-SSE": "fuzz.sse-event", "LC-501": "fuzz.implemented",
    # a 5xx, timeout or reset on an absurd size (fuzz.checks.UnboundedSize): one defect, one id
    "LC-SIZE": "call.resource-bound",
    "LC-HANG": "call.no-hang",  # the kit's own 504 at the per-request deadline (isolation.asgi_deadline)
    # an answer the kit cut at its limits: too large, or never ending (fuzz.bounded.AnswerCut)
    "LC-CUT": "call.resource-bound",
}
FUZZ_CHECK_IDS: tuple[str, ...] = tuple(check.id for check in FUZZ_CHECKS)


def check_for_code(code: str) -> CheckDef:
    """The kit's check for a failure code; an unknown code (a newer schemathesis) is a server-error-class MUST."""
    return CHECKS[CODE_TO_CHECK.get(code, "fuzz.not-a-server-error")]
