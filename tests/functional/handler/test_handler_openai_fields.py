"""The OpenAI request's fields (docs/API.md §6, §12.4): what each becomes, and clear refusals.

Every refusal is a 400 in OpenAI's shape naming the field the client sent (not the chat
request's field it was mapped to), and Bedrock is never called for it.
"""

from __future__ import annotations

import base64
import json
import socket
from typing import Any

import pytest

from tests.functional.handler.handler_fakes import FakeBedrock, converse_events
from tests.functional.handler.openai_support import (
    DEEPSEEK,
    HAIKU3,
    HAIKU45,
    NOVA2,
    WEATHER,
    call,
    error_message,
    request_log,
)
from tests.unit.media_samples import JPEG, PNG

ASK = [{"role": "user", "content": "Weather in Paris?"}]
CALLED = {
    "role": "assistant",
    "content": "Let me look.",
    "tool_calls": [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "weather_tool", "arguments": '{"location": "Paris"}'},
        }
    ],
}


def sent(body: dict[str, Any]) -> dict[str, Any]:
    """What Bedrock received for an OpenAI request that is answered normally."""
    bedrock = FakeBedrock([converse_events(["ok"])])
    stream = call(body, bedrock)
    assert stream.status == 200, stream.body[:300]
    return bedrock.calls[0][1]


def refused(body: dict[str, Any]) -> str:
    """The message of the 400 for an OpenAI request; Bedrock was not called."""
    bedrock = FakeBedrock([converse_events(["ok"])])
    message = error_message(call(body, bedrock))
    assert bedrock.calls == []
    return message


# --- sampling, fields accepted and refused ----------------------------------------------------


def test_top_p_is_dropped_and_logged_for_a_model_that_takes_one_sampler():
    body = {"model": HAIKU45, "messages": ASK, "temperature": 0.5, "top_p": 0.9}
    bedrock = FakeBedrock([converse_events(["ok"])])
    with request_log() as log:
        stream = call(body, bedrock)
    assert stream.status == 200
    assert bedrock.calls[0][1]["inferenceConfig"] == {"maxTokens": 16384, "temperature": 0.5}
    assert log["dropped"] == ["top_p"]
    assert "Weather in Paris" not in log["_text"]
    # /chat answers the same request with a 400, as docs/API.md §12.1 says
    chat = call(
        {"model": HAIKU45, "messages": ASK, "temperature": 0.5, "top_p": 0.9}, bedrock, path="/chat"
    )
    assert chat.status == 400
    assert "temperature, top_p" in chat.json()["error"]["message"]


def test_top_p_is_kept_for_a_model_that_takes_both():
    body = {"model": HAIKU3, "messages": ASK, "temperature": 0.5, "top_p": 0.9}
    with request_log() as log:
        config = sent(body)["inferenceConfig"]
    assert config == {"maxTokens": 4096, "temperature": 0.5, "topP": 0.9}
    assert "dropped" not in log


def test_strict_tools_are_accepted_without_strict_and_logged():
    # The official client's pydantic_function_tool() sets strict: true; Converse has no
    # strict mode, so the tool is sent without it and the log line says it was dropped.
    tool = {"type": "function", "function": {**WEATHER["function"], "strict": True}}
    body = {"model": HAIKU3, "messages": ASK, "tools": [tool]}
    with request_log() as log:
        spec = sent(body)["toolConfig"]["tools"][0]["toolSpec"]
    assert spec["name"] == WEATHER["function"]["name"]
    assert "strict" not in spec
    assert log["dropped"] == ["strict"]


@pytest.mark.parametrize("field", ["logprobs", "frequency_penalty", "response_format", "store"])
def test_an_unsupported_field_is_named(field):
    message = refused({"model": HAIKU3, "messages": ASK, field: True})
    assert message == f"unsupported fields: ['{field}']"


def test_user_seed_n_and_parallel_tool_calls_are_accepted():
    body = {"model": HAIKU3, "messages": ASK, "user": "u-1", "seed": 7, "n": 1}
    body |= {"tools": [WEATHER], "parallel_tool_calls": False}
    assert sent(body)["messages"] == [{"role": "user", "content": [{"text": "Weather in Paris?"}]}]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"seed": "7"}, "seed"),
        ({"seed": True}, "seed"),
        ({"parallel_tool_calls": "no"}, "parallel_tool_calls"),
    ],
)
def test_accepted_fields_of_the_wrong_type_are_refused(extra, field):
    assert refused({"model": HAIKU3, "messages": ASK, **extra}).startswith(field)


def test_stream_options_keys_are_checked():
    body = {"model": HAIKU3, "messages": ASK, "stream": True}
    assert refused({**body, "stream_options": {"include_usage": True, "x": 1}}) == (
        "stream_options: unsupported fields ['x']"
    )
    assert (
        call(
            {**body, "stream_options": {"include_obfuscation": False}},
            FakeBedrock([converse_events(["ok"])]),
        ).status
        == 200
    )


