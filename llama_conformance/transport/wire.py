"""What came over the wire for each value a remote call returned, and the remote error type.

Suites read parsed values (``page.data[0].id``); validation must judge the JSON the server
sent, not a model pydantic already coerced. ``WireLog`` maps each returned object to its
JSON for the duration of a test (bounded, so a long fuzz run does not grow without limit).
``RemoteError`` is what a non-2xx answer (or an SSE error event) raises: it carries the
status, so the error mapping judges it exactly as the server answered.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from llama_conformance.checks import Finding

_KEEP = 4096


class RemoteError(Exception):
    """A server's error answer: ``status_code`` is the HTTP status it sent."""

    def __init__(self, status_code: int, message: str, *, body: Any = None, route: str = "",
                 after_chunks: int | None = None) -> None:
        where = f" after {after_chunks} stream events" if after_chunks is not None else ""
        super().__init__(f"{route} answered {status_code}{where}: {message}")
        self.status_code = status_code
        self.body = body
        self.route = route


class WireLog:
    """Parsed object -> the JSON it was parsed from (identity-keyed, most recent kept)."""

    def __init__(self) -> None:
        self._by_id: OrderedDict[int, tuple[Any, Any]] = OrderedDict()
        self._notes: list[Finding] = []

    def note(self, item: Finding) -> None:
        """An HTTP-level finding of the current call, taken by the test that made it."""
        self._notes.append(item)

    def drain(self) -> list[Finding]:
        notes, self._notes = self._notes, []
        return notes

    def record(self, parsed: Any, raw: Any) -> Any:
        if parsed is not raw:
            self._by_id[id(parsed)] = (parsed, raw)  # holding ``parsed`` keeps its id unique
            while len(self._by_id) > _KEEP:
                self._by_id.popitem(last=False)
        return parsed

    def raw(self, value: Any) -> Any:
        """The wire JSON of ``value``, or ``value`` itself when it was never parsed."""
        entry = self._by_id.get(id(value))
        return entry[1] if entry is not None and entry[0] is value else value
