"""The pure stream script: message order, pauses, faults, and the Converse events."""

from __future__ import annotations

import json

import pytest
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer

from local.bedrock.answers import plan_answer
from local.bedrock.formats import ConverseFormat
from local.bedrock.model import Prompt, Turn
from local.bedrock.script import Send, Step, Wait, padding, stream_steps


def steps_for(user_text: str, **prompt: object) -> list[Step]:
    plan = plan_answer(Prompt(user_text=user_text, **prompt))  # type: ignore[arg-type]
    return list(stream_steps(ConverseFormat(), Turn("m", "r", plan)))


def events(steps: list[Step]) -> list[tuple[str, dict[str, object]]]:
    buffer = EventStreamBuffer()
    for step in steps:
        if isinstance(step, Send):
            buffer.add_data(step.data)
    out = []
    for message in buffer:
        kind = message.headers.get(":event-type") or message.headers[":exception-type"]
        out.append((kind, json.loads(message.payload)))
    return out


def test_converse_events_in_the_real_order_with_padding() -> None:
    got = events(steps_for("#! echo\nHi there you", stop_sequences=(" you",)))
    assert [kind for kind, _ in got] == [
        "messageStart",
        "contentBlockDelta",
        "contentBlockDelta",
        "contentBlockStop",
        "messageStop",
        "metadata",
    ]
    assert all(str(payload["p"]).startswith("a") for _, payload in got)
    assert got[4][1]["stopReason"] == "stop_sequence"
    usage = got[5][1]["usage"]
    assert isinstance(usage, dict)
    assert usage["outputTokens"] == 2
    assert usage["totalTokens"] == usage["inputTokens"] + 2


def test_pauses_are_ttft_then_one_interval_between_deltas() -> None:
    waits = [s.seconds for s in steps_for("#! tokens=4 ttft_ms=250 rate=10") if isinstance(s, Wait)]
    assert waits == [0.25, 0.1, 0.1, 0.1]


def test_midstream_fault_sends_the_exception_after_n_deltas_and_stops() -> None:
    got = events(steps_for("#! tokens=6 fault=midstream after=2"))
    assert [kind for kind, _ in got] == [
        "messageStart",
        "contentBlockDelta",
        "contentBlockDelta",
        "modelStreamErrorException",
    ]
    assert got[-1][1]["originalStatusCode"] == 500
    assert "message" in got[-1][1]


def test_stall_pauses_after_n_deltas_then_finishes() -> None:
    steps = steps_for("#! tokens=4 fault=stall after=1 stall_s=7 ttft_ms=0 rate=100")
    kinds = [("wait", s.seconds) if isinstance(s, Wait) else ("send", 0) for s in steps]
    assert ("wait", 7.0) in kinds
    stall_at = kinds.index(("wait", 7.0))
    assert kinds[:stall_at].count(("send", 0)) == 2  # messageStart and one delta
    assert [kind for kind, _ in events(steps)][-1] == "metadata"


def test_padding_is_deterministic_and_bounded() -> None:
    assert padding("x") == padding("x")
    assert 1 <= len(padding("y")) <= 62


def test_corrupt_option_breaks_the_crc_of_deltas() -> None:
    plan = plan_answer(Prompt(user_text="#! echo\nHi"))
    steps = list(stream_steps(ConverseFormat(), Turn("m", "r", plan), corrupt=True))
    with pytest.raises(ChecksumMismatch):
        events(steps)
