"""ConverseMapper with what current models stream: reasoning, tool calls, new stop reasons, cache.

The streams come from tests/recorded_streams.py (recorded by other projects, or built from
AWS's documentation where no recording was found; each says which).
"""

from __future__ import annotations

import base64
import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bedrock_stream.converse import ConverseMapper
from bedrock_stream.errors import AppError
from bedrock_stream.events import (
    Delta,
    Done,
    Error,
    Output,
    Reasoning,
    ToolUse,
    Usage,
    done_payload,
)
from tests import recorded_streams as rec


def run(events: list[dict[str, Any]], mapper: ConverseMapper | None = None) -> list[Output]:
    mapper = mapper or ConverseMapper()
    return [out for event in events for out in mapper.feed(event)]


def text_of(outputs: list[Output]) -> str:
    return "".join(o.text for o in outputs if isinstance(o, Delta))


# name -> (events, every output in order, the terminal event)
FAMILIES: dict[str, tuple[list[dict[str, Any]], list[Output], Done]] = {
    "claude text then tool": (
        rec.CLAUDE_TEXT_THEN_TOOL,
        [
            Delta("Certainly! I can"),
            Delta(" help you find out"),
            Delta(" the weather"),
            Delta(" in Berlin."),
            ToolUse("tooluse_pLGRAmK7TNKoZQ_rntVN_Q", "weather_tool", {"location": "Berlin"}),
        ],
        Done("tool_use", Usage(364, 71)),
    ),
    "claude two tools": (
        rec.CLAUDE_TWO_TOOLS,
        [
            Delta("To answer your question about the"),
            Delta(" weather in Berlin and Paris, I'll"),
            Delta(" need to use the weather_tool"),
            Delta(" for each city."),
            ToolUse("tooluse_A0jTtaiQTFmqD_cIq8I1BA", "weather_tool", {"location": "Berlin"}),
            ToolUse("tooluse_LTc2TUMgTRiobK5Z5CCNSw", "weather_tool", {"location": "Paris"}),
        ],
        Done("tool_use", Usage(366, 83)),
    ),
    "claude thinking then tool": (
        rec.CLAUDE_THINKING_THEN_TOOL,
        [
            Reasoning("text", "The user is asking about the weather"),
            Reasoning("text", " in Paris. I have"),
            Reasoning("text", " access to a"),
            Reasoning("text", " weather function that takes"),
            Reasoning("text", " a city parameter."),
            Reasoning("signature", "ErUBCkYIARgCIkACJWxzySUOJzOlZ8WFdgQ=="),
            ToolUse("tooluse_1gPhO4A1RNWgzKbt1PXWLg", "weather", {"city": "Paris"}),
        ],
        Done("tool_use", Usage(412, 104)),
    ),
    "claude redacted thinking then text": (
        rec.CLAUDE_REDACTED_THEN_TEXT,
        [
            Reasoning("redacted", base64.b64encode(b"Some encrypted byte string").decode()),
            Delta("I notice your message contains a special"),
            Delta(" string that doesn't include an actual question"),
            Delta(" or request. \n\nIs there something"),
            Delta(" specific you'd like to know?"),
        ],
        Done("end_turn", Usage(461, 138)),
    ),
    "nova inline thinking text then tool": (
        rec.NOVA_THINKING_TEXT_THEN_TOOL,
        [
            # Nova's <thinking> is answer text on the wire: it stays answer text.
            Delta("<thinking>The user wants the weather"),
            Delta(" in Paris; I will call get_weather.</thinking>\n"),
            ToolUse(
                "tooluse_Jv7pQW3dR6KkFq1pNwZx0A",
                "get_weather",
                {"city": "Paris", "unit": "celsius"},
            ),
        ],
        Done("tool_use", Usage(420, 49)),
    ),
    "deepseek r1 reasoning then text": (
        rec.DEEPSEEK_R1,
        [
            Reasoning("text", "Okay, the user asks for 2+2."),
            Reasoning("text", " That is 4."),
            Delta("\n\n2 + 2 = "),
            Delta("4."),
        ],
        Done("end_turn", Usage(12, 31)),
    ),
    "gpt-oss reasoning then tool": (
        rec.GPT_OSS_REASONING_THEN_TOOL,
        [
            Reasoning("text", "Need the weather; call the tool"),
            Reasoning("text", " with city Oslo."),
            ToolUse("tooluse_gptoss_0", "get_weather", {"city": "Oslo"}),
        ],
        Done("tool_use", Usage(97, 38)),
    ),
}


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_family_streams_map_to_outputs_in_order(name):
    events, outputs, done = FAMILIES[name]
    mapper = ConverseMapper()
    assert run(events, mapper) == outputs
    assert mapper.finish() == done


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_reasoning_never_reaches_the_answer_text(name):
    events, _, _ = FAMILIES[name]
    outputs = run(events)
    answer = text_of(outputs)
    reasoning = [o.value for o in outputs if isinstance(o, Reasoning)]
    for piece in reasoning:
        assert piece not in answer
    # and every text delta of the stream is in the answer, in order, byte for byte
    sent = [e["contentBlockDelta"]["delta"].get("text") for e in events if "contentBlockDelta" in e]
    assert answer == "".join(t for t in sent if t)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(
    tool_input=st.dictionaries(st.text(min_size=1), json_values, max_size=4),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=30),
)
def test_tool_input_split_anywhere_is_assembled_exactly(tool_input, cuts):
    text = json.dumps(tool_input, ensure_ascii=False)
    points = sorted({0, len(text), *(c for c in cuts if c <= len(text))})
    pieces = [text[a:b] for a, b in itertools.pairwise(points)]
    events = [
        rec._tool_start(0, "tooluse_x", "get_weather"),
        *(rec._delta(0, {"toolUse": {"input": piece}}) for piece in pieces),
        rec._stop(0),
    ]
    assert run(events) == [ToolUse("tooluse_x", "get_weather", tool_input)]


