"""Invariants of a Messages (Anthropic-style) event stream.

``message_start`` first and once; ``message_stop`` once and last; content blocks follow
their lifecycle: ``content_block_start`` opens an index not used before, deltas and the
``content_block_stop`` refer to an open block, and no block is open at ``message_stop``.
``ping`` may come anywhere before the end.
"""

from __future__ import annotations

from typing import Any

from llama_conformance.checks import Finding
from llama_conformance.validate.ids import MESSAGES_BLOCKS, MESSAGES_START_FIRST, MESSAGES_STOP_LAST
from llama_conformance.validate.stream_base import StreamChecker

START = "message_start"
STOP = "message_stop"


class MessagesStreamChecker(StreamChecker):
    kind = "messages"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stop_at: int | None = None
        self.started: set[Any] = set()
        self.open: set[Any] = set()
        self.error_event: tuple[int, Any] | None = None

    def _observe(self, data: Any, findings: list[Finding]) -> None:
        if not isinstance(data, dict):
            return
        kind = data.get("type")
        if self.count == 1 and kind != START:
            self._report(findings, MESSAGES_START_FIRST, f"the first event is {kind!r}, not {START!r}",
                         path=("type",), value=kind)
        elif self.count > 1 and kind == START:
            self._report(findings, MESSAGES_START_FIRST, f"{START!r} comes again", path=("type",), value=kind)
        if self.stop_at is not None:
            self._report(findings, MESSAGES_STOP_LAST, f"event {kind!r} follows {STOP!r} of chunk #{self.stop_at}",
                         path=("type",), value=kind)
        index = data.get("index")
        if kind == "content_block_start":
            if index in self.started:
                self._report(findings, MESSAGES_BLOCKS, f"content block {index!r} is started a second time",
                             path=("index",), value=index)
            self.started.add(index)
            self.open.add(index)
        elif kind in ("content_block_delta", "content_block_stop"):
            if index not in self.open:
                state = "already stopped" if index in self.started else "never started"
                self._report(findings, MESSAGES_BLOCKS, f"{kind} for content block {index!r}, which is {state}",
                             path=("index",), value=index)
            elif kind == "content_block_stop":
                self.open.discard(index)
        elif kind == STOP:
            if self.stop_at is None:
                self.stop_at = self.count
            if self.open:
                self._report(findings, MESSAGES_BLOCKS,
                             f"{STOP!r} arrives while content blocks {sorted(self.open, key=repr)} are open",
                             path=("type",), value=kind)
        elif kind == "error" and self.error_event is None:
            error = data.get("error")
            self.error_event = (self.count, error.get("message") if isinstance(error, dict) else error)

    def _conclude(self, findings: list[Finding]) -> None:
        if self.stop_at is None:
            detail = f"the stream ended without {STOP!r}"
            if self.error_event is not None:
                detail += f"; it sent an error event on chunk #{self.error_event[0]}: {self.error_event[1]!r}"
            self._report(findings, MESSAGES_STOP_LAST, detail, where="stream end")
            if self.open:
                self._report(findings, MESSAGES_BLOCKS,
                             f"content blocks {sorted(self.open, key=repr)} were never stopped", where="stream end")
