"""The HTTP wing: the fuzzer's checks, the SDK judge's, and the kit tests that prove each is caught.

The checks themselves are the engine's (declared in ``llama_conformance.fuzz.ids``, one per
schemathesis failure code); this table only says what proves them. A per-operation defect is
proven by a deployment with that one defect (``fixtures/deployment/defects.py``,
``tests/test_fuzz_proofs.py``); use-after-free and resource availability need chained cases, on
a broken provider over HTTP.

There is no ``fuzz.headers``: no operation of the API packages' routers documents a response
header, so schemathesis' ``response_headers_conformance`` could never fail; the kit does not run
it and declares no check it could not prove.
"""

from __future__ import annotations

from llama_conformance.checks import Wing
from llama_conformance.fuzz import ids as fuzz
from llama_conformance.transport.checks import SDK_PARSES

_BROKEN_DEPLOYMENT = "tests/test_fuzz_proofs.py::test_fuzz_check_is_caught_by_a_broken_deployment"
_CHAINED = "tests/test_http_mode.py::test_chained_cases_catch_what_single_cases_cannot"
# ogx-client rejects what the package's schema takes: file objects with `bytes` as a float (files-bytes-as-float).
_SDK = "tests/test_sdk_judge.py::test_a_deployment_the_sdk_cannot_read_fails_only_the_sdk_check"

WING = Wing(api="http", checks=(), proofs=(), proven_elsewhere={
    fuzz.NOT_A_SERVER_ERROR.id: _BROKEN_DEPLOYMENT,  # a 500 (files-delete-fails)
    fuzz.STATUS_CODE.id: _BROKEN_DEPLOYMENT,  # a status its document does not list (files-upload-201)
    fuzz.CONTENT_TYPE.id: _BROKEN_DEPLOYMENT,  # JSON labelled text/plain (json-as-text)
    fuzz.RESPONSE_SCHEMA.id: _BROKEN_DEPLOYMENT,  # a required field missing (files-list-drops-data)
    fuzz.SSE_EVENT.id: _BROKEN_DEPLOYMENT,  # an event that is not JSON (sse-not-json)
    fuzz.NEGATIVE_DATA_REJECTION.id: _BROKEN_DEPLOYMENT,  # invalid query accepted (files-list-ignores-query)
    fuzz.POSITIVE_DATA_ACCEPTANCE.id: _BROKEN_DEPLOYMENT,  # valid query refused (files-list-refuses-query)
    fuzz.USE_AFTER_FREE.id: _CHAINED,  # a deleted file still readable (inline::broken-files-delete-keeps)
    fuzz.RESOURCE_AVAILABILITY.id: _CHAINED,  # an upload not readable (inline::broken-files-upload-not-stored)
    fuzz.IMPLEMENTED.id: _BROKEN_DEPLOYMENT,  # 501 (rerank-not-implemented)
    fuzz.ANSWER.id: _BROKEN_DEPLOYMENT,  # the connection dropped, no answer (files-content-resets)
    SDK_PARSES.id: _SDK,  # the official SDK as a second judge of every HTTP answer (transport.sdk_judge)
})
