"""converse_kwargs for each family and feature of docs/API.md §12.1 (ConverseStream shapes)."""

from __future__ import annotations

from typing import Any

import pytest

from bedrock_stream.blocks import Guardrail
from bedrock_stream.config import Config
from bedrock_stream.converse import converse_call, converse_kwargs
from bedrock_stream.request import parse_chat
from tests.unit.media_samples import GIF, PDF, PNG, b64, document, image

HAIKU45 = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0"
NOVA2 = "us.amazon.nova-2-lite-v1:0"
NOVA = "amazon.nova-lite-v1:0"
R1 = "us.deepseek.r1-v1:0"
OSS = "openai.gpt-oss-20b-1:0"
TITAN = "amazon.titan-text-express-v1"
LLAMA = "meta.llama3-8b-instruct-v1:0"
NEW = "vendor.brand-new-model-v1:0"
MODELS = (HAIKU45, HAIKU3, NOVA2, NOVA, R1, OSS, TITAN, LLAMA, NEW)
CONFIG = Config(allowed_models=MODELS, default_model=HAIKU45, max_tokens_limit=16384)

TOOL = {"name": "get_weather", "description": "Weather", "input_schema": {"type": "object"}}
CALL = {"type": "tool_use", "id": "tooluse_1", "name": "get_weather", "input": {"city": "Paris"}}
SPEC = {
    "toolSpec": {
        "name": "get_weather",
        "description": "Weather",
        "inputSchema": {"json": {"type": "object"}},
    }
}


def kwargs(body: dict[str, Any], config: Config = CONFIG) -> dict[str, Any]:
    return converse_kwargs(parse_chat(body, config))


def user(*blocks: Any) -> dict:
    return {"role": "user", "content": list(blocks)}


def assistant(*blocks: Any) -> dict:
    return {"role": "assistant", "content": list(blocks)}


def text(value: str) -> dict:
    return {"type": "text", "text": value}


@pytest.mark.parametrize(
    ("model", "max_tokens"),
    [(HAIKU45, 16384), (HAIKU3, 4096), (NOVA2, 16384), (TITAN, 512), (LLAMA, 512), (NEW, 4096)],
)
def test_max_tokens_is_always_sent(model, max_tokens):
    got = kwargs({"model": model, "prompt": "hi"})

    assert got == {
        "modelId": model,
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
        "inferenceConfig": {"maxTokens": max_tokens},
    }


def test_inference_config_keeps_what_the_request_gave():
    got = kwargs(
        {"model": HAIKU3, "prompt": "hi", "max_tokens": 10, "temperature": 0.2, "top_p": 0.5}
        | {"stop": ["END"]}
    )

    assert got["inferenceConfig"] == {
        "maxTokens": 10,
        "temperature": 0.2,
        "topP": 0.5,
        "stopSequences": ["END"],
    }


def test_top_p_of_1_is_dropped_for_a_model_that_takes_one_of_the_two():
    got = kwargs({"model": HAIKU45, "prompt": "hi", "temperature": 0.2, "top_p": 1})

    assert got["inferenceConfig"] == {"maxTokens": 16384, "temperature": 0.2}


def test_image_and_document_bytes_go_raw_to_boto3():
    got = kwargs(
        {"messages": [user(text("look"), image("png"), document("pdf", name="Q3 Report"))]}
    )

    assert got["messages"][0]["content"] == [
        {"text": "look"},
        {"image": {"format": "png", "source": {"bytes": PNG}}},
        {"document": {"format": "pdf", "name": "Q3 Report", "source": {"bytes": PDF}}},
    ]


