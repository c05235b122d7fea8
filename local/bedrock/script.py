"""Pure script of one streamed answer: the event-stream messages to send and the pauses between."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from local.bedrock.errors import MODEL_STREAM_ERROR, stream_error_payload
from local.bedrock.eventstream import event_message, exception_message
from local.bedrock.formats import Frame, StreamFormat
from local.bedrock.model import Turn

# Live payloads carry a random-length padding field "p" (protocols.md 5.2); here its length
# is derived from the payload so that runs are repeatable.
_PAD = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@dataclass(frozen=True)
class Wait:
    """Stay silent this long before the next message."""

    seconds: float


@dataclass(frozen=True)
class Send:
    """One event-stream message; the server writes it as one HTTP chunk and flushes."""

    data: bytes


Step = Wait | Send


def padding(seed: str) -> str:
    """A deterministic stand-in for Bedrock's random padding."""
    return _PAD[: 1 + zlib.crc32(seed.encode()) % len(_PAD)]


def encode_frame(frame: Frame, *, corrupt: bool = False) -> bytes:
    """One frame as an event message with its padding; `corrupt` flips the message CRC."""
    event_type, payload = frame
    message = event_message(event_type, {**payload, "p": padding(repr(payload))})
    if corrupt:  # test-only: botocore must reject this with ChecksumMismatch
        message = message[:-1] + bytes([message[-1] ^ 0xFF])
    return message


def _reasoning_steps(fmt: StreamFormat, turn: Turn) -> Iterator[Step]:
    reasoning = turn.plan.reasoning
    if reasoning is None:
        return
    for index, piece in enumerate(reasoning.pieces):
        if index:
            yield Wait(turn.plan.interval_s)
        yield from (Send(encode_frame(frame)) for frame in fmt.reasoning(turn, index, piece))
    yield Wait(turn.plan.interval_s)
    yield from (Send(encode_frame(frame)) for frame in fmt.reasoning_end(turn))


def _tool_steps(fmt: StreamFormat, turn: Turn) -> Iterator[Step]:
    tool = turn.plan.tool
    if tool is None:
        return
    yield from (Send(encode_frame(frame)) for frame in fmt.tool_start(turn))
    for piece in tool.pieces:
        yield Wait(turn.plan.interval_s)
        yield from (Send(encode_frame(frame)) for frame in fmt.tool_delta(turn, piece))
    yield from (Send(encode_frame(frame)) for frame in fmt.tool_end(turn))


def stream_steps(fmt: StreamFormat, turn: Turn, *, corrupt: bool = False) -> Iterator[Step]:
    """Steps of one stream: time to first token, reasoning, paced deltas, faults, a tool call,
    closing events."""
    plan = turn.plan
    yield Wait(plan.ttft_s)
    yield from (Send(encode_frame(frame)) for frame in fmt.opening(turn))
    yield from _reasoning_steps(fmt, turn)
    for index in range(len(plan.deltas) + 1):
        if index == plan.after and plan.fault == "midstream":
            yield Send(exception_message(MODEL_STREAM_ERROR, stream_error_payload(index)))
            return
        if index == plan.after and plan.fault == "stall":
            # Silent for stall_s, then the stream goes on and ends normally (API.md 9).
            yield Wait(plan.stall_s)
        if index == len(plan.deltas):
            break
        if index:
            yield Wait(plan.interval_s)
        for frame in fmt.delta(turn, index, plan.deltas[index]):
            yield Send(encode_frame(frame, corrupt=corrupt))
    if plan.guardrail_text:
        # The guardrail's blocked-output message replaces the rest of the answer (see compose).
        for frame in fmt.delta(turn, len(plan.deltas), plan.guardrail_text):
            yield Send(encode_frame(frame, corrupt=corrupt))
    yield from _tool_steps(fmt, turn)
    yield from (Send(encode_frame(frame)) for frame in fmt.closing(turn))
