"""The OpenAI surface's tool calls and reasoning (docs/API.md §12.4), driven by the official
openai client (in-process transport) and by raw requests."""

from __future__ import annotations

import base64
import json

from tests import recorded_streams as rec
from tests.functional.handler.handler_fakes import (
    FakeBedrock,
    converse_events,
)
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
