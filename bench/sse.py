"""An incremental SSE reader that stamps each event with the arrival time of its last byte."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

# SSE lines end with CRLF, LF or CR (https://html.spec.whatwg.org/multipage/server-sent-events.html).
_LINE_END = re.compile(rb"\r\n|\n|\r(?!$)")


@dataclass(frozen=True)
class SseEvent:
    """One dispatched event: its name, its data parsed as JSON (raw text if not JSON), when."""

    name: str
    data: Any
    at: float


@dataclass
class SseParser:
    """Feed bytes as they arrive; complete events come out with the time they completed."""

    _buffer: bytes = b""
    _name: str = ""
    _data: list[str] = field(default_factory=list)

    def feed(self, data: bytes, at: float) -> list[SseEvent]:
        """Parse what `data` completes; a line cut at the chunk's end waits for the next."""
        self._buffer += data
        events: list[SseEvent] = []
        start = 0
        for match in _LINE_END.finditer(self._buffer):
            line = self._buffer[start : match.start()].decode("utf-8")
            start = match.end()
            event = self._line(line, at)
            if event is not None:
                events.append(event)
        self._buffer = self._buffer[start:]
        return events

    def _line(self, line: str, at: float) -> SseEvent | None:
        if not line:
            if not self._data:
                self._name = ""
                return None
            raw = "\n".join(self._data)
            try:
                data = json.loads(raw)
            except ValueError:
                data = raw
            event = SseEvent(self._name or "message", data, at)
            self._name, self._data = "", []
            return event
        if line.startswith(":"):
            return None  # a comment (keepalive)
        key, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if key == "event":
            self._name = value
        elif key == "data":
            self._data.append(value)
        return None


def delta_text(events: list[SseEvent]) -> str:
    """The concatenated `delta` texts of a stream."""
    return "".join(e.data["text"] for e in events if e.name == "delta")