def test_max_completion_tokens_is_named_when_it_is_out_of_range():
    message = refused({"model": HAIKU3, "messages": ASK, "max_completion_tokens": 0})
    assert message.startswith("max_completion_tokens must be bigger than or equal to 1")


# --- reasoning_effort -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "effort", "fields"),
    [
        (HAIKU45, "low", {"thinking": {"type": "enabled", "budget_tokens": 1024}}),
        (HAIKU45, "minimal", {"thinking": {"type": "enabled", "budget_tokens": 1024}}),
        (HAIKU45, "medium", {"thinking": {"type": "enabled", "budget_tokens": 4096}}),
        (HAIKU45, "none", None),
        (NOVA2, "high", {"reasoningConfig": {"type": "enabled", "maxReasoningEffort": "high"}}),
        (DEEPSEEK, "high", None),  # always reasons: nothing to switch
    ],
)
def test_reasoning_effort_becomes_each_models_own_control(model, effort, fields):
    body = {"model": model, "messages": ASK, "reasoning_effort": effort}
    assert sent(body).get("additionalModelRequestFields") == fields


def test_reasoning_effort_in_a_conversation_of_texts_is_sent():
    messages = [
        *ASK,
        {"role": "assistant", "content": "Sunny."},
        {"role": "user", "content": "And?"},
    ]
    fields = sent({"model": HAIKU45, "messages": messages, "reasoning_effort": "low"})
    assert fields["additionalModelRequestFields"] == {
        "thinking": {"type": "enabled", "budget_tokens": 1024}
    }


def test_reasoning_effort_refusals_name_it():
    assert refused({"model": HAIKU45, "messages": ASK, "reasoning_effort": "xhigh"}).startswith(
        "reasoning_effort: must be one of ['none', 'minimal', 'low', 'medium', 'high']"
    )
    assert refused({"model": HAIKU3, "messages": ASK, "reasoning_effort": "low"}) == (
        f"reasoning_effort: model {HAIKU3} cannot reason"
    )


# --- tools ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", None),
        ("required", {"any": {}}),
        (
            {"type": "function", "function": {"name": "weather_tool"}},
            {"tool": {"name": "weather_tool"}},
        ),
    ],
)
def test_tool_choice_becomes_bedrocks(choice, expected):
    config = sent({"model": HAIKU3, "messages": ASK, "tools": [WEATHER], "tool_choice": choice})
    assert config["toolConfig"].get("toolChoice") == expected


def test_tool_choice_none_withholds_the_tools():
    assert "toolConfig" not in sent(
        {"model": HAIKU3, "messages": ASK, "tools": [WEATHER], "tool_choice": "none"}
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"tool_choice": {"type": "function", "function": {"name": "nope"}}},
            "tool_choice.function.name: 'nope' is not a declared tool",
        ),
        ({"tool_choice": "any"}, "tool_choice: must be"),
        (
            {"tools": [{"type": "custom", "custom": {"name": "x"}}]},
            'tools[0].type: only tools of type "function"',
        ),
        (
            {"tools": [{"type": "function", "function": {"name": "bad name"}}]},
            "tools[0].function.name must match pattern",
        ),
        (
            {"tools": [{"type": "function", "function": {"name": "f", "parameters": []}}]},
            "tools[0].function.parameters must be object",
        ),
        ({"tools": [WEATHER, WEATHER]}, "tools[1].function.name: 'weather_tool' is declared twice"),
        ({"tools": [WEATHER], "model": DEEPSEEK}, f"tools: model {DEEPSEEK} cannot use tools"),
    ],
)
def test_tool_refusals_name_the_openai_field(extra, message):
    assert refused({"model": HAIKU3, "messages": ASK, **extra}).startswith(message)


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"a": NaN}', "is not valid JSON"),
    ],
)
def test_tool_call_arguments_must_be_a_json_object(arguments, problem):
    called = json.loads(json.dumps(CALLED))
    called["tool_calls"][0]["function"]["arguments"] = arguments
    messages = [*ASK, called, {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}]
    message = refused({"model": HAIKU3, "messages": messages, "tools": [WEATHER]})
    assert message == f"messages[1].tool_calls[0].function.arguments: {problem}"


def test_a_tool_result_that_answers_no_call_names_its_message():
    messages = [*ASK, CALLED, {"role": "tool", "tool_call_id": "call_9", "content": "sunny"}]
    message = refused({"model": HAIKU3, "messages": messages, "tools": [WEATHER]})
    assert message == "messages[2].tool_call_id: 'call_9' answers no tool_use of messages[1]"


def test_tool_calls_in_the_history_need_the_tools_declared():
    messages = [*ASK, CALLED, {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}]
    message = refused({"model": HAIKU3, "messages": messages})
    assert message == "messages[1].tool_calls[0]: tool blocks need the tools declared in `tools`"


