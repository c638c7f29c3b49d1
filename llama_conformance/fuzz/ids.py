"""The fuzzer's check ids: what each schemathesis failure code means in the kit's test plan.

Schemathesis names failures by code (``ST101`` ...); reports, baselines and the published
test plan speak of the kit's stable ids, so each code maps to one id here. This module does
not import schemathesis: ``llama-conformance list`` prints the plan without loading it.
"""

from __future__ import annotations

from llama_conformance.checks import CHECKS, CheckDef, Level, Needs, register
from llama_conformance.engine_checks import NO_HANG, RESOURCE_BOUND
from llama_conformance.validate.ids import STREAMING_APIS

_DOC = "the deployment's OpenAPI document (repaired from the API package)"

# The fuzzer sends HTTP requests: in-process (without --llama-over-http) its checks are not applicable.
_HTTP = Needs.HTTP
NOT_A_SERVER_ERROR = CheckDef("fuzz.not-a-server-error", Level.MUST, "No request, valid or not, gets a 5xx answer",
                              reference=_DOC + ": every operation", needs=_HTTP)
STATUS_CODE = CheckDef("fuzz.status-code", Level.MUST, "Every answer's status code is one the operation documents",
                       reference=_DOC + ": paths.*.*.responses", needs=_HTTP)
CONTENT_TYPE = CheckDef("fuzz.content-type", Level.MUST, "Every answer's Content-Type is one the operation documents",
                        reference=_DOC + ": responses.*.content", needs=_HTTP)
RESPONSE_SCHEMA = CheckDef("fuzz.response-schema", Level.MUST, "Every JSON answer matches the documented schema",
                           reference=_DOC + ": responses.*.content.application/json.schema", needs=_HTTP)
SSE_EVENT = CheckDef("fuzz.sse-event", Level.MUST,
                     "Every server-sent event's data matches the chunk schema of the operation",
                     reference=_DOC + ": text/event-stream responses (chunk schema from the API package)",
                     applies_to=STREAMING_APIS, needs=_HTTP)
NEGATIVE_DATA_REJECTION = CheckDef("fuzz.negative-data-rejection", Level.MUST,
                                   "A request the schema forbids is rejected with a 4xx",
                                   reference=_DOC + ": requestBody and parameters schemas", needs=_HTTP)
POSITIVE_DATA_ACCEPTANCE = CheckDef("fuzz.positive-data-acceptance", Level.SHOULD,
                                    "A request the schema allows is not rejected as malformed (semantic validation "
                                    "may refuse it)", reference=_DOC + ": requestBody and parameters schemas",
                                    needs=_HTTP)
USE_AFTER_FREE = CheckDef("fuzz.use-after-free", Level.MUST,
                          "A deleted resource is gone for the operations that read it",
                          reference=_DOC + ": links between operations", needs=_HTTP)
RESOURCE_AVAILABILITY = CheckDef("fuzz.resource-availability", Level.MUST,
                                 "A created resource is available to the operations that read it",
                                 reference=_DOC + ": links between operations", needs=_HTTP)
IMPLEMENTED = CheckDef("fuzz.implemented", Level.SHOULD,
                       "Every published operation is implemented: 501 (NotImplementedError) only where the API is "
                       "optional", reference=_DOC + ": every operation; the server maps NotImplementedError to 501",
                       needs=_HTTP)
ANSWER = CheckDef("fuzz.answer", Level.MUST, "Every request gets an HTTP answer in time (no reset, no hang)",
                  reference=_DOC + ": every operation; --llama-timeout", needs=_HTTP)
FUZZ_CHECKS: tuple[CheckDef, ...] = (
    NOT_A_SERVER_ERROR, STATUS_CODE, CONTENT_TYPE, RESPONSE_SCHEMA, SSE_EVENT, NEGATIVE_DATA_REJECTION,
    POSITIVE_DATA_ACCEPTANCE, USE_AFTER_FREE, RESOURCE_AVAILABILITY, IMPLEMENTED, ANSWER,
)
register(*FUZZ_CHECKS)

# schemathesis 4.x failure codes (schemathesis.core.failures, specs.openapi.checks) and the kit's own
CODE_TO_CHECK: dict[str, CheckDef] = {
    "ST101": NOT_A_SERVER_ERROR, "ST102": NOT_A_SERVER_ERROR,
    "ST103": STATUS_CODE,
    "ST104": CONTENT_TYPE, "ST105": CONTENT_TYPE, "ST106": CONTENT_TYPE,
    # ST107 (a documented response header missing) has no check: no operation of either API package documents
    # a response header, so schemathesis' response_headers_conformance is not run (fuzz.checks.CHECKS).
    "ST108": RESPONSE_SCHEMA, "ST109": RESPONSE_SCHEMA, "ST110": RESPONSE_SCHEMA, "ST111": RESPONSE_SCHEMA,
    "ST112": ANSWER, "LC-NET": ANSWER,
    "ST201": NEGATIVE_DATA_REJECTION, "ST202": POSITIVE_DATA_ACCEPTANCE,
    "ST301": USE_AFTER_FREE, "ST302": RESOURCE_AVAILABILITY,
    "LC-SSE": SSE_EVENT, "LC-501": IMPLEMENTED,
    # a 5xx, timeout or reset on an absurd size (fuzz.checks.UnboundedSize): one defect, one id
    "LC-SIZE": RESOURCE_BOUND,
    "LC-HANG": NO_HANG,  # the kit's own 504 at the per-request deadline (isolation.asgi_deadline)
    # an answer the kit cut at its limits: too large, or never ending (fuzz.bounded.AnswerCut)
    "LC-CUT": RESOURCE_BOUND,
}
FUZZ_CHECK_IDS: tuple[str, ...] = tuple(check.id for check in FUZZ_CHECKS)


def check_for_code(code: str) -> CheckDef:
    """The kit's check for a failure code; an unknown code (a newer schemathesis) is a server-error-class MUST."""
    return CHECKS[CODE_TO_CHECK.get(code, NOT_A_SERVER_ERROR).id]
