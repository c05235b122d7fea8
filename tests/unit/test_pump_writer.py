"""The pump's writer with reasoning and tool calls: first token, counts, what counts as a write."""

from __future__ import annotations

from typing import Any

from bedrock_stream.converse import ConverseMapper
from bedrock_stream.events import Delta, Event, Reasoning, ToolUse
from bedrock_stream.pump import PumpSettings, _Writer
from tests import recorded_streams as rec

SETTINGS = PumpSettings(keepalive_s=1.0, stall_timeout_s=60.0)


def writer(emit: Any, keep: bool = False) -> _Writer:
    return _Writer(ConverseMapper(), emit, lambda: True, SETTINGS, lambda: 0.0, 10.0, keep)


def test_time_to_first_token_is_the_first_output_of_any_kind():
    sent: list[Event] = []
    w = writer(lambda e: sent.append(e) is None)
    # nothing yet at 10.2 s (messageStart); reasoning at 10.5 s; the answer's text at 14 s
    assert w._outputs({"messageStart": {"role": "assistant"}}, 10.2) is False
    assert w.result.ttft_ms is None
    w._outputs(rec._delta(0, {"reasoningContent": {"text": "hmm"}}), 10.5)
    w._outputs(rec._delta(1, {"text": "Answer"}), 14.0)
    assert w.result.ttft_ms == 500
    assert sent == [Reasoning("text", "hmm"), Delta("Answer")]


def test_a_tool_call_alone_is_a_first_token_too():
    w = writer(lambda e: True)
    for event in rec.CLAUDE_TEXT_THEN_TOOL[6:-2]:
        w._outputs(event, 12.0)
    assert w.result.ttft_ms == 2000
    assert w.result.tool_calls == 1


def test_counts_and_kept_content():
    w = writer(lambda e: True, keep=True)
    for event in rec.CLAUDE_THINKING_THEN_TOOL:
        w._outputs(event, 11.0)
    result = w.result
    assert (result.reasoning_events, result.tool_calls, result.deltas) == (6, 1, 0)
    assert result.reasoning_chars == sum(
        len(e["contentBlockDelta"]["delta"]["reasoningContent"].get("text", ""))
        for e in rec.CLAUDE_THINKING_THEN_TOOL[1:7]
    )
    assert "".join(result.reasoning).startswith("The user is asking")
    assert result.tools == [ToolUse("tooluse_1gPhO4A1RNWgzKbt1PXWLg", "weather", {"city": "Paris"})]


def test_content_is_not_kept_without_log_content():
    w = writer(lambda e: True, keep=False)
    for event in rec.CLAUDE_THINKING_THEN_TOOL:
        w._outputs(event, 11.0)
    assert (w.result.reasoning, w.result.tools, w.result.answer) == ([], [], [])


def test_an_output_the_format_leaves_out_is_not_a_write():
    # emit() says whether bytes went out; only then does the keepalive timer restart.
    w = writer(lambda e: isinstance(e, Delta))
    assert w._outputs(rec._delta(0, {"reasoningContent": {"text": "hmm"}}), 11.0) is False
    assert w._outputs(rec._delta(1, {"text": "x"}), 11.0) is True