def test_tool_turns_and_reasoning_blocks():
    result = {
        "type": "tool_result",
        "tool_use_id": "tooluse_1",
        "content": [text("18 C"), image("gif")],
        "status": "success",
    }
    got = kwargs(
        {
            "messages": [
                user(text("weather?")),
                assistant(
                    {"type": "reasoning", "text": "need the tool", "signature": "sig=="},
                    {"type": "reasoning", "redacted": b64(b"\x00secret")},
                    CALL,
                ),
                user(result),
            ],
            "tools": [TOOL],
        }
    )

    assert got["messages"][1]["content"] == [
        {"reasoningContent": {"reasoningText": {"text": "need the tool", "signature": "sig=="}}},
        {"reasoningContent": {"redactedContent": b"\x00secret"}},
        {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Paris"}}},
    ]
    assert got["messages"][2]["content"] == [
        {
            "toolResult": {
                "toolUseId": "tooluse_1",
                "content": [
                    {"text": "18 C"},
                    {"image": {"format": "gif", "source": {"bytes": GIF}}},
                ],
                "status": "success",
            }
        }
    ]


@pytest.mark.parametrize(
    ("choice", "tool_config"),
    [
        (None, {"tools": [SPEC]}),  # auto is Bedrock's default: left out
        ("auto", {"tools": [SPEC]}),
        ("any", {"tools": [SPEC], "toolChoice": {"any": {}}}),
        (
            {"name": "get_weather"},
            {"tools": [SPEC], "toolChoice": {"tool": {"name": "get_weather"}}},
        ),
        ("none", None),  # Converse has no `none`: the tools are withheld
    ],
)
def test_tool_config(choice, tool_config):
    body: dict[str, Any] = {"model": NOVA, "prompt": "hi", "tools": [TOOL]}
    if choice is not None:
        body["tool_choice"] = choice

    assert kwargs(body).get("toolConfig") == tool_config


def test_tool_choice_none_with_tool_blocks_still_sends_the_tools():
    # Bedrock needs a toolConfig whenever the conversation holds toolUse/toolResult blocks.
    result = {"type": "tool_result", "tool_use_id": "tooluse_1", "content": "18 C"}
    body = {
        "model": NOVA,
        "messages": [user(text("weather?")), assistant(CALL), user(result)],
        "tools": [TOOL],
        "tool_choice": "none",
    }

    assert kwargs(body)["toolConfig"] == {"tools": [SPEC]}


def test_a_tool_without_description_has_none_in_its_spec():
    got = kwargs({"model": OSS, "prompt": "hi", "tools": [{"name": "t", "input_schema": {}}]})

    assert got["toolConfig"] == {
        "tools": [{"toolSpec": {"name": "t", "inputSchema": {"json": {}}}}]
    }


@pytest.mark.parametrize(
    ("model", "reasoning", "fields"),
    [
        (HAIKU45, {"effort": "medium"}, {"thinking": {"type": "enabled", "budget_tokens": 4096}}),
        (
            HAIKU45,
            {"budget_tokens": 2000},
            {"thinking": {"type": "enabled", "budget_tokens": 2000}},
        ),
        (
            NOVA2,
            {"effort": "high"},
            {"reasoningConfig": {"type": "enabled", "maxReasoningEffort": "high"}},
        ),
        (
            NOVA2,
            {"budget_tokens": 1024},
            {"reasoningConfig": {"type": "enabled", "maxReasoningEffort": "low"}},
        ),
        (R1, {"effort": "high"}, None),  # always reasons: nothing to send
        (OSS, {"effort": "low"}, None),
    ],
)
def test_reasoning_fields(model, reasoning, fields):
    got = kwargs({"model": model, "prompt": "hi", "reasoning": reasoning})

    assert got.get("additionalModelRequestFields") == fields


def test_cache_points_in_system_and_messages():
    got = kwargs(
        {
            "system": [text("long rules"), {"type": "cache_point"}],
            "messages": [user(document("txt"), {"type": "cache_point"}, text("question"))],
        }
    )

    assert got["system"] == [{"text": "long rules"}, {"cachePoint": {"type": "default"}}]
    assert got["messages"][0]["content"][1:] == [
        {"cachePoint": {"type": "default"}},
        {"text": "question"},
    ]


def test_string_system_is_one_text_block_and_empty_is_none():
    assert kwargs({"prompt": "hi", "system": "be brief"})["system"] == [{"text": "be brief"}]
    assert "system" not in kwargs({"prompt": "hi", "system": ""})


@pytest.mark.parametrize(("log_content", "trace"), [(False, "disabled"), (True, "enabled")])
def test_guardrail_config_on_every_call(log_content, trace):
    guardrail = Guardrail("gr0abc123", "DRAFT", "async", trace=log_content)
    config = Config(allowed_models=MODELS, default_model=HAIKU45, guardrail=guardrail)

    assert kwargs({"prompt": "hi"}, config)["guardrailConfig"] == {
        "guardrailIdentifier": "gr0abc123",
        "guardrailVersion": "DRAFT",
        "streamProcessingMode": "async",
        "trace": trace,
    }
    assert "guardrailConfig" not in kwargs({"prompt": "hi"})


def delta(value: str) -> dict:
    return {"contentBlockDelta": {"delta": {"text": value}, "contentBlockIndex": 0}}


def test_resume_trims_a_final_text_block_and_holds_its_whitespace():
    req = parse_chat({"messages": [user(text("go")), assistant(text("Part one.\n\n"))]}, CONFIG)

    assert converse_kwargs(req)["messages"][-1] == {
        "role": "assistant",
        "content": [{"text": "Part one."}],
    }
    mapper = converse_call(req).mapper()
    assert [d.text for d in mapper.feed(delta("\n\nPart two"))] == ["Part two"]


def test_resume_drops_a_whitespace_only_final_text_block():
    req = parse_chat({"messages": [user(text("go")), assistant(text("  "))]}, CONFIG)

    assert [m["role"] for m in converse_kwargs(req)["messages"]] == ["user"]


def test_resume_keeps_blocks_before_the_final_text():
    req = parse_chat(
        {"messages": [user(text("go")), assistant({"type": "cache_point"}, text("Hi "))]}, CONFIG
    )

    assert converse_kwargs(req)["messages"][-1]["content"] == [
        {"cachePoint": {"type": "default"}},
        {"text": "Hi"},
    ]


@pytest.mark.parametrize(
    ("effort", "sent"), [("low", True), ("medium", True), ("high", False), (None, True)]
)
def test_nova_2_at_high_effort_gets_no_max_tokens(effort, sent):
    # Nova 2 refuses maxTokens with maxReasoningEffort "high" (inspect_ai #3767); low and
    # medium keep it, and so does every other model at every effort.
    body: dict[str, Any] = {"model": NOVA2, "prompt": "hi", "max_tokens": 900}
    if effort is not None:
        body["reasoning"] = {"effort": effort}

    got = kwargs(body)

    assert ("maxTokens" in got["inferenceConfig"]) is sent
    if sent:
        assert got["inferenceConfig"]["maxTokens"] == 900
    other = {**body, "model": HAIKU45, "max_tokens": 16000}
    assert kwargs(other)["inferenceConfig"]["maxTokens"] == 16000
