"""How much of an answer the kit reads before it stops: the bounds of its own footprint.

The kit talks to deployments it does not control. Whatever one answers - a 200 MB JSON
body, an event stream that never ends, a 200 MB OpenAPI document - the kit's process must
stay small (well under ~1.5 GB RSS) and its run must end. So every body is read
incrementally and against these bounds; past one, the connection is closed, what was
read is dropped, and the cut is reported as a ``call.resource-bound`` finding naming the
route, what was cut and the request. ``Limits`` is the one place the numbers live; the
HTTP client (``TargetOptions.limits``), the fuzzer (``GuardedSession``, ``served_like``) and
the OpenAPI fetch all take theirs from ``DEFAULT_LIMITS`` unless given others.

A stream's wall time is bounded by the per-call deadline (``--llama-timeout``): a stream
still sending at ``stream_time_share`` of it is cut by the transport, so the finding says
what happened (it kept sending) instead of the gate's bare "did not return".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from llama_conformance.checks import Finding
from llama_conformance.transport.wire import WireFailure

MiB = 1024 * 1024
_SHOWN_REQUEST = 300  # characters of the request a finding quotes


@dataclass(frozen=True)
class Limits:
    """The most the kit reads of one answer; every number is a ceiling, not a target."""

    body_bytes: int = 32 * MiB
    stream_events: int = 100_000
    stream_bytes: int = 32 * MiB
    document_bytes: int = 16 * MiB
    # Of the per-call deadline: a stream still sending past it is cut (see the module docstring).
    stream_time_share: float = 0.9

    def stream_time_s(self, deadline_s: float) -> float:
        """Seconds a stream may run under a per-call deadline of ``deadline_s``."""
        return max(deadline_s * self.stream_time_share, 0.1)


DEFAULT_LIMITS = Limits()
# Requests one run may send (``--llama-max-requests``). Here, not beside the client that enforces it, so
# the plugin can show the default without importing httpx when the run makes no request.
DEFAULT_MAX_REQUESTS = 20_000


def size(n: int) -> str:
    """``33554432`` -> ``32 MiB``: how a bound is named in a message."""
    return f"{n / MiB:g} MiB" if n >= MiB else f"{n} bytes"


def body_over(limits: Limits) -> str:
    return f"body over {size(limits.body_bytes)}"


def stream_over_bytes(limits: Limits) -> str:
    return f"stream over {size(limits.stream_bytes)}"


def stream_over_events(limits: Limits) -> str:
    return f"stream over {limits.stream_events} events"


def stream_past(seconds: float, kind: str = "stream") -> str:
    return f"{kind} still sending after {seconds:g} s"


def shown_request(body: Any) -> str:
    """The request as a finding quotes it: JSON, cut to a few hundred characters."""
    if body is None:
        return "(no body)"
    if isinstance(body, bytes | bytearray):
        text = bytes(body[:_SHOWN_REQUEST * 2]).decode("utf-8", errors="replace")
    elif isinstance(body, str):
        text = body
    else:
        try:
            text = json.dumps(body, default=str)
        except (TypeError, ValueError):
            text = repr(body)
    return text if len(text) <= _SHOWN_REQUEST else text[:_SHOWN_REQUEST] + f"... ({len(text)} characters)"


def cut_message(label: str, what: str, request: str) -> str:
    """The finding's text: the route, what was cut, the request, and who must act."""
    return (f"{label} answered with a {what}: the kit stopped reading there and closed the connection, so its "
            f"own memory stays bounded. Request: {request}. A deployment must refuse absurd sizes with a 4xx "
            "or answer within the deadline and a bounded size; check what the provider does with this request.")


def cut_finding(label: str, what: str, request: str) -> Finding:
    """A ``call.resource-bound`` finding for an answer the kit cut."""
    from llama_conformance import engine_checks as _plan  # declares call.resource-bound
    from llama_conformance.checks import finding

    return finding(_plan.RESOURCE_BOUND, cut_message(label, what, request))


class ResponseCut(WireFailure):
    """The kit cut an answer at a bound; the call ends here (its finding travels in ``findings``)."""

    def __init__(self, label: str, what: str) -> None:
        super().__init__(f"{label}: the kit cut the answer ({what})")
        self.label = label
        self.what = what


class EventCounter:
    """Counts server-sent events by their blank-line ends as bytes arrive (CRLF, CR or LF).

    A bound only needs a count, not the events: cheap and independent of chunking, with the
    last byte of the previous chunk carried over so an end split across two reads counts once.
    """

    def __init__(self) -> None:
        self.events = 0
        self._after_newline = False  # the previous chunk ended a line (a blank line may follow)
        self._pending_cr = False  # ... with a CR, whose LF may start this chunk

    def feed(self, chunk: bytes) -> int:
        if not chunk:
            return self.events
        if self._pending_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]  # the LF of a CRLF split across two reads
        self._pending_cr = chunk.endswith(b"\r")
        text = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if not text:
            return self.events
        if self._after_newline:
            text = b"\n" + text
        self.events += text.count(b"\n\n")  # an event ends at an empty line: two line ends in a row
        self._after_newline = text.endswith(b"\n") and not text.endswith(b"\n\n")
        return self.events
