"""Wire encoders (SSE, NDJSON, text): unified events to bytes, chosen from a registry."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from bedrock_stream.events import (
    Delta,
    Done,
    Error,
    Event,
    Reasoning,
    Start,
    ToolUse,
    delta_payload,
    done_payload,
    error_payload,
    reasoning_payload,
    start_payload,
    tool_use_payload,
)

WireFormat = Literal["sse", "ndjson", "text"]
DEFAULT_FORMAT: Final[WireFormat] = "sse"

# Event type -> (wire name, payload builder); shared by every structured format.
_PAYLOADS: Final[dict[type, tuple[str, Callable[..., Mapping[str, object]]]]] = {
    Start: ("start", start_payload),
    Delta: ("delta", delta_payload),
    Done: ("done", done_payload),
    Error: ("error", error_payload),
    Reasoning: ("reasoning", reasoning_payload),
    ToolUse: ("tool_use", tool_use_payload),
}
# Events beside the answer's text (docs/API.md §12.2): they leave held-back text where it is.
_BESIDE_TEXT: Final = (Reasoning, ToolUse)


# Line breaks that JSON leaves raw but that some line splitters (Python's str.splitlines,
# older JavaScript) honour; escaped so one record always stays one line.
_RAW_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def escape_raw_breaks(text: str) -> str:
    """JSON text with the line breaks JSON leaves raw escaped (the scan is cheaper than
    translate, and almost no text has one)."""
    if "\x85" in text or "\u2028" in text or "\u2029" in text:
        return text.translate(_RAW_BREAKS)
    return text


def _json(obj: object) -> str:
    # ensure_ascii=False keeps text readable on the wire; JSON still escapes \n and \r, so an
    # answer can never break SSE or NDJSON framing.
    text = escape_raw_breaks(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
    # Reasoning text and tool input are not passed through SurrogateCarry: a lone surrogate
    # there (which UTF-8 cannot encode) becomes U+FFFD here.
    return _well_formed(text)


class Encoder(Protocol):
    """Turns the events of one response into bytes; one instance per response."""

    @property
    def content_type(self) -> str: ...

    @property
    def keepalive(self) -> bytes | None:
        """The record to send after silence now, or None if the format has none (yet)."""

    def encode(self, event: Event) -> bytes: ...


class SurrogateCarry:
    """Holds back a trailing UTF-16 high surrogate so a pair split over two deltas is rejoined."""

    def __init__(self) -> None:
        self._pending = ""

    def text(self, text: str) -> str:
        text = self._pending + text
        self._pending = ""
        if text and "\ud800" <= text[-1] <= "\udbff":
            self._pending, text = text[-1], text[:-1]
        return _well_formed(text)

    def flush(self) -> str:
        pending, self._pending = self._pending, ""
        return _well_formed(pending)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _well_formed(text: str) -> str:
    # Through UTF-16 a surrogate pair becomes its character and a lone surrogate (which UTF-8
    # cannot encode) becomes U+FFFD instead of failing the stream. Skipped for the common case.
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


class _Structured:
    """Base for formats that send every event as a JSON record."""

    content_type = ""

    def __init__(self) -> None:
        self._carry = SurrogateCarry()
        self.reasoning_seen = False

    @property
    def keepalive(self) -> bytes | None:
        return None

    def encode(self, event: Event) -> bytes:
        if isinstance(event, Delta):
            text = self._carry.text(event.text)
            return self._record("delta", {"text": text}) if text else b""
        if isinstance(event, _BESIDE_TEXT):
            self.reasoning_seen = self.reasoning_seen or isinstance(event, Reasoning)
            name, payload = _PAYLOADS[type(event)]
            return self._record(name, payload(event))
        tail = self._carry.flush()
        prefix = self._record("delta", {"text": tail}) if tail else b""
        name, payload = _PAYLOADS[type(event)]
        return prefix + self._record(name, payload(event))

    def _record(self, name: str, payload: Mapping[str, object]) -> bytes:
        raise NotImplementedError


class SseEncoder(_Structured):
    """text/event-stream: `event:` + one `data:` line of JSON + blank line."""

    content_type = "text/event-stream; charset=utf-8"

    @property
    def keepalive(self) -> bytes | None:
        """A comment line, at any time (docs/API.md §3)."""
        return b": keepalive\n\n"

    def _record(self, name: str, payload: Mapping[str, object]) -> bytes:
        return f"event: {name}\ndata: {_json(payload)}\n\n".encode()


class NdjsonEncoder(_Structured):
    """application/x-ndjson: one JSON object per line with a `type` field."""

    content_type = "application/x-ndjson"

    @property
    def keepalive(self) -> bytes | None:
        """`{"type":"keepalive"}`, only once the model has reasoned (docs/API.md §12.2).

        A request that uses none of §12 gets exactly the stream of §3, which has no NDJSON
        keepalives. Reasoning is what brings the long silences (a model can think for a
        long time between bursts), and once a `reasoning` event was sent the stream is a
        §12 stream anyway, also for a model that reasons unasked. The encoder is a function
        of the events alone: it does not know the request's fields.
        """
        return NDJSON_KEEPALIVE if self.reasoning_seen else None  # or expected: stream_head

    def _record(self, name: str, payload: Mapping[str, object]) -> bytes:
        return (_json({"type": name, **payload}) + "\n").encode()


NDJSON_KEEPALIVE: Final = b'{"type":"keepalive"}\n'


class TextEncoder:
    """text/plain: the answer's text only; a late error appends one bracketed line."""

    content_type = "text/plain; charset=utf-8"
    keepalive: bytes | None = None

    def __init__(self) -> None:
        self._carry = SurrogateCarry()

    def encode(self, event: Event) -> bytes:
        if isinstance(event, Delta):
            return self._carry.text(event.text).encode()
        if isinstance(event, _BESIDE_TEXT):
            return b""  # docs/API.md §12.2: the text format carries the answer's text only
        tail = self._carry.flush().encode()
        if isinstance(event, Error):
            return tail + f"\n[error {event.code}: {_one_line(event.message)}]\n".encode()
        return tail


