"""The OpenAI-compatible surface, driven by the official openai client (in-process transport)."""

from __future__ import annotations

import base64
import json

import openai
import pytest

from tests import recorded_streams as rec
from tests.functional.handler.handler_fakes import (
    FakeBedrock,
    Raise,
    client_error,
    converse_events,
    make_config,
    make_event,
    stream_error,
)
from tests.functional.handler.handler_run import handle_once
from tests.functional.handler.openai_support import (
    DEEPSEEK,
    HAIKU3,
    HAIKU45,
    WEATHER,
    call,
    chunks,
    deltas,
    openai_client,
    request_log,
)
from tests.unit.media_samples import GIF, JPEG, PNG, WEBP

PIECES = ["Hel", "lo,\n", "wor", "ld 🙂"]


def test_streaming_completion():
    bedrock = FakeBedrock([converse_events(PIECES, usage=(11, 5))])
    client = openai_client(bedrock)
    chunks = list(
        client.chat.completions.create(
            model="anthropic.claude-3-haiku-20240307-v1:0",
            messages=[
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Say hello"},
            ],
            stream=True,
            stream_options={"include_usage": True},
            max_tokens=50,
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "".join(PIECES)
    finishes = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finishes == ["stop"]
    assert chunks[-1].usage.prompt_tokens == 11
    assert chunks[-1].usage.completion_tokens == 5
    sent = bedrock.calls[0][1]
    assert sent["system"] == [{"text": "Be brief."}]
    assert sent["inferenceConfig"] == {"maxTokens": 50}


def test_non_streaming_completion():
    client = openai_client(FakeBedrock([converse_events(PIECES, "max_tokens", usage=(3, 4))]))
    completion = client.chat.completions.create(
        model="anthropic.claude-3-haiku-20240307-v1:0",
        messages=[{"role": "user", "content": "Say hello"}],
    )
    assert completion.choices[0].message.content == "".join(PIECES)
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage.total_tokens == 7


def test_models_list():
    models = openai_client(FakeBedrock([])).models.list()
    assert [m.id for m in models.data] == list(make_config().allowed_models)


def test_throttling_is_a_rate_limit_error():
    client = openai_client(
        FakeBedrock([client_error("ThrottlingException", 429)], repeat_last=True), max_attempts=1
    )
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(
            model="anthropic.claude-3-haiku-20240307-v1:0",
            messages=[{"role": "user", "content": "x"}],
        )
    assert info.value.response.headers["Retry-After"]


def test_invalid_request_in_openai_shape():
    client = openai_client(FakeBedrock([]))
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(
            model="anthropic.claude-3-haiku-20240307-v1:0",
            messages=[{"role": "tool", "content": "x"}],
        )
    assert info.value.body["type"] == "invalid_request_error"
    assert info.value.body["code"] == "invalid_request"


def test_model_not_allowed_is_permission_error():
    client = openai_client(FakeBedrock([]))
    with pytest.raises(openai.PermissionDeniedError):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])


def test_midstream_error_raises_in_the_client_after_the_text():
    steps = [
        *converse_events(["partial "], stop_reason=None)[:2],
        Raise(stream_error("modelStreamErrorException")),
    ]
    client = openai_client(FakeBedrock([steps]))
    seen: list[str] = []

    def consume() -> None:
        for chunk in client.chat.completions.create(
            model="anthropic.claude-3-haiku-20240307-v1:0",
            messages=[{"role": "user", "content": "x"}],
            stream=True,
        ):
            seen.append(chunk.choices[0].delta.content or "")

    with pytest.raises(openai.APIError, match="modelStreamErrorException"):
        consume()
    assert "".join(seen) == "partial "


def test_midstream_error_without_streaming_is_an_http_error():
    steps = [
        *converse_events(["partial"], stop_reason=None)[:2],
        Raise(stream_error("internalServerException")),
    ]
    client = openai_client(FakeBedrock([steps]))
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(
            model="anthropic.claude-3-haiku-20240307-v1:0",
            messages=[{"role": "user", "content": "x"}],
        )
    assert info.value.status_code == 502


def test_api_key_mode_with_the_clients_bearer_token():
    ok = openai_client(FakeBedrock([converse_events(["ok"])]), auth_mode="api_key", api_key="k-123")
    reply = ok.chat.completions.create(
        model="anthropic.claude-3-haiku-20240307-v1:0", messages=[{"role": "user", "content": "x"}]
    )
    assert reply.choices[0].message.content == "ok"
    config = make_config(auth_mode="api_key", api_key="k-123")
    event = make_event("GET", "/v1/models", headers={"authorization": "Bearer nope"})
    stream = handle_once(event, FakeBedrock([]), config=config)
    assert stream.status == 403
    assert stream.json()["error"]["type"] == "permission_error"


