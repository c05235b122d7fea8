"""Every request rule of docs/API.md §12.1: a 400 naming the field, before Bedrock is called."""

from __future__ import annotations

from typing import Any

import pytest

from bedrock_stream.blocks import (
    CachePointBlock,
    DocumentBlock,
    Guardrail,
    ImageBlock,
    ReasoningBlock,
    ReasoningPlan,
    TextBlock,
    Tool,
    ToolChoice,
    ToolResultBlock,
    ToolUseBlock,
)
from bedrock_stream.config import Config
from bedrock_stream.errors import AppError
from bedrock_stream.media import MAX_DOCUMENT_BYTES, MAX_IMAGE_BYTES
from bedrock_stream.request import ChatRequest, Message, parse_chat
from tests.unit.media_samples import JPEG, PDF, PNG, SAMPLES, XLSX, b64, document, image

HAIKU45 = "global.anthropic.claude-haiku-4-5-20251001-v1:0"  # budget, exclusive, caching
HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0"  # no reasoning, no caching
HAIKU35 = "anthropic.claude-3-5-haiku-20241022-v1:0"  # no images
NOVA2 = "us.amazon.nova-2-lite-v1:0"  # effort
R1 = "us.deepseek.r1-v1:0"  # always reasons, text only, no tools
OSS = "openai.gpt-oss-20b-1:0"  # always reasons, tools
TITAN = "amazon.titan-text-express-v1"  # documents, no tools
COHERE = "cohere.command-text-v14"  # default max_tokens 20
MODELS = (HAIKU45, HAIKU3, HAIKU35, NOVA2, R1, OSS, TITAN, COHERE)
CONFIG = Config(allowed_models=MODELS, default_model=HAIKU45, max_tokens_limit=16384)

TOOL = {"name": "get_weather", "description": "Weather", "input_schema": {"type": "object"}}
CALL = {"type": "tool_use", "id": "tooluse_1", "name": "get_weather", "input": {"city": "Paris"}}
RESULT = {"type": "tool_result", "tool_use_id": "tooluse_1", "content": "18 C"}


def user(*blocks: Any) -> dict:
    return {"role": "user", "content": list(blocks)}


def assistant(*blocks: Any) -> dict:
    return {"role": "assistant", "content": list(blocks)}


def text(value: str = "hi") -> dict:
    return {"type": "text", "text": value}


def tool_turns(*, tools: Any = (TOOL,), result: dict = RESULT, **extra: Any) -> dict:
    body: dict[str, Any] = {
        "model": HAIKU45,
        "messages": [user(text("weather?")), assistant(CALL), user(result)],
        **extra,
    }
    if tools:
        body["tools"] = list(tools)
    return body


def with_model(model: str, **body: Any) -> dict:
    return {"model": model, **body}


