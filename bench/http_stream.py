"""A streaming HTTP client for the benchmarks: one POST, the SSE events stamped on arrival."""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bench.sse import SseEvent, SseParser


@dataclass
class StreamRead:
    """What one client saw: status, when it sent, each event with its arrival time."""

    status: int = 0
    sent_at: float = 0.0
    events: list[SseEvent] = field(default_factory=list)
    complete: bool = False
    error: str = ""

    def first(self, name: str) -> SseEvent | None:
        """The first event of that name."""
        return next((e for e in self.events if e.name == name), None)

    @property
    def deltas(self) -> list[SseEvent]:
        """The `delta` events in order."""
        return [e for e in self.events if e.name == "delta"]


def post_sse(base_url: str, path: str, body: dict[str, Any], timeout: float = 60.0) -> StreamRead:
    """POST JSON and read the SSE answer as it arrives (a new connection, as curl would)."""
    parts = urlsplit(base_url)
    result = StreamRead()
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    parser = SseParser()
    try:
        conn.connect()
        result.sent_at = time.monotonic()
        conn.request("POST", path, body=raw, headers=headers)
        response = conn.getresponse()
        result.status = response.status
        while data := response.read1(65536):
            result.events += parser.feed(data, time.monotonic())
        result.complete = True
    except (OSError, http.client.HTTPException, UnicodeDecodeError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()
    return result
