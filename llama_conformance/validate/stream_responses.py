"""Invariants of a Responses event stream (``OpenAIResponseObjectStream`` events).

The lifecycle the OpenAI Responses streaming protocol defines and the contract mirrors:
``response.created`` first and once; ``sequence_number`` strictly increasing; exactly one
terminal event (``response.completed``, ``response.failed`` or ``response.incomplete``) and
nothing after it; every event that carries the response object carries one response id,
and the terminal event's ``response.status`` says the same as its type.
"""

from __future__ import annotations

from typing import Any

from llama_conformance.checks import Finding
from llama_conformance.validate.ids import (
    RESPONSES_CREATED_FIRST,
    RESPONSES_SAME_ID,
    RESPONSES_SEQUENCE,
    RESPONSES_TERMINAL_LAST,
    RESPONSES_TERMINAL_ONCE,
    RESPONSES_TERMINAL_STATUS,
)
from llama_conformance.validate.stream_base import StreamChecker

CREATED = "response.created"
# terminal event type -> the response.status it announces
TERMINAL = {"response.completed": "completed", "response.failed": "failed", "response.incomplete": "incomplete"}


class ResponsesStreamChecker(StreamChecker):
    kind = "responses"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_sequence: int | None = None
        self.terminal: tuple[int, str] | None = None
        self.terminal_count = 0
        self.response_id: Any = None
        self.error_event: tuple[int, Any] | None = None

    def _observe(self, data: Any, findings: list[Finding]) -> None:
        if not isinstance(data, dict):
            return
        kind = data.get("type")
        if self.count == 1 and kind != CREATED:
            self._report(findings, RESPONSES_CREATED_FIRST, f"the first event is {kind!r}, not {CREATED!r}",
                         path=("type",), value=kind)
        elif self.count > 1 and kind == CREATED:
            self._report(findings, RESPONSES_CREATED_FIRST, f"{CREATED!r} comes again", path=("type",), value=kind)
        self._sequence(data.get("sequence_number"), findings)
        if self.terminal is not None:
            at, name = self.terminal
            self._report(findings, RESPONSES_TERMINAL_LAST,
                         f"event {kind!r} follows the terminal {name!r} of chunk #{at}", path=("type",), value=kind)
        response = data.get("response")
        if isinstance(response, dict):
            self._same_response(response.get("id"), findings)
        if kind in TERMINAL:
            self._terminal(kind, response, findings)
        elif kind == "error" and self.error_event is None:
            self.error_event = (self.count, data.get("message"))

    def _sequence(self, number: Any, findings: list[Finding]) -> None:
        if not isinstance(number, int):
            return  # the schema check reports a missing or mistyped sequence_number
        if self.last_sequence is not None and number <= self.last_sequence:
            self._report(findings, RESPONSES_SEQUENCE,
                         f"sequence_number {number} does not exceed the previous event's {self.last_sequence}",
                         path=("sequence_number",), value=number)
        self.last_sequence = number

    def _same_response(self, response_id: Any, findings: list[Finding]) -> None:
        if self.response_id is None:
            self.response_id = response_id
        elif response_id != self.response_id:
            self._report(findings, RESPONSES_SAME_ID, f"response.id differs from the first one, {self.response_id!r}",
                         path=("response", "id"), value=response_id)

    def _terminal(self, kind: str, response: Any, findings: list[Finding]) -> None:
        self.terminal_count += 1
        if self.terminal_count == 2 and self.terminal is not None:
            at, name = self.terminal
            self._report(findings, RESPONSES_TERMINAL_ONCE,
                         f"a second terminal event {kind!r} (the first was {name!r} on chunk #{at})",
                         path=("type",), value=kind)
        if self.terminal is None:
            self.terminal = (self.count, kind)
        status = response.get("status") if isinstance(response, dict) else None
        if status != TERMINAL[kind]:
            self._report(findings, RESPONSES_TERMINAL_STATUS,
                         f"the {kind!r} event carries response.status {status!r}, not {TERMINAL[kind]!r}",
                         path=("response", "status"), value=status)

    def _conclude(self, findings: list[Finding]) -> None:
        if self.terminal_count == 0:
            detail = "the stream ended without a terminal event (response.completed, .failed or .incomplete)"
            if self.error_event is not None:
                detail += f"; it sent an error event on chunk #{self.error_event[0]}: {self.error_event[1]!r}"
            self._report(findings, RESPONSES_TERMINAL_ONCE, detail, where="stream end")
