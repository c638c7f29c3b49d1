"""Checks only an HTTP deployment can fail: framing, content types, error bodies, redirects."""

from __future__ import annotations

from llama_conformance.checks import CheckDef, Level, register

HTTP_CHECKS = (
    CheckDef("http.content-type", Level.MUST,
             "A JSON answer is served as application/json and a stream as text/event-stream"),
    CheckDef("http.sse.framing", Level.MUST,
             "Every server-sent event carries one JSON object in `data` (or the `[DONE]` sentinel)"),
    CheckDef("http.error.body", Level.MUST,
             "An error answer carries a JSON body of the error shape the API package declares"),
    CheckDef("http.redirect", Level.MUST,
             "An API route answers itself; it does not redirect (the kit never follows a redirect)"),
)

register(*HTTP_CHECKS)
