"""The handler with reasoning, tool calls, cache usage and guardrails (docs/API.md §12.2, §13)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bedrock_stream.blocks import Guardrail
from tests import recorded_streams as rec
from tests.functional.handler.handler_fakes import (
    FakeBedrock,
    FakeStream,
    Sleep,
    make_config,
    make_event,
)
from tests.functional.handler.handler_run import (
    emf_records,
    handle_once,
    logged_request,
    metric_values,
)
from tests.unit.native_support import chunk

CHAT = make_event(body={"prompt": "What is the weather in Paris?"})
NDJSON_KEEPALIVE = b'{"type":"keepalive"}\n'


def serve(client: Any, body: Any = None, **config: Any) -> FakeStream:
    event = make_event(body=body or {"prompt": "What is the weather in Paris?"})
    return handle_once(event, client, config=make_config(**config))


def ndjson(stream: FakeStream) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.body.decode().splitlines()]


def test_sse_reasoning_then_tool_call(run):
    stream = run(CHAT, FakeBedrock([rec.CLAUDE_THINKING_THEN_TOOL]))
    events = stream.sse()
    assert [name for name, _ in events] == [
        "start",
        *["reasoning"] * 6,
        "tool_use",
        "done",
    ]
    assert "".join(d["text"] for n, d in events if n == "reasoning" and "text" in d) == (
        "The user is asking about the weather in Paris. I have access to a weather function"
        " that takes a city parameter."
    )
    assert events[6] == ("reasoning", {"signature": "ErUBCkYIARgCIkACJWxzySUOJzOlZ8WFdgQ=="})
    assert events[7] == (
        "tool_use",
        {"id": "tooluse_1gPhO4A1RNWgzKbt1PXWLg", "name": "weather", "input": {"city": "Paris"}},
    )
    done = events[-1][1]
    assert done["stop_reason"] == "tool_use"
    assert done["usage"] == {"input_tokens": 412, "output_tokens": 104}
    assert stream.text() == ""  # no answer text: reasoning is never a delta
    # the first output of any kind is the first token: here a piece of reasoning
    assert done["metrics"]["ttft_ms"] is not None


def test_ndjson_two_tool_calls_in_order(run):
    event = make_event(body={"prompt": "weather?", "format": "ndjson"})
    stream = run(event, FakeBedrock([rec.CLAUDE_TWO_TOOLS]))
    records = ndjson(stream)
    calls = [r for r in records if r["type"] == "tool_use"]
    assert calls == [
        {
            "type": "tool_use",
            "id": "tooluse_A0jTtaiQTFmqD_cIq8I1BA",
            "name": "weather_tool",
            "input": {"location": "Berlin"},
        },
        {
            "type": "tool_use",
            "id": "tooluse_LTc2TUMgTRiobK5Z5CCNSw",
            "name": "weather_tool",
            "input": {"location": "Paris"},
        },
    ]
    assert records[-1]["stop_reason"] == "tool_use"
    assert [r["type"] for r in records][-3:] == ["tool_use", "tool_use", "done"]


def test_text_format_is_the_answer_only(run):
    event = make_event(body={"prompt": "2+2", "format": "text"})
    stream = run(event, FakeBedrock([rec.DEEPSEEK_R1]))
    assert stream.body == b"\n\n2 + 2 = 4."


def test_bad_tool_input_ends_with_a_model_stream_error_event(run):
    events = [*rec.CLAUDE_TEXT_THEN_TOOL]
    events[11] = rec._delta(1, {"toolUse": {"input": "erlin"}})  # the JSON no longer closes
    stream = run(CHAT, FakeBedrock([events]))
    name, data = stream.terminal()
    assert name == "error"
    assert data["code"] == "model_stream_error"
    assert data["retryable"] is True
    assert "weather_tool" in data["message"]
    assert stream.text() == "Certainly! I can help you find out the weather in Berlin."
    assert "tool_use" not in [n for n, _ in stream.sse()]


def test_ndjson_keepalives_only_once_the_model_reasons(log_lines):
    steps = [
        {"messageStart": {"role": "assistant"}},
        Sleep(0.3),  # silence before any reasoning: a §3 stream, no NDJSON keepalive
        rec._delta(0, {"reasoningContent": {"text": "thinking"}}),
        Sleep(0.45),  # silence while reasoning: keepalives
        *rec.DEEPSEEK_R1[3:],
    ]
    body = {"prompt": "hi", "format": "ndjson"}
    stream = serve(FakeBedrock([steps]), body=body, keepalive_s=0.1)
    writes = stream.writes
    first_reasoning = next(i for i, w in enumerate(writes) if b'"reasoning"' in w)
    assert NDJSON_KEEPALIVE not in writes[:first_reasoning]
    keepalives = [w for w in writes[first_reasoning:] if w == NDJSON_KEEPALIVE]
    assert 2 <= len(keepalives) <= 6
    assert [r["type"] for r in ndjson(stream)][-1] == "done"
    # the log counts the keepalives sent, not the silences before NDJSON had any
    assert logged_request(log_lines)["keepalives"] == len(keepalives)


@pytest.mark.parametrize(
    "body",
    [
        # asked to reason: its first reasoning event may be long in coming
        {"prompt": "hi", "reasoning": {"effort": "low"}, "max_tokens": 2048},
        # a model that always reasons, asked nothing
        {"prompt": "hi", "model": "us.deepseek.r1-v1:0"},
    ],
)
def test_ndjson_keepalives_from_the_start_when_reasoning_is_expected(body):
    steps = [
        {"messageStart": {"role": "assistant"}},
        Sleep(0.45),  # silence before the first reasoning event
        rec._delta(0, {"reasoningContent": {"text": "thinking"}}),
        *rec.DEEPSEEK_R1[3:],
    ]
    stream = serve(FakeBedrock([steps]), body={**body, "format": "ndjson"}, keepalive_s=0.1)
    writes = stream.writes
    first_reasoning = next(i for i, w in enumerate(writes) if b'"reasoning"' in w)

    assert NDJSON_KEEPALIVE in writes[:first_reasoning]
    assert [r["type"] for r in ndjson(stream)][-1] == "done"


def test_openai_stream_shows_reasoning_and_keeps_alive_while_the_model_is_silent(run):
    # docs/API.md §12.4: reasoning goes in delta.reasoning_content (it was left out before the
    # surface mapped it); a silence while the model reasons still gets keepalives.
    pieces = [rec._delta(0, {"reasoningContent": {"text": f"step {i}. "}}) for i in range(3)]
    steps = [
        {"messageStart": {"role": "assistant"}},
        pieces[0],
        Sleep(0.5),  # thinking without a word: five keepalive intervals
        *pieces[1:],
        *rec.DEEPSEEK_R1[3:],
    ]
    body = {"model": "anthropic.claude-3-haiku-20240307-v1:0", "stream": True}
    body["messages"] = [{"role": "user", "content": "2+2"}]
    event = make_event(path="/v1/chat/completions", body=body)
    stream = run(event, FakeBedrock([steps]), config=make_config(keepalive_s=0.1))
    assert stream.body.count(b": keepalive\n\n") >= 1
    deltas = [
        json.loads(record[6:])["choices"][0]["delta"]
        for record in stream.body.decode().split("\n\n")
        if record.startswith("data: {")
    ]
    assert "".join(d.get("reasoning_content", "") for d in deltas) == "step 0. step 1. step 2. "
    assert "".join(d.get("content", "") for d in deltas) == "\n\n2 + 2 = 4."
    assert stream.body.endswith(b"data: [DONE]\n\n")


def test_openai_surface_does_not_break_on_tool_calls(run):
    body = {"model": "anthropic.claude-3-haiku-20240307-v1:0", "stream": True}
    body["messages"] = [{"role": "user", "content": "weather?"}]
    event = make_event(path="/v1/chat/completions", body=body)
    stream = run(event, FakeBedrock([rec.CLAUDE_TWO_TOOLS]))
    chunks = [
        json.loads(line[6:])
        for line in stream.body.decode().split("\n\n")
        if line.startswith("data: {")
    ]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text.endswith("for each city.")
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_openai_non_streamed_answer_with_reasoning(run):
    body = {"model": "anthropic.claude-3-haiku-20240307-v1:0"}
    body["messages"] = [{"role": "user", "content": "2+2"}]
    event = make_event(path="/v1/chat/completions", body=body)
    stream = run(event, FakeBedrock([rec.DEEPSEEK_R1]))
    doc = stream.json()
    assert doc["choices"][0]["message"]["content"] == "\n\n2 + 2 = 4."


def test_guardrail_stop_is_done_and_its_trace_is_not_logged_by_default(log_lines):
    stream = serve(FakeBedrock([rec.CLAUDE_GUARDRAIL]))
    name, done = stream.terminal()
    assert (name, done["stop_reason"]) == ("done", "guardrail_intervened")
    assert "trace" not in done
    record = logged_request(log_lines)
    assert record["stop_reason"] == "guardrail_intervened"
    assert "Investments topic" not in log_lines.getvalue()


def test_log_line_counts_reasoning_and_tool_calls_without_content(log_lines):
    serve(FakeBedrock([rec.CLAUDE_THINKING_THEN_TOOL]))
    record = logged_request(log_lines)
    assert record["reasoning_events"] == 6
    assert record["reasoning_chars"] == len(
        "The user is asking about the weather in Paris. I have access to a weather function"
        " that takes a city parameter."
    )
    assert record["tool_calls"] == 1
    assert record["deltas"] == 0
    text = log_lines.getvalue()
    assert "asking about the weather" not in text
    assert "tooluse_1gPhO4A1RNWgzKbt1PXWLg" not in text
    assert "reasoning" not in record
    assert "tool_uses" not in record


def test_log_content_logs_reasoning_tool_calls_and_guardrail_trace(log_lines):
    serve(FakeBedrock([rec.CLAUDE_THINKING_THEN_TOOL]), log_content=True)
    record = logged_request(log_lines)
    assert record["reasoning"].startswith("The user is asking about the weather")
    assert record["tool_uses"] == [
        {"id": "tooluse_1gPhO4A1RNWgzKbt1PXWLg", "name": "weather", "input": {"city": "Paris"}}
    ]
    log_lines.truncate(0)
    log_lines.seek(0)
    serve(FakeBedrock([rec.CLAUDE_GUARDRAIL]), log_content=True)
    assert logged_request(log_lines)["guardrail_trace"] == rec.GUARDRAIL_TRACE


def test_cache_counts_are_sent_logged_and_measured(capsys):
    stream = serve(FakeBedrock([[Sleep(0.02), *rec.CLAUDE_CACHED]]))
    done = stream.terminal()[1]
    assert done["usage"] == {
        "input_tokens": 726,
        "output_tokens": 114,
        "cache_read_input_tokens": 31426,
        "cache_write_input_tokens": 0,
    }
    values = metric_values(emf_records(capsys.readouterr().out))
    assert values["CacheReadInputTokens"] == ([31426.0], "Count")
    assert values["CacheWriteInputTokens"] == ([0.0], "Count")
    assert values["InputTokens"] == ([726.0], "Count")


def test_no_cache_metrics_when_the_model_reports_none(capsys):
    serve(FakeBedrock([[Sleep(0.02), *rec.CLAUDE_TWO_TOOLS]]))
    values = metric_values(emf_records(capsys.readouterr().out))
    assert "CacheReadInputTokens" not in values
    assert "CacheWriteInputTokens" not in values
    assert values["OutputTokens"] == ([83.0], "Count")


@pytest.mark.parametrize("log_content", [False, True])
def test_the_deployments_guardrail_guards_native_bodies_too(log_content):
    # docs/API.md §12.3: an operator who attached a guardrail finds no way around it.
    guardrail = Guardrail("gr123", "2", "async", trace=log_content)
    chunks = [chunk(obj) for obj in rec.TITAN_GUARDRAIL]
    bedrock = FakeBedrock([chunks])
    body = {"model": "amazon.titan-text-express-v1", "native": {"inputText": "hi"}}

    stream = serve(bedrock, body=body, guardrail=guardrail, log_content=log_content)

    ((op, kwargs),) = bedrock.calls
    assert op == "InvokeModelWithResponseStream"
    assert (kwargs["guardrailIdentifier"], kwargs["guardrailVersion"]) == ("gr123", "2")
    assert kwargs["trace"] == ("ENABLED" if log_content else "DISABLED")
    name, done = stream.terminal()
    assert (name, done["stop_reason"]) == ("done", "guardrail_intervened")


def test_without_a_guardrail_native_bodies_go_as_they_are():
    bedrock = FakeBedrock([[chunk(obj) for obj in rec.TITAN_GUARDRAIL]])
    serve(bedrock, body={"model": "amazon.titan-text-express-v1", "native": {"inputText": "x"}})
    assert not {"guardrailIdentifier", "guardrailVersion", "trace"} & set(bedrock.calls[0][1])
