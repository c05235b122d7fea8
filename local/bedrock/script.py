"""Pure script of one streamed answer: the event-stream messages to send and the pauses between."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from local.bedrock.directives import Fault
from local.bedrock.errors import STREAM_EXCEPTIONS
from local.bedrock.eventstream import event_message, exception_message
from local.bedrock.formats import Frame, StreamFormat
from local.bedrock.model import Plan, Turn

# Live payloads carry a random-length padding field "p" (docs/PROTOCOLS.md 5.2); here its length
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


@dataclass(frozen=True)
class Reset:
    """Reset the TCP connection (RST, no FIN), as a failing network would; nothing follows."""


Step = Wait | Send | Reset


class _Boundary:
    """Between two pieces of the answer (text deltas, then tool input pieces): faults go here."""


_BOUNDARY = _Boundary()


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
        yield from _sends(fmt.reasoning(turn, index, piece))
    yield Wait(turn.plan.interval_s)
    yield from _sends(fmt.reasoning_end(turn))


def _sends(frames: list[Frame], *, corrupt: bool = False) -> Iterator[Step]:
    return (Send(encode_frame(frame, corrupt=corrupt)) for frame in frames)


def _answer_steps(fmt: StreamFormat, turn: Turn, corrupt: bool) -> Iterator[Step | _Boundary]:
    """The paced answer pieces (text deltas, then a tool call's input), a boundary before each
    piece and one after the last, where a fault can strike."""
    plan = turn.plan
    for index, text in enumerate(plan.deltas):
        yield _BOUNDARY
        if index:
            yield Wait(plan.interval_s)
        yield from _sends(fmt.delta(turn, index, text), corrupt=corrupt)
    if plan.guardrail_text:
        # The guardrail's blocked-output message replaces the rest of the answer (see compose).
        yield from _sends(fmt.delta(turn, len(plan.deltas), plan.guardrail_text), corrupt=corrupt)
    tool = plan.tool
    if tool is not None:
        yield from _sends(fmt.tool_start(turn))
        for piece in tool.pieces:
            yield _BOUNDARY
            yield Wait(plan.interval_s)
            yield from _sends(fmt.tool_delta(turn, piece))
    yield _BOUNDARY
    if tool is not None:
        yield from _sends(fmt.tool_end(turn))


def _stall(plan: Plan) -> tuple[list[Step], bool]:
    # Silent for stall_s, then the stream goes on and ends normally (docs/API.md 9).
    return [Wait(plan.stall_s)], False


def _exception(plan: Plan) -> tuple[list[Step], bool]:
    # An exception message ends the stream in place of the rest (docs/PROTOCOLS.md §5.3).
    assert plan.fault is not None
    raised = STREAM_EXCEPTIONS[plan.fault]
    return [Send(exception_message(raised.exception_type, raised.payload(plan.after)))], True


def _reset(_plan: Plan) -> tuple[list[Step], bool]:
    return [Reset()], True


def _no_stop(_plan: Plan) -> tuple[list[Step], bool]:
    # The HTTP body ends cleanly here: no messageStop, no metadata. botocore raises nothing for
    # that (docs/PROTOCOLS.md §7.1), so only a reader that checks for messageStop notices.
    return [], True


# In-stream fault -> (the steps it takes at its boundary, whether the stream ends there).
IN_STREAM_FAULTS: dict[Fault, Callable[[Plan], tuple[list[Step], bool]]] = {
    "stall": _stall,
    "midstream": _exception,
    "midstream_internal": _exception,
    "midstream_throttle": _exception,
    "reset": _reset,
    "no_stop": _no_stop,
}


def stream_steps(fmt: StreamFormat, turn: Turn, *, corrupt: bool = False) -> Iterator[Step]:
    """Steps of one stream: time to first token, reasoning, paced deltas, a tool call, faults,
    closing events.

    An in-stream fault strikes once `plan.after` answer pieces were sent: text deltas count
    first, then the pieces of a tool call's input (so a fault can cut a tool call in half).
    """
    plan = turn.plan
    yield Wait(plan.ttft_s)
    yield from _sends(fmt.opening(turn))
    yield from _reasoning_steps(fmt, turn)
    fault = IN_STREAM_FAULTS.get(plan.fault) if plan.fault is not None else None
    pieces_sent = 0
    for step in _answer_steps(fmt, turn, corrupt):
        if not isinstance(step, _Boundary):
            yield step
            continue
        if fault is not None and pieces_sent == plan.after:
            steps, ends = fault(plan)
            yield from steps
            if ends:
                return
        pieces_sent += 1
    yield from _sends(fmt.closing(turn))