def test_a_tool_without_input_gets_an_empty_object():
    events = [rec._tool_start(3, "tooluse_n", "now"), rec._stop(3)]
    assert run(events) == [ToolUse("tooluse_n", "now", {})]


@pytest.mark.parametrize(
    ("pieces", "says"),
    [
        (['{"city": "Par'], "is not valid JSON"),  # cut short (max_tokens mid-call)
        (["[1, 2]"], "is not a JSON object"),
        (['"Paris"'], "is not a JSON object"),
        (['{"x": NaN}'], "is not valid JSON"),
    ],
)
def test_tool_input_that_is_not_a_json_object_is_a_model_stream_error(pieces, says):
    mapper = ConverseMapper()
    run([rec._tool_start(1, "tooluse_b", "get_weather")], mapper)
    run([rec._delta(1, {"toolUse": {"input": p}}) for p in pieces], mapper)
    with pytest.raises(AppError) as info:
        mapper.feed(rec._stop(1))
    assert info.value.stream_code == "model_stream_error"
    assert says in info.value.message
    assert "get_weather" in info.value.message
    assert "Par" not in info.value.message  # the input itself is not echoed


def test_tool_input_for_a_block_that_never_started_is_an_error():
    with pytest.raises(AppError) as info:
        ConverseMapper().feed(rec._delta(4, {"toolUse": {"input": "{}"}}))
    assert info.value.stream_code == "model_stream_error"


def test_a_tool_call_that_never_ends_is_an_error_not_done():
    mapper = ConverseMapper()
    run([rec._tool_start(1, "tooluse_c", "f"), rec._delta(1, {"toolUse": {"input": "{}"}})], mapper)
    run(rec._end("tool_use", {"inputTokens": 1, "outputTokens": 1}), mapper)
    terminal = mapper.finish()
    assert isinstance(terminal, Error)
    assert (terminal.code, terminal.retryable) == ("model_stream_error", True)


@pytest.mark.parametrize(
    "reason",
    ["tool_use", "guardrail_intervened", "content_filtered", "model_context_window_exceeded"],
)
def test_new_stop_reasons_end_with_done(reason):
    mapper = ConverseMapper()
    run([rec._delta(0, {"text": "x"}), *rec._end(reason, {"inputTokens": 1})], mapper)
    assert mapper.finish() == Done(reason, Usage(1))


@pytest.mark.parametrize("reason", ["malformed_model_output", "malformed_tool_use"])
def test_malformed_stop_reasons_end_with_a_retryable_model_stream_error(reason):
    mapper = ConverseMapper()
    run([rec._delta(0, {"text": "x"}), *rec._end(reason, {"inputTokens": 1})], mapper)
    terminal = mapper.finish()
    assert isinstance(terminal, Error)
    assert (terminal.code, terminal.retryable) == ("model_stream_error", True)
    assert reason in terminal.message


def test_cache_counts_reach_done_usage():
    mapper = ConverseMapper()
    run(rec.CLAUDE_CACHED, mapper)
    done = mapper.finish()
    assert done == Done("end_turn", Usage(726, 114, 31426, 0))
    assert isinstance(done, Done)
    assert done_payload(done)["usage"] == {
        "input_tokens": 726,
        "output_tokens": 114,
        "cache_read_input_tokens": 31426,
        "cache_write_input_tokens": 0,
    }


def test_without_cache_counts_the_usage_has_none():
    mapper = ConverseMapper()
    run(rec.CLAUDE_TWO_TOOLS, mapper)
    done = mapper.finish()
    assert isinstance(done, Done)
    assert done_payload(done)["usage"] == {"input_tokens": 366, "output_tokens": 83}


def test_guardrail_stop_keeps_the_trace_for_the_log_but_not_the_wire():
    mapper = ConverseMapper()
    outputs = run(rec.CLAUDE_GUARDRAIL, mapper)
    assert text_of(outputs) == "Sorry, the model cannot answer this question."
    done = mapper.finish()
    assert isinstance(done, Done)
    assert done.stop_reason == "guardrail_intervened"
    assert done.trace == rec.GUARDRAIL_TRACE
    assert "trace" not in json.dumps(done_payload(done))


