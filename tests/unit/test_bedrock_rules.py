"""Each per-model and Converse rule of the local Bedrock refuses what Bedrock refuses (no sockets).

One case per rule: the request that breaks it, the operation, and words of the message; then
the neighbouring request that the same rule lets through.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from local.bedrock.errors import BedrockError
from local.bedrock.rules import DOCUMENT_NAME_MESSAGE, MAX_DOCUMENT_BYTES, MAX_IMAGE_BYTES
from local.bedrock.service import OPERATIONS, Reply, reply

HAIKU = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
NOVA2 = "us.amazon.nova-2-lite-v1:0"
R1 = "us.deepseek.r1-v1:0"
OSS = "openai.gpt-oss-20b-1:0"
LEGACY = "anthropic.claude-3-haiku-20240307-v1:0"
FAST = "#! ttft_ms=0 rate=100000\n"
TOOLS = {"tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": {}}}}]}
THINK = {"thinking": {"type": "enabled", "budget_tokens": 1024}}
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()


def text(value: str = "hi") -> dict[str, Any]:
    return {"text": FAST + value}


def image(data: str = PNG, fmt: str = "png") -> dict[str, Any]:
    return {"image": {"format": fmt, "source": {"bytes": data}}}


def document(name: str = "notes", data: bytes = b"# notes", fmt: str = "md") -> dict[str, Any]:
    return {"document": {"format": fmt, "name": name, "source": {"bytes": b64(data)}}}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def body(*content: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": list(content) or [text()]}], **fields}


def call(model: str, request: dict[str, Any], op: str = "converse") -> Reply:
    return reply(OPERATIONS[op], model, json.dumps(request).encode(), "req-1")


def refusal(model: str, request: dict[str, Any], op: str = "converse") -> str:
    with pytest.raises(BedrockError) as caught:
        call(model, request, op)
    assert caught.value.kind.code == "ValidationException"
    return caught.value.message


def anthropic(**fields: Any) -> dict[str, Any]:
    messages = [{"role": "user", "content": FAST + "hi"}]
    return {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 2000, "messages": messages} | (
        fields
    )


# --- on-demand throughput -------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
        "deepseek.r1-v1:0",
    ],
)
def test_profile_only_models_refuse_on_demand_ids(model: str) -> None:
    base = model.rsplit("/", 1)[-1]
    assert refusal(model, body(), "converse-stream") == (
        f"Invocation of model ID {base} with on-demand throughput isn\u2019t supported. Retry "
        "your request with the ID or ARN of an inference profile that contains this model."
    )


@pytest.mark.parametrize(
    "model",
    [
        HAIKU,
        SONNET,
        R1,
        OSS,
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    ],
)
def test_profiles_and_on_demand_models_are_served(model: str) -> None:
    call(model, body())


def test_native_bodies_meet_the_same_profile_rule_without_converse_wrapping() -> None:
    message = refusal("anthropic.claude-haiku-4-5-20251001-v1:0", anthropic(), "invoke")
    assert message.startswith("Invocation of model ID anthropic.claude-haiku-4-5")
    both = refusal(HAIKU, anthropic(temperature=0.5, top_p=0.9), "invoke-with-response-stream")
    assert both.startswith("`temperature` and `top_p` cannot both be specified")


# --- attachments ------------------------------------------------------------------------------


def test_image_formats_are_botocores_enum() -> None:
    message = refusal(HAIKU, body(text(), image(fmt="bmp")))
    assert "Member must satisfy enum value set: [gif, jpeg, png, webp]" in message
    assert "messages[0].content[1].image.format" in message
    assert "[csv, doc, docx" in refusal(HAIKU, body(text(), document(fmt="rtf")))


def test_image_and_document_sizes() -> None:
    assert "over 3932160" in refusal(HAIKU, body(text(), image(b64(b"x" * (MAX_IMAGE_BYTES + 1)))))
    call(HAIKU, body(text(), image(b64(b"x" * MAX_IMAGE_BYTES))))
    big = document(data=b"x" * (MAX_DOCUMENT_BYTES + 1))
    assert "over 4718592" in refusal(HAIKU, body(text(), big))
    call(HAIKU, body(text(), document(data=b"x" * MAX_DOCUMENT_BYTES)))


def test_at_most_twenty_images_and_five_documents() -> None:
    assert "21 images" in refusal(HAIKU, body(text(), *[image()] * 21))
    call(HAIKU, body(text(), *[image()] * 20))
    docs = [document(name=f"doc {i}") for i in range(6)]
    assert "6 documents" in refusal(HAIKU, body(text(), *docs))
    call(HAIKU, body(text(), *docs[:5]))


def test_images_only_in_user_messages() -> None:
    request = body(text())
    request["messages"] += [
        {"role": "assistant", "content": [{"text": "ok"}, image()]},
        {"role": "user", "content": [text()]},
    ]
    assert "only be in user messages" in refusal(HAIKU, request)


@pytest.mark.parametrize(
    "name", ["report.pdf", "two  spaces", "tab\there", "caf\u00e9", "", "x" * 201]
)
def test_document_names_follow_bedrocks_rule(name: str) -> None:
    assert refusal(HAIKU, body(text(), document(name=name))) == DOCUMENT_NAME_MESSAGE


def test_document_names_bedrock_accepts() -> None:
    call(HAIKU, body(text(), document(name="Q3 report (final) [v2] - my_notes")))


def test_a_document_needs_a_text_block_in_its_message() -> None:
    assert "needs a text block" in refusal(HAIKU, body(document()))


@pytest.mark.parametrize(
    ("model", "block", "kind"),
    [(R1, image(), "image"), (OSS, document(), "document"), (R1, document(), "document")],
)
def test_text_only_models_refuse_attachments(model: str, block: dict[str, Any], kind: str) -> None:
    assert f"doesn't support {kind} content blocks" in refusal(model, body(text(), block))


def test_bad_base64_is_refused() -> None:
    assert "not valid base64" in refusal(HAIKU, body(text(), image("not base64!")))


# --- tools ------------------------------------------------------------------------------------


def test_deepseek_refuses_tools_as_bedrock_words_it() -> None:
    request = body(toolConfig=TOOLS)
    assert refusal(R1, request) == "This model doesn't support tool use."
    assert refusal(R1, request, "converse-stream") == (
        "This model doesn't support tool use in streaming mode."
    )
    call(OSS, request)


def test_tool_declarations() -> None:
    twice = {"tools": TOOLS["tools"] * 2}
    assert "must be unique" in refusal(HAIKU, body(toolConfig=twice))
    bad = {"tools": [{"toolSpec": {"name": "get weather", "inputSchema": {"json": {}}}}]}
    assert "must match" in refusal(HAIKU, body(toolConfig=bad))
    forced = {**TOOLS, "toolChoice": {"tool": {"name": "other"}}}
    assert "'other' is not a declared tool" in refusal(HAIKU, body(toolConfig=forced))


def _tool_turns(use_id: str = "tooluse_1", result_id: str = "tooluse_1") -> dict[str, Any]:
    use = {"toolUse": {"toolUseId": use_id, "name": "get_weather", "input": {"city": "Paris"}}}
    result = {"toolResult": {"toolUseId": result_id, "content": [{"text": "sunny"}]}}
    return {
        "messages": [
            {"role": "user", "content": [text("weather?")]},
            {"role": "assistant", "content": [use]},
            {"role": "user", "content": [result]},
        ]
    }


def test_tool_blocks_need_a_tool_config() -> None:
    assert refusal(HAIKU, _tool_turns()) == (
        "The toolConfig field must be defined when using toolUse and toolResult content blocks."
    )


def test_a_tool_result_answers_a_tool_use_of_the_message_before() -> None:
    message = refusal(HAIKU, {**_tool_turns(result_id="tooluse_9"), "toolConfig": TOOLS})
    assert message == (
        "The model returned the following errors: messages[2].content[0]: unexpected "
        "`tool_use_id` found in `tool_result` blocks: tooluse_9. Each `tool_result` block must "
        "have a corresponding `tool_use` block in the previous message."
    )


# --- sampling and length -----------------------------------------------------------------------


@pytest.mark.parametrize("model", [HAIKU, SONNET])
def test_claude_45_refuses_temperature_with_top_p(model: str) -> None:
    request = body(inferenceConfig={"temperature": 0.5, "topP": 0.9})
    assert refusal(model, request) == (
        "The model returned the following errors: `temperature` and `top_p` cannot both be "
        "specified for this model. Please use only one."
    )
    call(model, body(inferenceConfig={"temperature": 0.5}))
    call(model, body(inferenceConfig={"topP": 0.9}))


@pytest.mark.parametrize("model", [NOVA2, OSS, LEGACY])
def test_other_models_take_both_sampling_knobs(model: str) -> None:
    call(model, body(inferenceConfig={"temperature": 0.5, "topP": 0.9}))


def test_output_length_limit_in_anthropics_words() -> None:
    message = refusal(SONNET, body(inferenceConfig={"maxTokens": 64_001}))
    assert message == (
        "The model returned the following errors: max_tokens: 64001 > 64000, which is the "
        "maximum allowed number of output tokens for claude-sonnet-4-5-20250929"
    )
    call(SONNET, body(inferenceConfig={"maxTokens": 64_000}))
    assert "32768" in refusal(R1, body(inferenceConfig={"maxTokens": 40_000}))


# --- reasoning --------------------------------------------------------------------------------


def test_reasoning_fields_of_another_family_are_refused() -> None:
    assert refusal(NOVA2, body(additionalModelRequestFields=THINK)) == (
        "Malformed input request: #: extraneous key [thinking] is not permitted, please "
        "reformat your input and try again."
    )
    nova = {"reasoningConfig": {"type": "enabled", "maxReasoningEffort": "low"}}
    assert refusal(HAIKU, body(additionalModelRequestFields=nova)) == (
        "The model returned the following errors: reasoningConfig: Extra inputs are not permitted"
    )


def test_thinking_shape() -> None:
    odd = {"thinking": {"type": "on", "budget_tokens": 2048}}
    assert "thinking.type" in refusal(HAIKU, body(additionalModelRequestFields=odd))
    bare = {"thinking": {"type": "enabled"}}
    assert "budget_tokens: Field required" in refusal(
        HAIKU, body(additionalModelRequestFields=bare)
    )
    call(HAIKU, body(additionalModelRequestFields={"thinking": {"type": "disabled"}}))


def test_thinking_budget_minimum_and_below_max_tokens() -> None:
    low = {"thinking": {"type": "enabled", "budget_tokens": 1023}}
    assert refusal(HAIKU, body(additionalModelRequestFields=low)).endswith(
        "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
    )
    request = body(additionalModelRequestFields=THINK, inferenceConfig={"maxTokens": 1024})
    assert "`max_tokens` must be greater than `thinking.budget_tokens`" in refusal(HAIKU, request)
    call(HAIKU, body(additionalModelRequestFields=THINK, inferenceConfig={"maxTokens": 1025}))
    call(HAIKU, body(additionalModelRequestFields=THINK))  # the default output length is 64000


@pytest.mark.parametrize(
    ("fields", "extra", "words"),
    [
        ({"temperature": 0.5}, {}, "`temperature` may only be set to 1 when thinking is enabled"),
        ({}, {"top_k": 40}, "`top_k` must be unset when thinking is enabled"),
        ({"topP": 0.9}, {}, "`top_p` must be greater than or equal to 0.95"),
    ],
)
def test_thinking_refuses_sampling_changes(
    fields: dict[str, Any], extra: dict[str, Any], words: str
) -> None:
    request = body(inferenceConfig=fields, additionalModelRequestFields=THINK | extra)
    assert words in refusal(SONNET, request)


def test_thinking_takes_temperature_one_and_top_p_from_095() -> None:
    call(SONNET, body(inferenceConfig={"temperature": 1}, additionalModelRequestFields=THINK))
    call(SONNET, body(inferenceConfig={"topP": 0.95}, additionalModelRequestFields=THINK))


def test_thinking_refuses_forced_tool_use() -> None:
    for choice in ({"any": {}}, {"tool": {"name": "get_weather"}}):
        request = body(
            toolConfig={**TOOLS, "toolChoice": choice}, additionalModelRequestFields=THINK
        )
        assert refusal(HAIKU, request) == (
            "The model returned the following errors: Thinking may not be enabled when "
            "tool_choice forces tool use."
        )
    call(
        HAIKU,
        body(toolConfig={**TOOLS, "toolChoice": {"auto": {}}}, additionalModelRequestFields=THINK),
    )


def test_thinking_refuses_a_prefill_that_does_not_start_with_reasoning() -> None:
    request = body(additionalModelRequestFields=THINK)
    request["messages"].append({"role": "assistant", "content": [{"text": "Sure"}]})
    message = refusal(HAIKU, request)
    assert "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`" in message
    reasoning = {"reasoningContent": {"reasoningText": {"text": "hm", "signature": "s"}}}
    request["messages"][-1]["content"] = [reasoning, {"text": "Sure"}]
    call(HAIKU, request)


def test_claude_refuses_reasoning_handed_back_without_its_signature() -> None:
    # Recorded: maximhq/bifrost #6942 ("thinking.signature: Field required"); DeepSeek's
    # reasoning has no signature to hand back, and no Claude rule applies to it.
    unsigned = {"reasoningContent": {"reasoningText": {"text": "hm"}}}
    request = body()
    request["messages"] += [
        {"role": "assistant", "content": [unsigned, {"text": "Sure"}]},
        {"role": "user", "content": [text("and?")]},
    ]
    assert refusal(HAIKU, request) == (
        "The model returned the following errors: "
        "messages.1.content.0.thinking.signature: Field required"
    )
    request["messages"][1]["content"][0]["reasoningContent"]["reasoningText"]["signature"] = "s"
    call(HAIKU, request)
    request["messages"][1]["content"][0] = unsigned
    call(R1, request)


def test_nova_reasoning_config_values_and_high_effort_without_max_tokens() -> None:
    def nova(effort: str, **fields: Any) -> dict[str, Any]:
        config = {"reasoningConfig": {"type": "enabled", "maxReasoningEffort": effort}}
        return body(additionalModelRequestFields=config, **fields)

    assert refusal(NOVA2, nova("extreme")).startswith(
        "Malformed input request: the provided reasoning config value is invalid"
    )
    limited = nova("high", inferenceConfig={"maxTokens": 1000})
    assert "maxTokens must be unset" in refusal(NOVA2, limited)
    call(NOVA2, nova("high"))
    call(NOVA2, nova("medium", inferenceConfig={"maxTokens": 1000}))


# --- caching ----------------------------------------------------------------------------------


def test_cache_points_only_for_caching_models_and_at_most_four() -> None:
    cached = body(system=[{"text": "be brief"}, {"cachePoint": {"type": "default"}}])
    assert refusal(R1, cached) == (
        "You invoked an unsupported model, or your request did not allow prompt caching. See "
        "the documentation for more information."
    )
    call(SONNET, cached)
    call(LEGACY, cached)  # an unlisted model meets no per-model rule
    five = [text(), *[{"cachePoint": {"type": "default"}}] * 5]
    assert "A maximum of 4 blocks with cache_control" in refusal(SONNET, body(*five))


# --- directives that the request can't follow ---------------------------------------------


def test_think_needs_a_model_that_can_reason() -> None:
    # docs/API.md §12.5: `think=N` works with any reasoning model, asked to reason or not.
    think = {"text": "#! think=3 ttft_ms=0\nx"}
    assert "does not reason" in refusal(LEGACY, body(think))
    call(HAIKU, body(think))
    call(HAIKU, body(think, additionalModelRequestFields=THINK))
    call(R1, body(think))
    call(NOVA2, body(think))


def test_tool_directive_needs_a_declared_tool() -> None:
    message = refusal(HAIKU, body({"text": "#! tool=get_time\n{}"}, toolConfig=TOOLS))
    assert "get_time" in message
    assert "get_weather" in message
    assert "can't be combined" in refusal(
        HAIKU, body({"text": "#! tool=get_weather fault=guardrail\n{}"}, toolConfig=TOOLS)
    )


def test_native_emulation_limits_are_said_plainly() -> None:
    titan = {"inputText": "#! fault=guardrail\nhi"}
    assert "Converse only" in refusal("amazon.titan-text-express-v1", titan, "invoke")
