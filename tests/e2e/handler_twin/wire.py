"""Reading the function's streams as a client does: SSE by the WHATWG rules, NDJSON, logs."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from tests.e2e.conftest import Received

_LINE_END = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True)
class SseEvent:
    """One dispatched SSE event: its type, its data parsed as JSON, when its last byte came."""

    name: str
    data: Any
    at: float


@dataclass
class Sse:
    """A parsed SSE body: events in order, and the comments with the count of events before."""

    events: list[SseEvent] = field(default_factory=list)
    comments: list[tuple[int, str]] = field(default_factory=list)
    leftover: bytes = b""  # bytes after the last complete line (a cut stream)

    @property
    def names(self) -> list[str]:
        return [event.name for event in self.events]

    def text(self) -> str:
        """The concatenated `delta` texts."""
        return "".join(e.data["text"] for e in self.events if e.name == "delta")

    def first(self, name: str) -> SseEvent:
        return next(e for e in self.events if e.name == name)


def _arrival(received: Received, offset: int) -> float:
    """When the byte at ``offset`` of the body arrived."""
    seen = 0
    for at, data in received.chunks:
        seen += len(data)
        if offset < seen:
            return at
    return received.chunks[-1][0] if received.chunks else received.sent_at


def parse_sse(received: Received) -> Sse:
    """Parse the body as a browser's EventSource would (html.spec.whatwg.org, 9.2.6).

    Lines end with CRLF, LF or CR; `:` starts a comment; an event is dispatched at a blank
    line, so an event whose blank line never came is not one. Data must be JSON here.
    """
    body = received.body
    out = Sse()
    name, data_lines = "", list[str]()
    start = 0
    for match in _LINE_END.finditer(body):
        line = body[start : match.start()].decode("utf-8")  # strict: the stream is UTF-8
        if start == 0:
            line = line.removeprefix("\ufeff")
        start = match.end()
        if not line:
            if data_lines:
                at = _arrival(received, match.start())
                out.events.append(
                    SseEvent(name or "message", json.loads("\n".join(data_lines)), at)
                )
            name, data_lines = "", []
            continue
        if line.startswith(":"):
            out.comments.append((len(out.events), line[1:].removeprefix(" ")))
            continue
        key, colon, value = line.partition(":")
        if colon:
            value = value.removeprefix(" ")
        if key == "event":
            name = value
        elif key == "data":
            data_lines.append(value)
    out.leftover = body[start:]
    return out


def parse_ndjson(received: Received) -> list[dict[str, Any]]:
    """One JSON object per `\\n`-terminated line; a last line without its newline is an error."""
    text = received.body.decode("utf-8")
    assert text.endswith("\n"), f"NDJSON body does not end with a newline: {text[-80:]!r}"
    records = [json.loads(line) for line in text[:-1].split("\n")]
    assert all(isinstance(record, dict) for record in records)
    return records


def log_records(lines: list[str]) -> list[tuple[str, Any]]:
    """Each twin log line as (environment id, its JSON document or None)."""
    found: list[tuple[str, Any]] = []
    for line in lines:
        env, _, rest = line.partition("] ")
        try:
            doc = json.loads(rest)
        except ValueError:
            doc = None
        found.append((env.removeprefix("["), doc))
    return found


def log_docs(lines: list[str]) -> list[dict[str, Any]]:
    """The JSON objects among the twin's log lines (the function's own records), in order."""
    return [doc for _, doc in log_records(lines) if isinstance(doc, dict)]


def starts(lines: list[str]) -> list[tuple[str, str]]:
    """(environment id, request id) of each invocation's START line, in order."""
    found = []
    for line in lines:
        env, _, rest = line.partition("] START RequestId: ")
        if rest:
            found.append((env.removeprefix("["), rest.split()[0]))
    return found


def strings_in(doc: Any) -> list[str]:
    """Every string inside a JSON document, keys included."""
    if isinstance(doc, str):
        return [doc]
    if isinstance(doc, dict):
        return [s for k, v in doc.items() for s in (k, *strings_in(v))]
    if isinstance(doc, list):
        return [s for item in doc for s in strings_in(item)]
    return []