# --- tools: docs/API.md §12.4 -----------------------------------------------------------------


def test_tool_loop_not_streamed_hands_calls_and_results_back_to_bedrock():
    bedrock = FakeBedrock([rec.CLAUDE_TWO_TOOLS, converse_events(["Berlin 18, Paris 21."])])
    client = openai_client(bedrock)
    messages: list = [{"role": "user", "content": "Weather in Berlin and Paris?"}]
    first = client.chat.completions.create(model=HAIKU3, messages=messages, tools=[WEATHER])
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content.endswith("for each city.")
    calls = choice.message.tool_calls
    assert [(c.id, c.type, c.function.name) for c in calls] == [
        ("tooluse_A0jTtaiQTFmqD_cIq8I1BA", "function", "weather_tool"),
        ("tooluse_LTc2TUMgTRiobK5Z5CCNSw", "function", "weather_tool"),
    ]
    assert [json.loads(c.function.arguments) for c in calls] == [
        {"location": "Berlin"},
        {"location": "Paris"},
    ]
    assert bedrock.calls[0][1]["toolConfig"] == {
        "tools": [
            {
                "toolSpec": {
                    "name": "weather_tool",
                    "description": "The weather in a city",
                    "inputSchema": {"json": WEATHER["function"]["parameters"]},
                }
            }
        ]
    }
    # the client's own loop: its message object back, one tool message per call, a remark
    messages += [
        choice.message,
        {"role": "tool", "tool_call_id": calls[0].id, "content": "18 C"},
        {
            "role": "tool",
            "tool_call_id": calls[1].id,
            "content": [{"type": "text", "text": "21 C"}],
        },
        {"role": "user", "content": "Short, please."},
    ]
    final = client.chat.completions.create(model=HAIKU3, messages=messages, tools=[WEATHER])
    assert final.choices[0].message.content == "Berlin 18, Paris 21."
    assert final.choices[0].finish_reason == "stop"
    sent = bedrock.calls[1][1]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1]["content"][0] == {"text": choice.message.content}
    assert [b["toolUse"] for b in sent[1]["content"][1:]] == [
        {"toolUseId": calls[0].id, "name": "weather_tool", "input": {"location": "Berlin"}},
        {"toolUseId": calls[1].id, "name": "weather_tool", "input": {"location": "Paris"}},
    ]
    # consecutive tool messages are one user turn, and the user's remark joins it
    assert sent[2]["content"] == [
        {"toolResult": {"toolUseId": calls[0].id, "content": [{"text": "18 C"}]}},
        {"toolResult": {"toolUseId": calls[1].id, "content": [{"text": "21 C"}]}},
        {"text": "Short, please."},
    ]


def test_streamed_tool_calls_come_in_fragments_shaped_as_openai_sends_them():
    body = {"model": HAIKU3, "stream": True, "tools": [WEATHER]}
    body["messages"] = [{"role": "user", "content": "Weather in Berlin and Paris?"}]
    stream = call(body, FakeBedrock([rec.CLAUDE_TWO_TOOLS]))
    fragments = [tc for d in deltas(stream) for tc in d.get("tool_calls", [])]
    by_call: dict[int, list[dict]] = {}
    for fragment in fragments:
        by_call.setdefault(fragment["index"], []).append(fragment)
    assert sorted(by_call) == [0, 1]
    expected = {
        0: ("tooluse_A0jTtaiQTFmqD_cIq8I1BA", "Berlin"),
        1: ("tooluse_LTc2TUMgTRiobK5Z5CCNSw", "Paris"),
    }
    for index, (first, *rest) in by_call.items():
        call_id, city = expected[index]
        assert first == {
            "index": index,
            "id": call_id,
            "type": "function",
            "function": {"name": "weather_tool", "arguments": ""},
        }
        assert len(rest) >= 2  # re-split: OpenAI clients join the pieces
        assert all(
            set(f) == {"index", "function"} and set(f["function"]) == {"arguments"} for f in rest
        )
        joined = "".join(f["function"]["arguments"] for f in rest)
        assert json.loads(joined) == {"location": city}
    finishes = [c["choices"][0]["finish_reason"] for c in chunks(stream) if c["choices"]]
    assert [f for f in finishes if f] == ["tool_calls"]
    # the text before the calls is still the content
    assert "".join(d.get("content", "") for d in deltas(stream)).endswith("for each city.")


