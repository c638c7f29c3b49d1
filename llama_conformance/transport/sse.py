"""An incremental ``text/event-stream`` parser (the WHATWG event-stream rules).

Bytes are fed as they arrive and complete events come out at once, so a stream is judged
chunk by chunk and a server that stalls mid-stream is caught by the per-stream deadline
rather than after it ends. Handles CRLF / CR / LF line ends, multi-line ``data``,
comments (``:keep-alive``), ``event`` / ``id`` / ``retry`` fields, a missing final blank
line at end of stream, and the OpenAI ``data: [DONE]`` sentinel (``SseEvent.done``).
"""

from __future__ import annotations

from dataclasses import dataclass

DONE_SENTINEL = "[DONE]"


@dataclass(frozen=True)
class SseEvent:
    data: str
    event: str = "message"
    id: str | None = None
    index: int = 0

    @property
    def done(self) -> bool:
        return self.data.strip() == DONE_SENTINEL


class SseParser:
    """Feed bytes, get the events they complete."""

    def __init__(self) -> None:
        self._buffer = ""
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None
        self._count = 0
        self._pending_cr = False

    def feed(self, chunk: bytes | str) -> list[SseEvent]:
        text = chunk.decode("utf-8", errors="replace") if isinstance(chunk, bytes | bytearray) else chunk
        if self._pending_cr and text.startswith("\n"):
            text = text[1:]  # the LF of a CRLF split across two reads
        self._pending_cr = text.endswith("\r")
        self._buffer += text
        events: list[SseEvent] = []
        lines = self._buffer.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self._buffer = lines.pop()  # an incomplete last line waits for more bytes
        for line in lines:
            event = self._line(line)
            if event is not None:
                events.append(event)
        return events

    def close(self) -> list[SseEvent]:
        """End of stream: a final event without its blank line still counts."""
        events = self.feed("\n") if self._buffer else []
        if self._data:
            event = self._dispatch()
            if event is not None:
                events.append(event)
        return events

    def _line(self, line: str) -> SseEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        return None

    def _dispatch(self) -> SseEvent | None:
        if not self._data:
            self._event = ""
            return None
        event = SseEvent(data="\n".join(self._data), event=self._event or "message", id=self._id, index=self._count)
        self._count += 1
        self._data, self._event = [], ""
        return event