# (name, body, the field the message names, a fragment of the problem)
REJECTED: list[tuple[str, dict, str, str]] = [
    (
        "image not base64",
        {"messages": [user({"type": "image", "format": "png", "data": "!!not base64"})]},
        "messages[0].content[0].data:",
        "not valid base64",
    ),
    (
        "image too large",
        {"messages": [user(text(), image("png", PNG + bytes(MAX_IMAGE_BYTES)))]},
        "messages[0].content[1].data:",
        f"more than the {MAX_IMAGE_BYTES}",
    ),
    (
        "document too large",
        {"messages": [user(document("pdf", PDF + bytes(MAX_DOCUMENT_BYTES)))]},
        "messages[0].content[0].data:",
        f"more than the {MAX_DOCUMENT_BYTES}",
    ),
    (
        "png that is a jpeg",
        {"messages": [user(image("png", JPEG))]},
        "messages[0].content[0].data:",
        "is not png data",
    ),
    (
        "webp that is a png",
        {"messages": [user(image("webp", PNG))]},
        "messages[0].content[0].data:",
        "is not webp data",
    ),
    (
        "pdf that is text",
        {"messages": [user(document("pdf", b"just text"))]},
        "messages[0].content[0].data:",
        "is not pdf data",
    ),
    (
        "docx that is an xlsx",
        {"messages": [user(document("docx", XLSX))]},
        "messages[0].content[0].data:",
        "is not docx data",
    ),
    (
        "doc that is a pdf",
        {"messages": [user(document("doc", PDF))]},
        "messages[0].content[0].data:",
        "is not doc data",
    ),
    (
        "txt that is not UTF-8",
        {"messages": [user(document("txt", b"\xff\xfe\x00bad"))]},
        "messages[0].content[0].data:",
        "is not txt data",
    ),
    (
        "document name with a slash",
        {"messages": [user(document(name="../etc/passwd"))]},
        "messages[0].content[0].name:",
        "letters, digits",
    ),
    (
        "image format unknown",
        {"messages": [user(image() | {"format": "bmp"})]},
        "messages[0].content[0].format",
        "must be one of",
    ),
    (
        "unknown block type",
        {"messages": [user({"type": "video"})]},
        "messages[0].content[0].type",
        "must be one of",
    ),
    (
        "unknown field in a block",
        {"messages": [user(text() | {"cache": True})]},
        "messages[0].content[0]",
        "must not contain",
    ),
    (
        "tool_use in a user message",
        {"messages": [user(CALL)], "tools": [TOOL]},
        "messages[0].content[0]:",
        "only assistant messages may hold tool_use blocks",
    ),
    (
        "tool_result in an assistant message",
        {"messages": [user(text()), assistant(RESULT)], "tools": [TOOL]},
        "messages[1].content[0]:",
        "only user messages may hold tool_result blocks",
    ),
    (
        "reasoning in a user message",
        {"messages": [user({"type": "reasoning", "text": "t", "signature": "s"})]},
        "messages[0].content[0]:",
        "only assistant messages may hold reasoning blocks",
    ),
    (
        "reasoning both forms",
        {
            "messages": [
                user(text()),
                assistant({"type": "reasoning", "text": "t", "redacted": b64(b"x")}, text()),
                user(text()),
            ]
        },
        "messages[1].content[0]:",
        "not both",
    ),
    (
        "reasoning with neither form",
        {"messages": [user(text()), assistant({"type": "reasoning"}, text()), user(text())]},
        "messages[1].content[0]:",
        "give text",
    ),
    (
        "redacted reasoning not base64",
        {
            "messages": [
                user(text()),
                assistant({"type": "reasoning", "redacted": "%%%"}, text()),
                user(text()),
            ]
        },
        "messages[1].content[0].redacted:",
        "not valid base64",
    ),
    (
        "tool name with a space",
        {"prompt": "x", "tools": [TOOL | {"name": "get weather"}]},
        "tools[0].name",
        "pattern",
    ),
    (
        "tool name too long",
        {"prompt": "x", "tools": [TOOL | {"name": "t" * 65}]},
        "tools[0].name",
        "pattern",
    ),
    (
        "tool names twice",
        {"prompt": "x", "tools": [TOOL, TOOL]},
        "tools[1].name:",
        "declared twice",
    ),
    (
        "tool_result answers no call",
        tool_turns(result=RESULT | {"tool_use_id": "tooluse_9"}),
        "messages[2].content[0].tool_use_id:",
        "answers no tool_use of messages[1]",
    ),
    (
        "tool_result answers a call of an earlier turn",
        {
            "messages": [
                user(text()),
                assistant(CALL),
                user(RESULT),
                assistant(text("done")),
                user(RESULT),
            ],
            "tools": [TOOL],
        },
        "messages[4].content[0].tool_use_id:",
        "answers no tool_use of messages[3]",
    ),
    (
        "tool_result answers the same call twice",
        {"messages": [user(text()), assistant(CALL), user(RESULT, RESULT)], "tools": [TOOL]},
        "messages[2].content[1].tool_use_id:",
        "answers no tool_use",
    ),
    (
        "tool blocks without tools",
        tool_turns(tools=()),
        "messages[1].content[0]:",
        "need the tools",
    ),
    (
        "tool_choice names no declared tool",
        {"prompt": "x", "tools": [TOOL], "tool_choice": {"name": "get_time"}},
        "tool_choice.name:",
        "'get_time' is not a declared tool",
    ),
    (
        "tool_choice without tools",
        {"prompt": "x", "tool_choice": "any"},
        "tool_choice:",
        "no tools",
    ),
    (
        "tool_choice a word",
        {"prompt": "x", "tools": [TOOL], "tool_choice": "some"},
        "tool_choice:",
        '"auto"',
    ),
    (
        "tool_choice with more than a name",
        {"prompt": "x", "tools": [TOOL], "tool_choice": {"name": "get_weather", "x": 1}},
        "tool_choice:",
        '{"name"',
    ),
    (
        "image to a model without images",
        with_model(HAIKU35, messages=[user(image())]),
        "messages[0].content[0]:",
        f"model {HAIKU35} does not take images",
    ),
    (
        "image to Titan",
        with_model(TITAN, messages=[user(image("jpeg"))]),
        "messages[0].content[0]:",
        "does not take images",
    ),
    (
        "document to DeepSeek-R1",
        with_model(R1, messages=[user(document(), text("summarize"))]),
        "messages[0].content[0]:",
        f"model {R1} does not take documents",
    ),
    (
        "image in a tool result to gpt-oss",
        with_model(
            OSS,
            messages=[user(text()), assistant(CALL), user(RESULT | {"content": [image()]})],
            tools=[TOOL],
        ),
        "messages[2].content[0].content[0]:",
        "does not take images",
    ),
    (
        "tools to DeepSeek-R1",
        with_model(R1, prompt="x", tools=[TOOL]),
        "tools:",
        "cannot use tools",
    ),
    ("tools to Titan", with_model(TITAN, prompt="x", tools=[TOOL]), "tools:", "cannot use tools"),
    (
        "reasoning to a model that cannot reason",
        with_model(HAIKU3, prompt="x", reasoning={"effort": "low"}),
        "reasoning:",
        f"model {HAIKU3} cannot reason",
    ),
    (
        "cache point to a model without caching",
        with_model(HAIKU3, messages=[user(text(), {"type": "cache_point"})]),
        "messages[0].content[1]:",
        "has no prompt caching",
    ),
    (
        "cache point in the system prompt of Titan",
        with_model(TITAN, prompt="x", system=[text("s"), {"type": "cache_point"}]),
        "system[1]:",
        "has no prompt caching",
    ),
    (
        "temperature and top_p to Claude 4.5",
        {"prompt": "x", "temperature": 0.5, "top_p": 0.9},
        "temperature, top_p:",
        "takes temperature or top_p, not both",
    ),
    (
        "budget not below max_tokens",
        {"prompt": "x", "max_tokens": 2000, "reasoning": {"budget_tokens": 2000}},
        "reasoning.budget_tokens:",
        "must be below max_tokens (2000)",
    ),
    (
        "budget not below the default max_tokens",
        with_model(HAIKU45, prompt="x", reasoning={"budget_tokens": 16384}),
        "reasoning.budget_tokens:",
        "(16384)",
    ),
    (
        "effort with too few max_tokens",
        {"prompt": "x", "max_tokens": 1024, "reasoning": {"effort": "low"}},
        "max_tokens:",
        "must be above 1024",
    ),
    (
        "budget below 1024",
        {"prompt": "x", "reasoning": {"budget_tokens": 1000}},
        "reasoning.budget_tokens",
        "1024",
    ),
    (
        "budget and effort",
        {"prompt": "x", "reasoning": {"budget_tokens": 2048, "effort": "low"}},
        "reasoning",
        "must contain less than or equal to 1",
    ),
    (
        "effort unknown",
        {"prompt": "x", "reasoning": {"effort": "max"}},
        "reasoning.effort",
        "must be one of",
    ),
    (
        "resume while reasoning on Claude",
        {
            "messages": [
                {"role": "user", "content": "go"},
                {"role": "assistant", "content": "Once"},
            ],
            "reasoning": {"effort": "low"},
        },
        "messages[1]:",
        "cannot continue a final assistant message while reasoning is on",
    ),
    (
        "forced tool while reasoning on Claude",
        {"prompt": "x", "tools": [TOOL], "tool_choice": "any", "reasoning": {"effort": "low"}},
        "tool_choice:",
        "cannot force a tool while reasoning",
    ),
    (
        "system block of another type",
        {"prompt": "x", "system": [{"type": "image", "format": "png", "data": b64(PNG)}]},
        "system[0].type",
        "must be one of",
    ),
    ("system list empty", {"prompt": "x", "system": []}, "system", "at least 1"),
    ("content list empty", {"messages": [user()]}, "messages[0].content", "at least 1"),
]