def test_the_clients_stream_helper_assembles_calls_and_reasoning_to_hand_back():
    bedrock = FakeBedrock([rec.CLAUDE_THINKING_THEN_TOOL, converse_events(["Sunny."])])
    client = openai_client(bedrock)
    tool = {**WEATHER, "function": {**WEATHER["function"], "name": "weather"}}
    messages: list = [{"role": "user", "content": "Weather in Paris?"}]
    with client.chat.completions.stream(
        model=HAIKU45, messages=messages, tools=[tool], reasoning_effort="low"
    ) as stream:
        final = stream.get_final_completion()
    message = final.choices[0].message
    assert final.choices[0].finish_reason == "tool_calls"
    assert json.loads(message.tool_calls[0].function.arguments) == {"city": "Paris"}
    thought = (
        "The user is asking about the weather in Paris. I have access to a weather function"
        " that takes a city parameter."
    )
    assert message.reasoning_content == thought
    assert message.thinking_blocks == [
        {
            "index": 0,
            "type": "thinking",
            "thinking": thought,
            "signature": rec.CLAUDE_THINKING_THEN_TOOL[6]["contentBlockDelta"]["delta"][
                "reasoningContent"
            ]["signature"],
        }
    ]
    messages += [
        message,
        {"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": "sunny"},
    ]
    answer = client.chat.completions.create(
        model=HAIKU45, messages=messages, tools=[tool], reasoning_effort="low"
    )
    assert answer.choices[0].message.content == "Sunny."
    sent = bedrock.calls[1][1]
    assert sent["additionalModelRequestFields"]["thinking"] == {
        "type": "enabled",
        "budget_tokens": 1024,
    }
    # Claude's signed thinking goes back first, unchanged, before the call it led to
    assert sent["messages"][1]["content"][0] == {
        "reasoningContent": {
            "reasoningText": {"text": thought, "signature": "ErUBCkYIARgCIkACJWxzySUOJzOlZ8WFdgQ=="}
        }
    }
    assert "toolUse" in sent["messages"][1]["content"][1]


def test_a_claude_tool_loop_without_its_thinking_is_sent_without_reasoning():
    bedrock = FakeBedrock([converse_events(["Sunny."])])
    messages = [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "weather_tool", "arguments": '{"location": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
    ]
    body = {"model": HAIKU45, "messages": messages, "tools": [WEATHER], "reasoning_effort": "high"}
    with request_log() as log:
        stream = call(body, bedrock)
    assert stream.status == 200
    assert "additionalModelRequestFields" not in bedrock.calls[0][1]
    assert log["dropped"] == ["reasoning_effort"]


# --- reasoning --------------------------------------------------------------------------------


def test_streamed_reasoning_is_reasoning_content_then_a_signed_thinking_block():
    body = {"model": HAIKU45, "stream": True, "messages": [{"role": "user", "content": "x"}]}
    body["tools"] = [{**WEATHER, "function": {**WEATHER["function"], "name": "weather"}}]
    stream = call(body, FakeBedrock([rec.CLAUDE_THINKING_THEN_TOOL]))
    seen = deltas(stream)
    reasoning = [d["reasoning_content"] for d in seen if "reasoning_content" in d]
    assert len(reasoning) == 5  # as the model sent them
    assert "".join(reasoning).startswith("The user is asking about the weather in Paris.")
    blocks = [d["thinking_blocks"] for d in seen if "thinking_blocks" in d]
    assert blocks == [
        [
            {
                "index": 0,
                "type": "thinking",
                "thinking": "".join(reasoning),
                "signature": "ErUBCkYIARgCIkACJWxzySUOJzOlZ8WFdgQ==",
            }
        ]
    ]
    order = [next(iter(d)) for d in seen[1:] if d]
    assert order.index("thinking_blocks") < order.index("tool_calls")
    assert all("content" not in d for d in seen[1:])  # reasoning is never answer text


def test_redacted_reasoning_is_a_redacted_thinking_block_before_the_text():
    body = {"model": HAIKU45, "stream": True, "messages": [{"role": "user", "content": "x"}]}
    stream = call(body, FakeBedrock([rec.CLAUDE_REDACTED_THEN_TEXT]))
    seen = deltas(stream)
    (index,) = [i for i, d in enumerate(seen) if "thinking_blocks" in d]
    assert seen[index]["thinking_blocks"] == [
        {
            "index": 0,
            "type": "redacted_thinking",
            "data": base64.b64encode(b"Some encrypted byte string").decode(),
        }
    ]
    first_text = next(i for i, d in enumerate(seen) if d.get("content"))
    assert index < first_text
    assert not any("reasoning_content" in d for d in seen)


