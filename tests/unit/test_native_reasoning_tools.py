"""Native-mode parsers beyond text: Anthropic's tool calls, thinking and cache counts, and
Nova's reasoning and tools (docs/API.md §12.2), from recorded and built chunks."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bedrock_stream.errors import AppError
from bedrock_stream.events import Delta, Done, Error, Reasoning, ToolUse, Usage
from bedrock_stream.native import parser_for
from tests import recorded_streams as rec
from tests.unit.native_support import chunk, native

CLAUDE_37 = "us.anthropic.claude-3-7-sonnet-20250219-v1:0"
BEDROCK_METRICS = {
    "amazon-bedrock-invocationMetrics": {
        "inputTokenCount": 471,
        "outputTokenCount": 80,
        "invocationLatency": 2100,
        "firstByteLatency": 900,
        "cacheReadInputTokenCount": 1024,
        "cacheWriteInputTokenCount": 2048,
    }
}


def test_anthropic_tool_use_is_assembled_from_its_json_pieces():
    # docs/API.md §12.2 replaced "thinking and tool input are ignored" with events of their own.
    outputs, terminal = native(CLAUDE_37, rec.ANTHROPIC_TOOL)
    assert outputs == [
        Delta("I'll search for the"),
        Delta(" top Google hits for Foo Fighters."),
        ToolUse("toolu_01VqG2jCdyjoB9HMTFnCKeo2", "google_search", {"query": "Foo Fighters"}),
    ]
    # message_delta's input_tokens 0 (as recorded) does not wipe message_start's 471
    assert terminal == Done("tool_use", Usage(471, 80))


def test_anthropic_thinking_is_reasoning_never_text():
    outputs, terminal = native(CLAUDE_37, rec.ANTHROPIC_THINKING)
    assert outputs == [
        Reasoning("text", "The user has simply"),
        Reasoning("text", ' said "hey" as a greeting.'),
        Reasoning(
            "signature",
            "ErUBCkYIARgCIkACJWxzySUOJzOlZ8WFdgQSbeQA3H1i5rfkKLV9eC4HN6Jcnrlw1Ncn",
        ),
        Delta("Hello! I'm Assistant, an AI here to help you."),
        Delta(" How can I assist you today?"),
    ]
    assert terminal == Done("end_turn", Usage(778, 104, 0, 0))


def test_anthropic_redacted_thinking_block_is_one_redacted_reasoning_event():
    outputs, _ = native(CLAUDE_37, [rec.ANTHROPIC_REDACTED_BLOCK])
    assert outputs == [Reasoning("redacted", "EmwKAhgBEgy3va3pzix/LafPsn4a")]


def test_anthropic_two_tool_calls_in_block_order():
    def call(index: int, tool_id: str, pieces: list[str]) -> list[dict[str, Any]]:
        start = {
            "type": "content_block_start",
            "index": index,
            "content_block": {
                "type": "tool_use",
                "id": tool_id,
                "name": "get_weather",
                "input": {},
            },
        }
        deltas = [
            {
                "type": "content_block_delta",
                "index": index,
                "delta": {"type": "input_json_delta", "partial_json": p},
            }
            for p in pieces
        ]
        return [start, *deltas, {"type": "content_block_stop", "index": index}]

    chunks = [
        *call(0, "toolu_a", ['{"ci', 'ty": "Be', 'rlin"}']),
        *call(1, "toolu_b", ["", '{"city"', ': "Paris"', "}"]),
        {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {}},
        {"type": "message_stop", **BEDROCK_METRICS},
    ]
    outputs, terminal = native(CLAUDE_37, chunks)
    assert outputs == [
        ToolUse("toolu_a", "get_weather", {"city": "Berlin"}),
        ToolUse("toolu_b", "get_weather", {"city": "Paris"}),
    ]
    # Bedrock's billed counts win, cache counts included
    assert terminal == Done("tool_use", Usage(471, 80, 1024, 2048))


def test_anthropic_cache_counts_from_message_start():
    start = copy.deepcopy(rec.ANTHROPIC_THINKING[0])
    start["message"]["usage"].update(cache_read_input_tokens=3000, cache_creation_input_tokens=7)
    _, terminal = native(CLAUDE_37, [start, *rec.ANTHROPIC_THINKING[1:]])
    assert terminal == Done("end_turn", Usage(778, 104, 3000, 7))


def test_anthropic_bad_tool_input_is_a_model_stream_error():
    chunks = copy.deepcopy(rec.ANTHROPIC_TOOL)
    chunks[-4]["delta"]["partial_json"] = "s}"  # the closing quote lost: not JSON
    parser = parser_for(CLAUDE_37)()
    for c in chunks[:-3]:
        parser.feed(chunk(c))
    with pytest.raises(AppError) as info:
        parser.feed(chunk(chunks[-3]))  # content_block_stop: the call is complete, or not
    assert info.value.stream_code == "model_stream_error"


def test_anthropic_unfinished_tool_call_is_an_error():
    outputs, terminal = native(CLAUDE_37, [*rec.ANTHROPIC_TOOL[:-4], *rec.ANTHROPIC_TOOL[-2:]])
    assert not [o for o in outputs if isinstance(o, ToolUse)]
    assert isinstance(terminal, Error)
    assert terminal.code == "model_stream_error"


def test_nova_native_chunks_get_reasoning_and_tools_like_converse():
    # Nova's native chunks are ConverseStream-shaped (NovaParser hands them to ConverseMapper).
    chunks = [
        *rec.GPT_OSS_REASONING_THEN_TOOL[:-1],
        {**rec.GPT_OSS_REASONING_THEN_TOOL[-1], **BEDROCK_METRICS},
    ]
    outputs, terminal = native("us.amazon.nova-2-lite-v1:0", chunks)
    assert outputs == [
        Reasoning("text", "Need the weather; call the tool"),
        Reasoning("text", " with city Oslo."),
        ToolUse("tooluse_gptoss_0", "get_weather", {"city": "Oslo"}),
    ]
    assert terminal == Done("tool_use", Usage(471, 80, 1024, 2048))


@settings(max_examples=100, deadline=None)
@given(
    tool_input=st.dictionaries(
        st.text(min_size=1), st.text() | st.integers() | st.booleans(), max_size=5
    ),
    cuts=st.lists(st.integers(min_value=0, max_value=300), max_size=25),
)
def test_anthropic_tool_input_split_anywhere_is_assembled_exactly(tool_input, cuts):
    text = json.dumps(tool_input, ensure_ascii=False)
    points = sorted({0, len(text), *(c for c in cuts if c <= len(text))})
    chunks: list[dict[str, Any]] = [
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "tool_use", "id": "toolu_x", "name": "f", "input": {}},
        },
        *(
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "input_json_delta", "partial_json": text[a:b]},
            }
            for a, b in itertools.pairwise(points)
        ),
        {"type": "content_block_stop", "index": 0},
    ]
    outputs, _ = native(CLAUDE_37, chunks)
    assert outputs == [ToolUse("toolu_x", "f", tool_input)]
