"""Checks only an HTTP deployment can fail: framing, content types, error bodies, redirects.

Each needs an HTTP answer (``Needs.HTTP``): in-process they are not applicable, never "not run".
Server-sent event framing applies only to the APIs that stream (``validate.ids.STREAMING_APIS``).
"""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, Needs, register
from llama_conformance.validate.ids import STREAMING_APIS

CONTENT_TYPE = CheckDef("http.content-type", Level.MUST,
                        "A JSON answer is served as application/json and a stream as text/event-stream",
                        needs=Needs.HTTP,
                        reference="the deployment's OpenAPI document: responses.*.content media types")
SSE_FRAMING = CheckDef("http.sse.framing", Level.MUST,
                       "Every server-sent event carries one JSON object in `data` (or the `[DONE]` sentinel)",
                       applies_to=STREAMING_APIS, needs=Needs.HTTP,
                       reference='text/event-stream responses: `data:` lines carrying the chunk JSON')
ERROR_BODY = CheckDef("http.error.body", Level.MUST,
                      "An error answer carries a JSON body of the error shape the API package declares",
                      needs=Needs.HTTP,
                      reference="the package's error response model (OpenAIErrorResponse) on 4xx / 5xx")
REDIRECT = CheckDef("http.redirect", Level.MUST,
                    "An API route answers itself; it does not redirect (the kit never follows a redirect)",
                    needs=Needs.HTTP,
                    reference="every route of the package's create_router")
HTTP_CHECKS: tuple[CheckDef, ...] = (CONTENT_TYPE, SSE_FRAMING, ERROR_BODY, REDIRECT)
# The official client SDK as a second judge (``transport.sdk_judge``): proven by a deployment of its own
# (``tests/test_sdk_judge.py``), so it stays out of HTTP_CHECKS, which the inference wing's HTTP proof covers.
SDK_PARSES = CheckDef("http.sdk-parses", Level.MUST,
                      "Every JSON answer and stream event parses with the official client SDK of the server's "
                      "contract (ogx-client for ogx-api) the way its own client parses it",
                      needs=Needs.HTTP,
                      reference="the SDK's generated method of the route: its 200 model (ApiClient.deserialize) "
                                "and its stream decoder (_create_event_stream)")

register(*HTTP_CHECKS, SDK_PARSES)
