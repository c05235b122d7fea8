"""Pure pieces: the NDJSON event reader, URLs and regions, and the summary line."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class StreamEvent:
    """One record of the stream (start, delta, reasoning, tool_use, done, error, keepalive)."""

    type: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The text of a delta or a reasoning piece ("" for anything else)."""
        value = self.data.get("text")
        return value if isinstance(value, str) else ""


class NdjsonReader:
    """Turns response bytes into events; only complete lines count, so a cut line is dropped."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> Iterator[StreamEvent]:
        """The events completed by ``data``."""
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            event = parse_line(line)
            if event is not None:
                yield event

    @property
    def leftover(self) -> int:
        """Bytes of an unfinished line (non-zero after a cut mid-record)."""
        return len(self._buffer)


def parse_line(line: bytes) -> StreamEvent | None:
    """One NDJSON record, or None for blank lines and anything that is not an event object."""
    line = line.strip()
    if not line:
        return None
    try:
        doc = json.loads(line)
    except ValueError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("type"), str):
        return None
    kind = doc.pop("type")
    return StreamEvent(kind, doc)


_LAMBDA_URL_HOST = re.compile(r"\.lambda-url\.([a-z0-9-]+)\.on\.aws$")


def region_of(url: str, fallback: str | None) -> str:
    """The region of a Function URL host (`<id>.lambda-url.<region>.on.aws`), else fallback."""
    match = _LAMBDA_URL_HOST.search(urlsplit(url).hostname or "")
    if match:
        return match.group(1)
    return fallback or "us-east-1"


def route_url(base: str, route: str) -> str:
    """The URL of ``route`` (`/chat`, `/models`) on a Function URL given with or without `/chat`."""
    parts = urlsplit(base.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {base!r}")
    path = parts.path.rstrip("/").removesuffix("/chat")
    return f"{parts.scheme}://{parts.netloc}{path}{route}"


def chat_url(base: str) -> str:
    """The `POST /chat` URL of a Function URL (given with or without `/chat`)."""
    return route_url(base, "/chat")


def error_text(data: dict[str, Any]) -> str:
    """`code: message` of an error object (docs/API.md §3 and §4)."""
    code = str(data.get("code") or "")
    message = str(data.get("message") or "")
    if code and message:
        return f"{code}: {message}"
    return code or message or "(no details)"


def summary(model: str | None, done: dict[str, Any], elapsed_s: float, resumes: int) -> str:
    """The stderr line after an answer: model, usage, TTFT, speed, stop reason."""
    usage = done.get("usage") or {}
    metrics = done.get("metrics") or {}
    bits = [model or "?"]
    if "input_tokens" in usage:
        bits.append(f"{usage['input_tokens']} in / {usage.get('output_tokens', '?')} out tokens")
    # Null when there was no text (no first token) or no token count (docs/API.md §3).
    if metrics.get("ttft_ms") is not None:
        bits.append(f"TTFT {metrics['ttft_ms']} ms")
    if metrics.get("output_tokens_per_s") is not None:
        bits.append(f"{metrics['output_tokens_per_s']} tok/s")
    bits.append(f"{elapsed_s:.2f} s")
    if done.get("stop_reason"):
        bits.append(f"stop: {done['stop_reason']}")
    if resumes:
        bits.append(f"resumed {resumes}x")
    return "[" + " · ".join(bits) + "]"
