"""Recorded streams to Bedrock's bytes: event-stream frames, the `p` padding, awkward splits.

Pure functions; the server (server.py) only writes what these return.
https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html
"""

from __future__ import annotations

import base64
import json
import string
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from local.bedrock.eventstream import event_message

Operation = Literal["converse-stream", "invoke-with-response-stream"]
# HTTP chunk sizes, cycled: no frame boundary lines up with a chunk boundary for long.
SPLITS = (1, 5, 2, 17, 3, 64, 11, 300, 7)
_PAD = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Pause:
    """Silence on the wire for this long before the next frame."""

    seconds: float


@dataclass(frozen=True)
class Replay:
    """One recorded answer: the operation it answers and its events (or native chunks)."""

    operation: Operation
    events: list[dict[str, Any] | Pause]
    corrupt: int | None = None  # index of the frame whose message CRC is damaged


def padding(index: int) -> str:
    """Bedrock's random-length `p` field (docs/PROTOCOLS.md §5.2); deterministic here."""
    return _PAD[: (index * 7) % len(_PAD) + 1]


def _wire_json(value: Any) -> Any:
    # A blob (redactedContent) is base64 in the event's JSON; botocore gives it back as bytes.
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: _wire_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire_json(v) for v in value]
    return value


def frame(operation: Operation, event: dict[str, Any], index: int) -> bytes:
    """One event-stream message as Bedrock sends it, padding included."""
    if operation == "converse-stream":
        ((event_type, body),) = event.items()
        return event_message(event_type, {**_wire_json(body), "p": padding(index)})
    data = json.dumps(event, ensure_ascii=False).encode()
    payload = {"bytes": base64.b64encode(data).decode("ascii"), "p": padding(index)}
    return event_message("chunk", payload)


def damaged(message: bytes) -> bytes:
    """The message with one bit of its message CRC flipped (botocore: ChecksumMismatch)."""
    return message[:-1] + bytes([message[-1] ^ 0x01])


def frames(replay: Replay) -> list[bytes | Pause]:
    """Every frame in order, pauses kept where they are."""
    out: list[bytes | Pause] = []
    index = 0
    for event in replay.events:
        if isinstance(event, Pause):
            out.append(event)
            continue
        message = frame(replay.operation, event, index)
        out.append(damaged(message) if index == replay.corrupt else message)
        index += 1
    return out


def wire(replay: Replay) -> Iterator[bytes | Pause]:
    """The body as HTTP chunk payloads: frames joined, then cut at the SPLITS sizes."""
    pending = b""
    for item in [*frames(replay), None]:
        if isinstance(item, bytes):
            pending += item
            continue
        position, turn = 0, 0
        while position < len(pending):
            size = SPLITS[turn % len(SPLITS)]
            yield pending[position : position + size]
            position += size
            turn += 1
        pending = b""
        if isinstance(item, Pause):
            yield item