_LINE_BREAKS = re.compile("\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def _one_line(message: str) -> str:
    # docs/API.md §3: the error is one appended line; a message with line breaks would split it.
    return _LINE_BREAKS.sub(" ", message)


ENCODERS: Final[dict[WireFormat, Callable[[], Encoder]]] = {
    "sse": SseEncoder,
    "ndjson": NdjsonEncoder,
    "text": TextEncoder,
}

# Accept media type -> format (docs/API.md §3); anything else gives SSE.
ACCEPT: Final[dict[str, WireFormat]] = {
    "text/event-stream": "sse",
    "application/x-ndjson": "ndjson",
    "text/plain": "text",
}


def _accept_ranges(accept: str) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their q-values, in header order."""
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        media = media.strip().lower()
        if media:
            ranges.append((media, quality if math.isfinite(quality) else 0.0))
    return ranges


def _specificity(media_range: str, media_type: str, fmt: WireFormat) -> int | None:
    """How a range names a format's type: 1 exactly, 0 by a wildcard; None if it does not.

    A wildcard (`*/*`, `text/*`, `application/*`) is "anything else" of docs/API.md §3, which
    gives SSE: it stands for the default format only.
    """
    if media_range == media_type:
        return 1
    return 0 if fmt == DEFAULT_FORMAT and media_range.endswith("/*") else None


def choose_format(explicit: str | None, headers: Mapping[str, str]) -> WireFormat:
    """The wire format: explicit `format` wins, else the Accept header, else SSE.

    Each format takes the q-value of the most specific range that names it (RFC 9110
    §12.5.1), a wildcard naming SSE only; so `text/plain;q=0.5, */*` gives SSE and
    `text/plain;q=0` refuses text. The highest q wins; at equal q a type named exactly beats
    a wildcard, then the earlier range in the header; anything else gives SSE.
    """
    for name in ENCODERS:
        if name == explicit:
            return name
    ranges = _accept_ranges(headers.get("accept", ""))
    best: tuple[tuple[float, int, int], WireFormat] | None = None
    for media_type, fmt in ACCEPT.items():
        matches = [
            (specificity, -index, quality)
            for index, (media, quality) in enumerate(ranges)
            if (specificity := _specificity(media, media_type, fmt)) is not None
        ]
        if not matches:
            continue
        specificity, first, quality = max(matches)
        if quality <= 0:
            continue
        key = (quality, specificity, first)
        if best is None or key > best[0]:
            best = (key, fmt)
    return best[1] if best is not None else DEFAULT_FORMAT


@dataclass(frozen=True)
class ResponseHead:
    """Status and headers of a streaming response."""

    status: int
    headers: dict[str, str]


def stream_head(
    fmt: WireFormat, request_id: str, *, reasoning: bool = False
) -> tuple[Encoder, ResponseHead]:
    """A fresh encoder for this response and the headers that announce it.

    reasoning: the request asked the model to reason, or the model always does. Its first
    `reasoning` event can then be long in coming, so the NDJSON keepalives that a reasoning
    event turns on are on from the start (docs/API.md §12.2).
    """
    encoder = ENCODERS[fmt]()
    if reasoning and isinstance(encoder, _Structured):
        encoder.reasoning_seen = True
    headers = {
        "Content-Type": encoder.content_type,
        "Cache-Control": "no-cache",
        # Browsers sniff (and hold back) the first bytes of text/plain without this.
        "X-Content-Type-Options": "nosniff",
        "X-Request-Id": request_id,
    }
    return encoder, ResponseHead(200, headers)
