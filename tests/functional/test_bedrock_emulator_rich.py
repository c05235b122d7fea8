"""The local Bedrock's reasoning, tool calls, attachments, caching and guardrail stops, decoded
by boto3 itself (ConverseStream, Converse, InvokeModelWithResponseStream; docs/API.md §12.5).

Expected events are compared whole: botocore drops fields its model does not know, so a
misspelt field would make the comparison fail rather than pass unnoticed.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.bedrock import BedrockEmulator
from local.bedrock.compose import BLOCKED_OUTPUT
from local.bedrock.parts import REDACTED_TRIGGER, signature
from tests.functional.test_bedrock_emulator import make_client

FAST = "ttft_ms=0 rate=100000"
HAIKU = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
THINK = {"thinking": {"type": "enabled", "budget_tokens": 1024}}
TOOLS = {
    "tools": [
        {"toolSpec": {"name": "get_weather", "inputSchema": {"json": {"type": "object"}}}},
        {"toolSpec": {"name": "get_time", "inputSchema": {"json": {"type": "object"}}}},
    ]
}


@pytest.fixture(scope="module")
def client(bedrock_emulator: BedrockEmulator) -> Any:
    return make_client(bedrock_emulator.url)


def user(*content: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"role": "user", "content": list(content)}]


def say(text: str) -> list[dict[str, Any]]:
    return user({"text": text})


def stream(client: Any, model: str, messages: list[dict[str, Any]], **kw: Any) -> list[Any]:
    return list(client.converse_stream(modelId=model, messages=messages, **kw)["stream"])


def kinds(events: list[dict[str, Any]]) -> list[str]:
    return [next(iter(event)) for event in events]


def deltas_of(events: list[dict[str, Any]], key: str) -> list[Any]:
    found = [e["contentBlockDelta"]["delta"] for e in events if "contentBlockDelta" in e]
    return [delta[key] for delta in found if key in delta]


# --- reasoning ------------------------------------------------------------------------------


def test_claude_reasons_then_signs_then_answers_in_separate_blocks(client: Any) -> None:
    events = stream(
        client,
        HAIKU,
        say(f"#! think=4 echo {FAST}\nFine thanks"),
        additionalModelRequestFields=THINK,
    )
    reasoning = [d["text"] for d in deltas_of(events, "reasoningContent") if "text" in d]
    assert len(reasoning) == 4
    sign = signature("".join(reasoning))
    assert events[1:8] == [
        *(
            {
                "contentBlockDelta": {
                    "delta": {"reasoningContent": {"text": r}},
                    "contentBlockIndex": 0,
                }
            }
            for r in reasoning
        ),
        {
            "contentBlockDelta": {
                "delta": {"reasoningContent": {"signature": sign}},
                "contentBlockIndex": 0,
            }
        },
        {"contentBlockStop": {"contentBlockIndex": 0}},
        {"contentBlockDelta": {"delta": {"text": "Fine"}, "contentBlockIndex": 1}},
    ]
    assert "".join(deltas_of(events, "text")) == "Fine thanks"
    assert events[-3] == {"contentBlockStop": {"contentBlockIndex": 1}}
    usage = events[-1]["metadata"]["usage"]
    assert usage["outputTokens"] == 4 + 2  # reasoning tokens are billed as output


def test_converse_returns_reasoning_text_and_signature(client: Any) -> None:
    response = client.converse(
        modelId=SONNET,
        messages=say(f"#! think=3 echo {FAST}\nDone"),
        additionalModelRequestFields=THINK,
    )
    reasoning, answer = response["output"]["message"]["content"]
    text = reasoning["reasoningContent"]["reasoningText"]["text"]
    assert reasoning == {
        "reasoningContent": {"reasoningText": {"text": text, "signature": signature(text)}}
    }
    assert answer == {"text": "Done"}


@pytest.mark.parametrize(
    "text", [f"#! think=2 redacted echo {FAST}\nok", f"#! echo {FAST}\n{REDACTED_TRIGGER}"]
)
def test_redacted_reasoning_comes_as_bytes(client: Any, text: str) -> None:
    events = stream(client, HAIKU, say(text), additionalModelRequestFields=THINK)
    [redacted] = [d["redactedContent"] for d in deltas_of(events, "reasoningContent")]
    assert isinstance(redacted, bytes)
    assert redacted.startswith(b"local-redacted-reasoning:")
    assert not [d for d in deltas_of(events, "reasoningContent") if "text" in d]
    converse = client.converse(
        modelId=HAIKU, messages=say(text), additionalModelRequestFields=THINK
    )
    first = converse["output"]["message"]["content"][0]
    assert first == {"reasoningContent": {"redactedContent": redacted}}


def test_models_that_always_reason_do_so_unasked(client: Any) -> None:
    events = stream(client, "us.deepseek.r1-v1:0", say(f"#! echo {FAST}\nhi"))
    reasoning = deltas_of(events, "reasoningContent")
    assert len(reasoning) == 8  # the small default
    assert all(set(d) == {"text"} for d in reasoning)  # DeepSeek R1 does not sign
    events = stream(client, "openai.gpt-oss-20b-1:0", say(f"#! echo {FAST}\nhi"))
    assert all(set(d) == {"text"} for d in deltas_of(events, "reasoningContent"))


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        ("openai.gpt-oss-20b-1:0", {}),
        ("us.deepseek.r1-v1:0", {}),
        (HAIKU, {}),  # asked nothing: the directive makes it reason
        ("us.amazon.nova-2-lite-v1:0", {}),
    ],
)
def test_think_gives_n_reasoning_tokens_then_a_signature_with_any_reasoning_model(
    client: Any, model: str, fields: dict[str, Any]
) -> None:
    # docs/API.md §12.5: the directive's shape, whatever the model reasons like unasked.
    events = stream(client, model, say(f"#! think=3 echo {FAST}\nhi"), **fields)
    reasoning = deltas_of(events, "reasoningContent")
    assert [set(d) for d in reasoning] == [{"text"}] * 3 + [{"signature"}]
    assert "".join(deltas_of(events, "text")) == "hi"


def test_nova_2_reasoning_is_redacted_text(client: Any) -> None:
    config = {"reasoningConfig": {"type": "enabled", "maxReasoningEffort": "low"}}
    events = stream(
        client,
        "us.amazon.nova-2-lite-v1:0",
        say(f"#! echo {FAST}\nhi"),
        additionalModelRequestFields=config,
    )
    assert deltas_of(events, "reasoningContent") == [{"text": "[REDACTED]"}]
    assert events[-1]["metadata"]["usage"]["outputTokens"] == 8 + 1  # still billed


# --- tool calls -------------------------------------------------------------------------------


def test_tool_call_streams_its_input_in_several_awkward_deltas(client: Any) -> None:
    arguments = {"city": 'Paris "Ville-Lumière"', "days": 3, "units": "metric\\SI"}
    text = f"#! tool=get_weather {FAST}\n" + json.dumps(arguments)
    events = stream(client, HAIKU, say(text), toolConfig=TOOLS)
    assert kinds(events)[:2] == ["messageStart", "contentBlockStart"]
    start = events[1]["contentBlockStart"]
    assert start["contentBlockIndex"] == 0
    assert start["start"]["toolUse"]["name"] == "get_weather"
    assert start["start"]["toolUse"]["toolUseId"].startswith("tooluse_")
    pieces = [d["input"] for d in deltas_of(events, "toolUse")]
    assert len(pieces) >= 5
    assert any(piece.endswith("\\") for piece in pieces)  # cut inside an escape
    whole = "".join(pieces)
    assert whole == json.dumps(arguments, ensure_ascii=False, separators=(",", ":"))
    assert json.loads(whole) == arguments
    assert kinds(events)[-3:] == ["contentBlockStop", "messageStop", "metadata"]
    assert events[-2] == {"messageStop": {"stopReason": "tool_use"}}
    assert not deltas_of(events, "text")


def test_tool_call_after_reasoning_is_block_one(client: Any) -> None:
    events = stream(
        client,
        HAIKU,
        say(f"#! think=2 tool=get_time {FAST}\nnot json"),
        toolConfig=TOOLS,
        additionalModelRequestFields=THINK,
    )
    start = next(e["contentBlockStart"] for e in events if "contentBlockStart" in e)
    assert start["contentBlockIndex"] == 1
    assert json.loads("".join(d["input"] for d in deltas_of(events, "toolUse"))) == {
        "text": "not json"
    }


def test_converse_returns_the_tool_use_block(client: Any) -> None:
    response = client.converse(
        modelId=SONNET,
        messages=say(f'#! tool=get_time {FAST}\n{{"zone": "UTC"}}'),
        toolConfig=TOOLS,
    )
    [block] = response["output"]["message"]["content"]
    assert block["toolUse"]["name"] == "get_time"
    assert block["toolUse"]["input"] == {"zone": "UTC"}
    assert response["stopReason"] == "tool_use"


def test_a_turn_of_tool_results_is_answered_with_them(client: Any) -> None:
    use = {"toolUseId": "tooluse_a", "name": "get_weather", "input": {"city": "Paris"}}
    use_b = {**use, "toolUseId": "tooluse_b"}
    messages = [
        *say("#! tool=get_weather\nParis"),
        {"role": "assistant", "content": [{"toolUse": use}, {"toolUse": use_b}]},
        {
            "role": "user",
            "content": [
                {"toolResult": {"toolUseId": "tooluse_a", "content": [{"text": "sunny, 21 C"}]}},
                {"toolResult": {"toolUseId": "tooluse_b", "content": [{"json": {"rain": 0}}]}},
            ],
        },
    ]
    events = stream(client, HAIKU, messages, toolConfig=TOOLS)
    assert "".join(deltas_of(events, "text")) == 'tool result: sunny, 21 C\n{"rain":0}'


# --- attachments ------------------------------------------------------------------------------


def test_attachments_lines_count_and_hash_the_decoded_bytes(client: Any) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    pdf = b"%PDF-1.7\n" + b"x" * 5000
    messages = user(
        {"text": f"#! attachments {FAST}\nwhat are these?"},
        {"image": {"format": "png", "source": {"bytes": png}}},
        {"document": {"format": "pdf", "name": "Q3 report", "source": {"bytes": pdf}}},
    )
    answer = "".join(deltas_of(stream(client, HAIKU, messages), "text"))
    sha = [hashlib.sha256(data).hexdigest()[:12] for data in (png, pdf)]
    assert answer == f"image png {len(png)} {sha[0]}\ndocument pdf {len(pdf)} {sha[1]}"


def test_a_bad_document_name_is_bedrocks_validation_error(client: Any) -> None:
    messages = user(
        {"text": "hi"}, {"document": {"format": "txt", "name": "a.txt", "source": {"bytes": b"a"}}}
    )
    with pytest.raises(ClientError) as caught:
        client.converse(modelId=HAIKU, messages=messages)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert caught.value.response["Error"]["Message"].startswith(
        "The document file name can only contain alphanumeric characters"
    )


# --- prompt caching ---------------------------------------------------------------------------


def test_a_cache_point_writes_then_reads(client: Any, bedrock_emulator: BedrockEmulator) -> None:
    rules = " ".join(f"rule{i % 97}" for i in range(1500))  # 1500 tokens, over Sonnet's 1024
    system = [{"text": rules}, {"cachePoint": {"type": "default"}}]
    first = stream(client, SONNET, say(f"#! echo {FAST}\none"), system=system)
    second = stream(client, SONNET, say(f"#! echo {FAST}\ntwo"), system=system)
    written = first[-1]["metadata"]["usage"]
    read = second[-1]["metadata"]["usage"]
    assert written["cacheWriteInputTokens"] == 1500
    assert written["cacheReadInputTokens"] == 0
    assert read["cacheReadInputTokens"] == 1500
    assert read["cacheWriteInputTokens"] == 0
    assert read["totalTokens"] == read["inputTokens"] + read["outputTokens"] + 1500
    bedrock_emulator.cache.clear()
    again = stream(client, SONNET, say(f"#! echo {FAST}\nthree"), system=system)
    assert again[-1]["metadata"]["usage"]["cacheWriteInputTokens"] == 1500


def test_a_prefix_under_the_models_minimum_is_not_cached(client: Any) -> None:
    system = [{"text": "short rules"}, {"cachePoint": {"type": "default"}}]
    for _ in range(2):
        usage = stream(client, HAIKU, say(f"#! echo {FAST}\nx"), system=system)[-1]["metadata"]
        assert (
            usage["usage"]["cacheReadInputTokens"],
            usage["usage"]["cacheWriteInputTokens"],
        ) == (
            0,
            0,
        )


# --- guardrail --------------------------------------------------------------------------------


def test_a_guardrail_stops_the_stream_and_traces_why(client: Any) -> None:
    guardrail = {"guardrailIdentifier": "gr-local1", "guardrailVersion": "1", "trace": "enabled"}
    events = stream(
        client,
        HAIKU,
        say(f"#! fault=guardrail after=2 echo {FAST}\none two three four"),
        guardrailConfig=guardrail,
    )
    assert deltas_of(events, "text") == ["one", " two", BLOCKED_OUTPUT]
    assert events[-2] == {"messageStop": {"stopReason": "guardrail_intervened"}}
    trace = events[-1]["metadata"]["trace"]["guardrail"]
    [assessment] = trace["outputAssessments"]["gr-local1"]
    [blocked] = assessment["contentPolicy"]["filters"]
    assert (blocked["action"], blocked["detected"]) == ("BLOCKED", True)
    untraced = stream(client, HAIKU, say(f"#! fault=guardrail {FAST}\nx"))
    assert "trace" not in untraced[-1]["metadata"]
    response = client.converse(
        modelId=HAIKU, messages=say(f"#! fault=guardrail {FAST}\nx"), guardrailConfig=guardrail
    )
    assert response["output"]["message"]["content"] == [{"text": BLOCKED_OUTPUT}]
    assert response["stopReason"] == "guardrail_intervened"
    assert "gr-local1" in response["trace"]["guardrail"]["outputAssessments"]


# --- the native Anthropic Messages stream -----------------------------------------------------


def native(client: Any, model: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    base = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 4000}
    response = client.invoke_model_with_response_stream(modelId=model, body=json.dumps(base | body))
    return [json.loads(event["chunk"]["bytes"]) for event in response["body"]]


def test_native_thinking_then_text(client: Any) -> None:
    chunks = native(
        client,
        HAIKU,
        {
            "thinking": THINK["thinking"],
            "messages": [{"role": "user", "content": f"#! think=3 echo {FAST}\nHi"}],
        },
    )
    types = [(c["type"], c.get("delta", c.get("content_block", {})).get("type")) for c in chunks]
    assert types == [
        ("message_start", None),
        ("content_block_start", "thinking"),
        *[("content_block_delta", "thinking_delta")] * 3,
        ("content_block_delta", "signature_delta"),
        ("content_block_stop", None),
        ("content_block_start", "text"),
        ("content_block_delta", "text_delta"),
        ("content_block_stop", None),
        ("message_delta", None),
        ("message_stop", None),
    ]
    thinking = "".join(
        c["delta"]["thinking"] for c in chunks if c.get("delta", {}).get("type") == "thinking_delta"
    )
    assert chunks[5]["delta"]["signature"] == signature(thinking)
    assert chunks[7]["index"] == 1


def test_native_redacted_thinking_and_a_tool_call(client: Any) -> None:
    tools = [{"name": "get_weather", "input_schema": {"type": "object"}}]
    chunks = native(
        client,
        SONNET,
        {
            "thinking": THINK["thinking"],
            "tools": tools,
            "messages": [
                {
                    "role": "user",
                    "content": f'#! redacted tool=get_weather {FAST}\n{{"city": "Oslo"}}',
                }
            ],
        },
    )
    redacted = chunks[1]["content_block"]
    assert redacted["type"] == "redacted_thinking"
    assert base64.b64decode(redacted["data"]).startswith(b"local-redacted-reasoning:")
    [start] = [c for c in chunks if c.get("content_block", {}).get("type") == "tool_use"]
    assert start["index"] == 1
    assert start["content_block"]["name"] == "get_weather"
    assert start["content_block"]["id"].startswith("toolu_bdrk_01")
    partial = [
        c["delta"]["partial_json"]
        for c in chunks
        if c.get("delta", {}).get("type") == "input_json_delta"
    ]
    assert len(partial) >= 3
    assert json.loads("".join(partial)) == {"city": "Oslo"}
    assert chunks[-2]["delta"]["stop_reason"] == "tool_use"


def test_native_cache_control_writes_then_reads(client: Any) -> None:
    rules = " ".join(f"clause{i % 89}" for i in range(1200))
    body = {
        "system": [{"type": "text", "text": rules, "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": f"#! echo {FAST}\nok"}],
    }
    first, second = native(client, SONNET, body), native(client, SONNET, body)
    assert first[0]["message"]["usage"]["cache_creation_input_tokens"] == 1200
    assert second[0]["message"]["usage"]["cache_read_input_tokens"] == 1200
    metrics = second[-1]["amazon-bedrock-invocationMetrics"]
    assert (metrics["cacheReadInputTokenCount"], metrics["cacheWriteInputTokenCount"]) == (1200, 0)
    base = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 4000}
    whole = client.invoke_model(modelId=SONNET, body=json.dumps(base | body))
    assert json.loads(whole["body"].read())["usage"]["cache_read_input_tokens"] == 1200
    headers = whole["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-bedrock-cache-read-input-token-count"] == "1200"
    assert headers["x-amzn-bedrock-cache-write-input-token-count"] == "0"


# --- refusals on the wire ---------------------------------------------------------------------


def test_refusals_are_client_errors_with_bedrocks_words(client: Any) -> None:
    with pytest.raises(ClientError) as caught:
        client.converse(modelId="anthropic.claude-sonnet-4-5-20250929-v1:0", messages=say("hi"))
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert "with on-demand throughput isn\u2019t supported" in error["Message"]
    with pytest.raises(ClientError) as caught:
        stream(client, "us.deepseek.r1-v1:0", say("hi"), toolConfig=TOOLS)
    assert caught.value.response["Error"]["Message"] == (
        "This model doesn't support tool use in streaming mode."
    )
