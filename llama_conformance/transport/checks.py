"""Checks only an HTTP deployment can fail: framing, content types, error bodies, redirects.

Each needs an HTTP answer (``Needs.HTTP``): in-process they are not applicable, never "not run".
Server-sent event framing applies only to the APIs that stream (``validate.ids.STREAMING_APIS``).
"""

from __future__ import annotations

from dataclasses import replace

from llama_conformance.checks import CheckDef, Level, Needs, register
from llama_conformance.validate.ids import STREAMING_APIS

HTTP_CHECKS: tuple[CheckDef, ...] = (
    CheckDef("http.content-type", Level.MUST,
             "A JSON answer is served as application/json and a stream as text/event-stream"),
    CheckDef("http.sse.framing", Level.MUST,
             "Every server-sent event carries one JSON object in `data` (or the `[DONE]` sentinel)",
             applies_to=STREAMING_APIS),
    CheckDef("http.error.body", Level.MUST,
             "An error answer carries a JSON body of the error shape the API package declares"),
    CheckDef("http.redirect", Level.MUST,
             "An API route answers itself; it does not redirect (the kit never follows a redirect)"),
)
HTTP_CHECKS = tuple(replace(check, needs=Needs.HTTP) for check in HTTP_CHECKS)

register(*HTTP_CHECKS)