@pytest.mark.parametrize(
    ("name", "body", "field", "fragment"), REJECTED, ids=[r[0] for r in REJECTED]
)
def test_rule_violations_are_400_naming_the_field(name, body, field, fragment):
    with pytest.raises(AppError) as info:
        parse_chat(body, CONFIG)

    assert (info.value.status, info.value.code) == (400, "invalid_request"), name
    assert info.value.message.startswith(field), info.value.message
    assert fragment in info.value.message


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_every_declared_format_is_accepted_with_its_own_bytes(fmt):
    block = image(fmt) if fmt in ("png", "jpeg", "gif", "webp") else document(fmt)

    req = parse_chat({"messages": [user(text(), block)]}, CONFIG)

    (got,) = req.messages[0].content[1:]
    assert isinstance(got, ImageBlock | DocumentBlock)
    assert (got.format, got.data) == (fmt, SAMPLES[fmt])  # decoded once, bytes untouched


def test_blocks_become_typed_data():
    body = {
        "system": [text("be brief"), {"type": "cache_point"}],
        "messages": [
            user(text("weather?"), {"type": "cache_point"}),
            assistant(
                {"type": "reasoning", "text": "think", "signature": "sig"},
                {"type": "reasoning", "redacted": b64(b"\x01\x02")},
                CALL,
            ),
            user(RESULT | {"content": [text("18 C"), image("gif")], "status": "error"}),
        ],
        "tools": [TOOL],
        "tool_choice": {"name": "get_weather"},
    }

    req = parse_chat(body, CONFIG)

    assert req.system == (TextBlock("be brief"), CachePointBlock())
    assert req.messages[0].content == (TextBlock("weather?"), CachePointBlock())
    assert req.messages[1].content == (
        ReasoningBlock(text="think", signature="sig"),
        ReasoningBlock(redacted=b"\x01\x02"),
        ToolUseBlock("tooluse_1", "get_weather", {"city": "Paris"}),
    )
    assert req.messages[2].content == (
        ToolResultBlock(
            "tooluse_1", (TextBlock("18 C"), ImageBlock("gif", SAMPLES["gif"])), "error"
        ),
    )
    assert req.tools == (Tool("get_weather", "Weather", {"type": "object"}),)
    assert req.tool_choice == ToolChoice("tool", "get_weather")


