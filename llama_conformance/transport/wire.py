"""What one remote call brought back over the wire, and the remote error types.

Suites read parsed values (``page.data[0].id``); validation must judge the JSON the server
sent, not a model pydantic already coerced. So a remote call's answer is a ``WireAnswer``:
the value the member returns, the JSON it was parsed from (for a stream, each event's JSON,
filled as the stream is read) and the HTTP findings of that call (framing, content type, error
body, a cut). The kit's call (``behaviour.invoke``) puts all three in the call's ``Outcome``, so
a finding belongs to the call that made it and nothing is left over for the next one.

``RemoteError`` is what a non-2xx answer (or an SSE error event) raises: it carries the
status, so the error mapping judges it exactly as the server answered. It and ``ResponseCut``
are ``WireFailure``s: they carry the findings the call made before it failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llama_conformance.checks import Finding

# On the kit's own 504 (``isolation.asgi_deadline``): the deadline that ran out, in seconds.
DEADLINE_HEADER = "x-llama-conformance-deadline"


class WireFailure(Exception):
    """A remote call that ended without a value; ``findings``: the HTTP findings it made first."""

    findings: list[Finding]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.findings = []


class RemoteError(WireFailure):
    """A server's error answer: ``status_code`` is the HTTP status it sent."""

    def __init__(self, status_code: int, message: str, *, body: Any = None, route: str = "",
                 after_chunks: int | None = None, kit_deadline: str | None = None) -> None:
        where = f" after {after_chunks} stream events" if after_chunks is not None else ""
        super().__init__(f"{route} answered {status_code}{where}: {message}")
        self.status_code = status_code
        self.body = body
        self.route = route
        # The kit's own 504 (``isolation.asgi_deadline``): the seconds of the deadline that ran out. The
        # provider did not answer in time; the server the kit runs said so before the client's gate did.
        self.kit_deadline = kit_deadline


@dataclass
class WireAnswer:
    """One remote call's answer: ``value`` (what the member returns: a parsed model, the JSON itself
    when it fits no model, or an async iterator of chunks), ``raw`` (the JSON ``value`` came from;
    for a stream the list of each event's JSON, in step with the chunks yielded) and ``findings``
    (this call's HTTP findings, a stream's added while it is read)."""

    value: Any = None
    raw: Any = None
    findings: list[Finding] = field(default_factory=list)

    def note(self, item: Finding) -> None:
        self.findings.append(item)

    def failed(self, exc: WireFailure) -> WireFailure:
        """``exc`` carrying this call's findings (the same list: a stream's later ones included)."""
        exc.findings = self.findings
        return exc