def test_not_streamed_reasoning_of_a_model_that_always_reasons():
    client = openai_client(FakeBedrock([rec.DEEPSEEK_R1]))
    completion = client.chat.completions.create(
        model=DEEPSEEK, messages=[{"role": "user", "content": "2+2"}]
    )
    message = completion.choices[0].message
    assert message.content == "\n\n2 + 2 = 4."
    assert message.reasoning_content == "Okay, the user asks for 2+2. That is 4."
    assert getattr(message, "thinking_blocks", None) is None  # unsigned: nothing to hand back


def test_not_streamed_tool_call_with_reasoning_and_no_text_has_null_content():
    bedrock = FakeBedrock([rec.GPT_OSS_REASONING_THEN_TOOL])
    body = {"model": "openai.gpt-oss-20b-1:0", "messages": [{"role": "user", "content": "Oslo?"}]}
    body["tools"] = [{"type": "function", "function": {"name": "get_weather"}}]
    stream = call(body, bedrock)
    doc = stream.json()
    assert doc["choices"][0]["finish_reason"] == "tool_calls"
    assert doc["choices"][0]["message"] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "tooluse_gptoss_0",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'},
            }
        ],
        "reasoning_content": "Need the weather; call the tool with city Oslo.",
    }
    assert doc["usage"] == {"prompt_tokens": 97, "completion_tokens": 38, "total_tokens": 135}
    # a function without parameters gets an empty object schema, as OpenAI assumes
    spec = bedrock.calls[0][1]["toolConfig"]["tools"][0]["toolSpec"]
    assert spec["inputSchema"] == {"json": {"type": "object", "properties": {}}}


# --- usage, finish reasons --------------------------------------------------------------------


def _with_usage(**usage: int) -> list:
    events = converse_events(["ok"])
    events[-1]["metadata"]["usage"] = usage
    return events


def test_usage_chunk_counts_cache_tokens_as_openai_does():
    cached = _with_usage(
        inputTokens=5, outputTokens=3, cacheReadInputTokens=100, cacheWriteInputTokens=20
    )
    body = {"model": HAIKU45, "stream": True, "stream_options": {"include_usage": True}}
    body["messages"] = [{"role": "user", "content": "x"}]
    stream = call(body, FakeBedrock([cached]))
    last = chunks(stream)[-1]
    assert last["choices"] == []
    assert last["usage"] == {
        "prompt_tokens": 125,
        "completion_tokens": 3,
        "total_tokens": 128,
        "prompt_tokens_details": {"cached_tokens": 100},
    }
    assert all(c["usage"] is None for c in chunks(stream)[:-1])  # as OpenAI sends them
    plain = call(
        {**body, "stream": False}, FakeBedrock([_with_usage(inputTokens=5, outputTokens=3)])
    )
    assert plain.json()["usage"] == {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}


def test_a_full_context_window_is_length():
    body = {"model": HAIKU45, "stream": True, "messages": [{"role": "user", "content": "x"}]}
    stream = call(body, FakeBedrock([converse_events(["a"], "model_context_window_exceeded")]))
    assert chunks(stream)[-1]["choices"][0]["finish_reason"] == "length"


# --- images -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("media", "data", "fmt"),
    [
        ("png", PNG, "png"),
        ("jpeg", JPEG, "jpeg"),
        ("jpg", JPEG, "jpeg"),
        ("GIF", GIF, "gif"),
        ("webp", WEBP, "webp"),
    ],
)
def test_an_image_data_url_reaches_bedrock_as_its_bytes(media, data, fmt):
    bedrock = FakeBedrock([converse_events(["a cat"])])
    url = f"data:image/{media};base64,{base64.b64encode(data).decode()}"
    content = [
        {"type": "text", "text": "What is it?"},
        {"type": "image_url", "image_url": {"url": url, "detail": "low"}},
    ]
    stream = call({"model": HAIKU3, "messages": [{"role": "user", "content": content}]}, bedrock)
    assert stream.status == 200
    assert bedrock.calls[0][1]["messages"][0]["content"] == [
        {"text": "What is it?"},
        {"image": {"format": fmt, "source": {"bytes": data}}},
    ]