def test_tool_result_string_content_is_one_text_block():
    req = parse_chat(tool_turns(), CONFIG)

    assert req.messages[2].content == (ToolResultBlock("tooluse_1", (TextBlock("18 C"),)),)


@pytest.mark.parametrize(
    ("body", "expected_top_p"),
    [
        ({"temperature": 0.3, "top_p": 1}, None),  # top_p 1 is dropped for Claude 4.5
        ({"top_p": 0.8}, 0.8),  # one of them is fine
        ({"temperature": 0.3}, None),
        (with_model(HAIKU3, temperature=0.3, top_p=0.8), 0.8),  # older Claude takes both
    ],
)
def test_sampling_rules(body, expected_top_p):
    req = parse_chat({"prompt": "x", **body}, CONFIG)

    assert req.top_p == expected_top_p
    assert req.temperature == body.get("temperature")


@pytest.mark.parametrize(
    ("model", "limit", "expected"),
    [
        (HAIKU45, 16384, 16384),  # 64000 capped at MAX_TOKENS_LIMIT
        (HAIKU45, 4096, 4096),
        (HAIKU3, 16384, 4096),  # the model's own largest output
        (TITAN, 16384, 512),  # Titan's documented default
        (COHERE, 16384, 20),  # Cohere Command's documented default
    ],
)
def test_max_tokens_absent_is_the_models_default_capped(model, limit, expected):
    config = Config(allowed_models=MODELS, default_model=HAIKU45, max_tokens_limit=limit)

    assert parse_chat({"model": model, "prompt": "x"}, config).max_tokens == expected


def test_max_tokens_given_is_kept():
    assert (
        parse_chat({"model": TITAN, "prompt": "x", "max_tokens": 3000}, CONFIG).max_tokens == 3000
    )