def test_resume_trimming_applies_to_text_only():
    # The client holds " " (trailing whitespace of its partial answer); reasoning comes first.
    mapper = ConverseMapper(skip=" ")
    events = [
        rec._delta(0, {"reasoningContent": {"text": " thinking aloud"}}),
        rec._delta(1, {"text": " world"}),
    ]
    assert run(events, mapper) == [Reasoning("text", " thinking aloud"), Delta("world")]


def test_redacted_content_already_base64_in_json_is_passed_as_is():
    # A native Nova chunk is JSON, where a blob is already base64.
    event = rec._delta(0, {"reasoningContent": {"redactedContent": "c2VjcmV0"}})
    assert run([event]) == [Reasoning("redacted", "c2VjcmV0")]


# --- the same features for every family's stream style --------------------------------------
# How each family streams through Converse (see tests/recorded_streams.py for the sources):
# Claude opens a tool block with an empty input piece and signs its reasoning; Nova writes
# inline <thinking> text before a call and sends small inputs whole; DeepSeek-R1 reasons
# without a signature and has no tools; gpt-oss reasons and calls tools.
STYLES: dict[str, dict[str, Any]] = {
    "claude": {"tools": True, "cache": True, "signature": "c2ln", "empty_first": True},
    "nova": {"tools": True, "cache": True, "signature": None, "empty_first": False},
    "deepseek": {"tools": False, "cache": False, "signature": None, "empty_first": False},
    "gpt-oss": {"tools": True, "cache": False, "signature": None, "empty_first": False},
}
TOOL_FAMILIES = sorted(name for name, style in STYLES.items() if style["tools"])
CACHE_FAMILIES = sorted(name for name, style in STYLES.items() if style["cache"])


def family_stream(family: str, calls: list[tuple[str, dict[str, Any]]], pieces: int) -> list:
    """A stream in the family's style: reasoning, text, then each call's input in pieces."""
    style = STYLES[family]
    events: list[dict[str, Any]] = [{"messageStart": {"role": "assistant"}}]
    events += [rec._delta(0, {"reasoningContent": {"text": t}}) for t in ("Weigh ", "it.")]
    if style["signature"]:
        events.append(rec._delta(0, {"reasoningContent": {"signature": style["signature"]}}))
    events += [rec._stop(0), rec._delta(1, {"text": "<thinking>x</thinking>" * (family == "nova")})]
    events += [rec._delta(1, {"text": "Let me check."}), rec._stop(1)]
    for number, (name, tool_input) in enumerate(calls, start=2):
        text = json.dumps(tool_input)
        size = max(1, len(text) // pieces)
        parts = [text[i : i + size] for i in range(0, len(text), size)]
        events.append(rec._tool_start(number, f"tooluse_{number}", name))
        if style["empty_first"]:
            events.append(rec._delta(number, {"toolUse": {"input": ""}}))
        events += [rec._delta(number, {"toolUse": {"input": p}}) for p in parts]
        events.append(rec._stop(number))
    usage = {"inputTokens": 10, "outputTokens": 5}
    if style["cache"]:
        usage |= {"cacheReadInputTokens": 100, "cacheWriteInputTokens": 20}
    return events + rec._end("tool_use" if calls else "end_turn", usage)


@pytest.mark.parametrize("family", TOOL_FAMILIES)
def test_every_tool_family_assembles_an_input_split_in_many_pieces(family):
    tool_input = {"city": "Reykjavík", "unit": "celsius", "days": [1, 2, 3], "note": 'say "hi"'}
    outputs = run(family_stream(family, [("get_weather", tool_input)], pieces=25))
    assert [o for o in outputs if isinstance(o, ToolUse)] == [
        ToolUse("tooluse_2", "get_weather", tool_input)
    ]


@pytest.mark.parametrize("family", TOOL_FAMILIES)
def test_every_tool_family_sends_two_calls_in_order(family):
    calls = [("get_weather", {"city": "Berlin"}), ("get_time", {"zone": "Europe/Paris"})]
    mapper = ConverseMapper()
    outputs = run(family_stream(family, calls, pieces=4), mapper)
    assert [o for o in outputs if isinstance(o, ToolUse)] == [
        ToolUse("tooluse_2", "get_weather", {"city": "Berlin"}),
        ToolUse("tooluse_3", "get_time", {"zone": "Europe/Paris"}),
    ]
    assert isinstance(outputs[-1], ToolUse)  # both after the text, in block order
    done = mapper.finish()
    assert isinstance(done, Done)
    assert done.stop_reason == "tool_use"


@pytest.mark.parametrize("family", sorted(STYLES))
def test_every_family_keeps_reasoning_out_of_the_answer(family):
    outputs = run(family_stream(family, [], pieces=1))
    assert text_of(outputs) == "<thinking>x</thinking>" * (family == "nova") + "Let me check."
    reasoning = "".join(o.value for o in outputs if isinstance(o, Reasoning) and o.kind == "text")
    assert reasoning == "Weigh it."


@pytest.mark.parametrize("family", CACHE_FAMILIES)
def test_every_caching_family_reports_cache_counts_in_done(family):
    mapper = ConverseMapper()
    run(family_stream(family, [], pieces=1), mapper)
    assert mapper.finish() == Done("end_turn", Usage(10, 5, 100, 20))