# --- messages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"role": "user", "content": "hi", "foo": 1}, "messages[0]: unsupported fields ['foo']"),
        ({"role": "function", "content": "hi"}, "messages[0].role: must be one of"),
        (
            {"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]},
            "messages[0].content[0].type: must be one of ['text', 'image_url'] here",
        ),
        (
            {"role": "user", "content": []},
            "messages[0].content: must be a string or a non-empty list",
        ),
        ({"role": "user", "content": ""}, "messages[0].content must be longer than or equal to 1"),
    ],
)
def test_message_refusals_name_the_field(message, expected):
    assert refused({"model": HAIKU3, "messages": [message]}).startswith(expected)


def test_text_parts_of_a_message_are_joined_and_a_cache_point_keeps_them_apart():
    parts = [{"type": "text", "text": "Hello, "}, {"type": "text", "text": "world."}]
    assert sent({"model": HAIKU45, "messages": [{"role": "user", "content": parts}]})[
        "messages"
    ] == [{"role": "user", "content": [{"text": "Hello, world."}]}]
    parts[0]["prompt_cache_breakpoint"] = {"mode": "explicit"}
    content = sent({"model": HAIKU45, "messages": [{"role": "user", "content": parts}]})[
        "messages"
    ][0]["content"]
    assert content == [{"text": "Hello, "}, {"cachePoint": {"type": "default"}}, {"text": "world."}]


def test_an_assistant_message_needs_content_or_tool_calls():
    messages = [*ASK, {"role": "assistant", "content": None}, {"role": "user", "content": "?"}]
    assert refused({"model": HAIKU3, "messages": messages}) == (
        "messages[1]: an assistant message needs content or tool_calls"
    )


def test_a_refusal_handed_back_is_not_supported():
    messages = [*ASK, {"role": "assistant", "content": "x", "refusal": "no"}, ASK[0]]
    assert (
        refused({"model": HAIKU3, "messages": messages}) == "messages[1].refusal: is not supported"
    )


def test_prompt_cache_breakpoints_become_cache_points():
    system = {
        "role": "system",
        "content": [
            {"type": "text", "text": "Long rules.", "prompt_cache_breakpoint": {"mode": "explicit"}}
        ],
    }
    user = {
        "role": "user",
        "content": [{"type": "text", "text": "Q", "prompt_cache_breakpoint": {"mode": "explicit"}}],
    }
    config = sent({"model": HAIKU45, "messages": [system, user]})
    assert config["system"] == [{"text": "Long rules."}, {"cachePoint": {"type": "default"}}]
    assert config["messages"][0]["content"] == [{"text": "Q"}, {"cachePoint": {"type": "default"}}]


def test_a_cache_ttl_cannot_be_promised_nor_a_cache_on_a_model_without_one():
    part = {
        "type": "text",
        "text": "Q",
        "prompt_cache_breakpoint": {"mode": "explicit", "ttl": "30m"},
    }
    message = refused({"model": HAIKU45, "messages": [{"role": "user", "content": [part]}]})
    assert message.startswith(
        "messages[0].content[0].prompt_cache_breakpoint.ttl: is not supported"
    )
    part = {"type": "text", "text": "Q", "prompt_cache_breakpoint": {"mode": "explicit"}}
    message = refused(
        {
            "model": HAIKU3,
            "messages": [{"role": "system", "content": "S"}, {"role": "user", "content": [part]}],
        }
    )
    assert (
        message
        == f"messages[1].content[0].prompt_cache_breakpoint: model {HAIKU3} has no prompt caching"
    )


# --- images -----------------------------------------------------------------------------------


def image_message(url: str) -> list[dict[str, Any]]:
    return [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "?"},
                {"type": "image_url", "image_url": {"url": url}},
            ],
        }
    ]


def data_url(data: bytes, media: str = "png") -> str:
    return f"data:image/{media};base64,{base64.b64encode(data).decode()}"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("data:image/png;base64,@@@", "not valid base64"),
        (data_url(JPEG, "png"), "is not png data"),
        (data_url(PNG, "bmp"), "must be data:image/<png|jpeg|gif|webp>;base64,<data>"),
        ("data:image/png,rawbytes", "must be data:image/<png|jpeg|gif|webp>;base64,<data>"),
    ],
)
def test_a_bad_data_url_is_named(url, problem):
    message = refused({"model": HAIKU3, "messages": image_message(url)})
    assert message == f"messages[0].content[1].image_url.url: {problem}"


def test_an_image_for_a_model_that_takes_no_images_is_named():
    message = refused({"model": DEEPSEEK, "messages": image_message(data_url(PNG))})
    assert message == f"messages[0].content[1]: model {DEEPSEEK} does not take images"


@pytest.mark.parametrize("scheme", ["http", "https", "HTTP", "ftp", "file"])
def test_an_image_url_is_refused_and_never_fetched(scheme):
    # A listening socket on loopback: any attempt to fetch the URL would connect to it.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        server.setblocking(False)
        host, port = server.getsockname()
        url = f"{scheme}://{host}:{port}/secret-cat.png"
        message = refused({"model": HAIKU3, "messages": image_message(url)})
        assert message == (
            "messages[0].content[1].image_url.url: only data URLs (data:image/png;base64,...) "
            "are taken; this function fetches nothing"
        )
        assert "secret-cat" not in message  # the URL is not echoed either
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody connected