@pytest.mark.parametrize(
    ("model", "reasoning", "max_tokens", "plan"),
    [
        (HAIKU45, {"effort": "low"}, 8000, ReasoningPlan(budget_tokens=1024)),
        (HAIKU45, {"effort": "medium"}, 8000, ReasoningPlan(budget_tokens=4096)),
        # Below max_tokens with a quarter of it (at most 4096) left for the answer...
        (HAIKU45, {"effort": "high"}, 8000, ReasoningPlan(budget_tokens=6000)),
        (HAIKU45, {"effort": "high"}, None, ReasoningPlan(budget_tokens=12288)),
        # ...but never below the smallest budget while max_tokens allows it.
        (HAIKU45, {"effort": "low"}, 1100, ReasoningPlan(budget_tokens=1024)),
        (HAIKU45, {"budget_tokens": 3000}, 8000, ReasoningPlan(budget_tokens=3000)),
        (NOVA2, {"effort": "medium"}, None, ReasoningPlan(effort="medium")),
        (NOVA2, {"budget_tokens": 1500}, None, ReasoningPlan(effort="low")),  # nearest
        (NOVA2, {"budget_tokens": 5000}, None, ReasoningPlan(effort="medium")),
        (NOVA2, {"budget_tokens": 12000}, None, ReasoningPlan(effort="high")),
        # A model that always reasons: accepted, nothing to send.
        (R1, {"effort": "high"}, None, None),
        (OSS, {"budget_tokens": 2048}, None, None),
    ],
)
def test_reasoning_maps_to_the_models_own_control(model, reasoning, max_tokens, plan):
    body: dict[str, Any] = {"model": model, "prompt": "x", "reasoning": reasoning}
    if max_tokens is not None:
        body["max_tokens"] = max_tokens

    assert parse_chat(body, CONFIG).reasoning == plan


@pytest.mark.parametrize("kind", ["image", "document"])
def test_images_and_documents_come_from_the_user_only(kind):
    # Bedrock's Message page: images and documents only in user messages.
    block = image() if kind == "image" else document()
    body = with_model(HAIKU45, messages=[user(text("hi")), assistant(block, text("x"))])
    with pytest.raises(AppError) as caught:
        parse_chat(body, CONFIG)
    assert caught.value.message == (
        f"messages[1].content[0]: only user messages may hold {kind} blocks"
    )


def test_a_message_with_a_document_also_needs_a_text_block():
    with pytest.raises(AppError) as caught:
        parse_chat(with_model(HAIKU45, messages=[user(document())]), CONFIG)
    assert caught.value.message == (
        "messages[0].content: a message with a document also needs a text block"
    )
    parse_chat(with_model(HAIKU45, messages=[user(document(), text("summarize"))]), CONFIG)


@pytest.mark.parametrize(
    ("name", "taken"),
    [("q3_report", True), ("Report (2025) [v2]", True), ("a  b", False), ("a.pdf", False)],
)
def test_document_names_as_bedrock_takes_them(name, taken):
    # Underscores are taken (vercel/ai #20365, as the local Bedrock reads it too); a dot or two
    # spaces in a row are not.
    body = with_model(HAIKU45, messages=[user(document(name=name), text("summarize"))])
    if taken:
        parse_chat(body, CONFIG)
        return
    with pytest.raises(AppError):
        parse_chat(body, CONFIG)


def test_claude_needs_the_signature_of_reasoning_handed_back():
    def turns(model: str, reasoning: dict) -> dict:
        messages = [user(text("go")), assistant(reasoning, text("On it")), user(text("and?"))]
        return with_model(model, messages=messages)

    unsigned = {"type": "reasoning", "text": "thinking"}
    with pytest.raises(AppError) as caught:
        parse_chat(turns(HAIKU45, unsigned), CONFIG)
    assert caught.value.code == "invalid_request"
    assert caught.value.message.startswith("messages[1].content[0].signature:")
    # signed, or redacted, it goes; a model that does not sign its reasoning takes it unsigned
    parse_chat(turns(HAIKU45, {**unsigned, "signature": "sig"}), CONFIG)
    parse_chat(turns(HAIKU45, {"type": "reasoning", "redacted": "cmVkYWN0ZWQ="}), CONFIG)
    parse_chat(turns(R1, unsigned), CONFIG)


def test_resume_without_reasoning_is_accepted_on_claude():
    body = {"messages": [{"role": "user", "content": "go"}, {"role": "assistant", "content": "On"}]}

    assert parse_chat(body, CONFIG).messages[-1] == Message("assistant", "On")


def test_guardrail_of_the_deployment_rides_on_every_converse_request():
    guardrail = Guardrail("abc123", "2", "sync", trace=False)
    config = Config(allowed_models=MODELS, default_model=HAIKU45, guardrail=guardrail)

    assert parse_chat({"prompt": "x"}, config).guardrail == guardrail
    assert parse_chat({"prompt": "x"}, CONFIG).guardrail is None


def test_a_request_without_section_12_is_as_before():
    req = parse_chat({"model": HAIKU3, "messages": [{"role": "user", "content": "hi"}]}, CONFIG)

    assert req == ChatRequest(HAIKU3, (Message("user", "hi"),), max_tokens=4096)
