"""Native provider formats: request parsing, chunk shapes, registry lookup (no sockets)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from local.bedrock.answers import plan_answer
from local.bedrock.errors import BedrockError
from local.bedrock.model import Turn
from local.bedrock.providers.base import NativeFormat
from local.bedrock.providers.registry import base_model_id, provider_for

Chunk = dict[str, Any]


@dataclass(frozen=True)
class NativeCase:
    """One model family: a request body for a user text, and how its chunks carry text."""

    family: str
    model_id: str
    body: Callable[[str, int], dict[str, Any]]
    text_of: Callable[[Chunk], str | None]  # the delta text a chunk carries, if any
    stop_of: Callable[[Chunk], str | None]  # the provider's stop reason, on the chunk that has it
    length_stop: str  # what the provider calls stopping at max tokens


def _claude_text(c: Chunk) -> str | None:
    return c["delta"]["text"] if c.get("type") == "content_block_delta" else None


def _claude_stop(c: Chunk) -> str | None:
    return c["delta"]["stop_reason"] if c.get("type") == "message_delta" else None


def _chat_text(c: Chunk) -> str | None:
    return c["choices"][0]["delta"].get("content") if c.get("choices") else None


def _chat_stop(c: Chunk) -> str | None:
    return c["choices"][0]["finish_reason"] if c.get("choices") else None


def _chat_body(text: str, n: int) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}], "max_tokens": n}


LLAMA3 = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{}<|eot_id|>"
LLAMA3 += "<|start_header_id|>assistant<|end_header_id|>\n\n"

NATIVE_CASES = [
    NativeCase(
        "anthropic-messages",
        "anthropic.claude-3-haiku-20240307-v1:0",
        lambda t, n: {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": n,
            "messages": [{"role": "user", "content": [{"type": "text", "text": t}]}],
        },
        _claude_text,
        _claude_stop,
        "max_tokens",
    ),
    NativeCase(
        "anthropic-text",
        "anthropic.claude-v2:1",
        lambda t, n: {"prompt": f"\n\nHuman: {t}\n\nAssistant:", "max_tokens_to_sample": n},
        lambda c: c["completion"],
        lambda c: c["stop_reason"],
        "max_tokens",
    ),
    NativeCase(
        "amazon-titan-text",
        "amazon.titan-text-express-v1",
        lambda t, n: {"inputText": t, "textGenerationConfig": {"maxTokenCount": n}},
        lambda c: c["outputText"],
        lambda c: c["completionReason"],
        "LENGTH",
    ),
    NativeCase(
        "amazon-nova",
        "us.amazon.nova-lite-v1:0",
        lambda t, n: {
            "schemaVersion": "messages-v1",
            "messages": [{"role": "user", "content": [{"text": t}]}],
            "inferenceConfig": {"max_new_tokens": n},
        },
        lambda c: c["contentBlockDelta"]["delta"]["text"] if "contentBlockDelta" in c else None,
        lambda c: c["messageStop"]["stopReason"] if "messageStop" in c else None,
        "max_tokens",
    ),
    NativeCase(
        "meta-llama",
        "meta.llama3-8b-instruct-v1:0",
        lambda t, n: {"prompt": LLAMA3.format(t), "max_gen_len": n},
        lambda c: c["generation"],
        lambda c: c["stop_reason"],
        "length",
    ),
    NativeCase(
        "cohere-command",
        "cohere.command-text-v14",
        lambda t, n: {"prompt": t, "max_tokens": n},
        lambda c: None if c["is_finished"] else c["text"],
        lambda c: c.get("finish_reason"),
        "MAX_TOKENS",
    ),
    NativeCase(
        "cohere-command-r",
        "cohere.command-r-v1:0",
        lambda t, n: {"message": t, "chat_history": [], "max_tokens": n},
        lambda c: c["text"] if c["event_type"] == "text-generation" else None,
        lambda c: c.get("finish_reason"),
        "MAX_TOKENS",
    ),
    NativeCase(
        "mistral-text",
        "mistral.mistral-7b-instruct-v0:2",
        lambda t, n: {"prompt": f"<s>[INST] {t} [/INST]", "max_tokens": n},
        lambda c: c["outputs"][0]["text"],
        lambda c: c["outputs"][0]["stop_reason"],
        "length",
    ),
    NativeCase(
        "mistral-chat",
        "mistral.mistral-large-2407-v1:0",
        _chat_body,
        lambda c: c["choices"][0]["message"]["content"],
        lambda c: c["choices"][0]["stop_reason"],
        "length",
    ),
    NativeCase(
        "ai21-jamba", "ai21.jamba-1-5-mini-v1:0", _chat_body, _chat_text, _chat_stop, "length"
    ),
]
IDS = [case.family for case in NATIVE_CASES]


def chunks_of(case: NativeCase, text: str, max_tokens: int = 1000) -> list[Chunk]:
    """Every decoded chunk one answer produces, through the `chunk` event wrapper."""
    body = case.body(text, max_tokens)
    provider = provider_for(case.model_id, body)
    prompt = provider.parse(body)
    turn = Turn(case.model_id, "req-1", plan_answer(prompt), prompt.user_text)
    fmt = NativeFormat(provider)
    frames = fmt.opening(turn)
    for index, delta in enumerate(turn.plan.deltas):
        frames += fmt.delta(turn, index, delta)
    frames += fmt.closing(turn)
    assert {event for event, _ in frames} == {"chunk"}
    return [json.loads(base64.b64decode(str(payload["bytes"]))) for _, payload in frames]


@pytest.mark.parametrize("case", NATIVE_CASES, ids=IDS)
def test_registry_picks_the_family(case: NativeCase) -> None:
    assert provider_for(case.model_id, case.body("x", 5)).name == case.family


@pytest.mark.parametrize("case", NATIVE_CASES, ids=IDS)
def test_chunks_carry_the_exact_text_and_end_with_metrics(case: NativeCase) -> None:
    text = "Hello, wörld!\n  Multi-line 👋🏽 text\t"
    chunks = chunks_of(case, "#! echo\n" + text)
    assert "".join(filter(None, map(case.text_of, chunks))) == text
    assert "amazon-bedrock-invocationMetrics" in chunks[-1]
    assert all("amazon-bedrock-invocationMetrics" not in chunk for chunk in chunks[:-1])
    metrics = chunks[-1]["amazon-bedrock-invocationMetrics"]
    assert set(metrics) == {
        "inputTokenCount",
        "outputTokenCount",
        "invocationLatency",
        "firstByteLatency",
    }
    assert metrics["outputTokenCount"] == 10  # Hello , wörld ! \n Multi - line 👋🏽 text \t


@pytest.mark.parametrize("case", NATIVE_CASES, ids=IDS)
def test_max_tokens_field_is_honoured_with_the_providers_own_word(case: NativeCase) -> None:
    chunks = chunks_of(case, "#! tokens=40", max_tokens=5)
    assert len([c for c in chunks if case.text_of(c)]) == 5
    assert case.length_stop in [case.stop_of(c) for c in chunks]


def test_legacy_claude_reads_the_last_human_turn_and_prefill() -> None:
    body = {
        "prompt": "\n\nHuman: first\n\nAssistant: ok\n\nHuman: #! echo\nabc def\n\nAssistant: abc"
    }
    prompt = provider_for("anthropic.claude-v2", body).parse(body)
    assert prompt.user_text == "#! echo\nabc def"
    assert prompt.prefix == "abc"
    assert plan_answer(prompt).text == " def"


def test_llama3_prefill_is_continued() -> None:
    body = {"prompt": LLAMA3.format("#! echo\nOne two three") + "One two"}
    prompt = provider_for("meta.llama3-70b-instruct-v1:0", body).parse(body)
    assert plan_answer(prompt).text == " three"


def test_mistral_prefill_after_inst_is_continued() -> None:
    # docs/API.md §9: a conversation whose last message is from the assistant is continued; in a
    # Mistral prompt that is the text after the last `[/INST] ` (one space, as in Llama 2).
    body = {"prompt": "<s>[INST] #! echo\nOne two three [/INST] One two", "max_tokens": 50}
    prompt = provider_for("mistral.mistral-7b-instruct-v0:2", body).parse(body)
    assert prompt.user_text == "#! echo\nOne two three"
    assert prompt.prefix == "One two"
    assert plan_answer(prompt).text == " three"


def test_messages_bodies_continue_a_final_assistant_message() -> None:
    body = _chat_body("#! echo\nOne two three", 50)
    body["messages"].append({"role": "assistant", "content": "One tw"})
    prompt = provider_for("ai21.jamba-1-5-large-v1:0", body).parse(body)
    assert plan_answer(prompt).text == "o three"


@pytest.mark.parametrize(
    ("model_id", "base"),
    [
        ("us.anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic.claude-3-5-haiku-20241022-v1:0"),
        (
            "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
        ),
        ("apac.amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0"),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-8b-instruct-v1:0",
            "meta.llama3-8b-instruct-v1:0",
        ),
        ("amazon.titan-text-express-v1", "amazon.titan-text-express-v1"),
    ],
)
def test_geo_prefixes_and_arns_are_stripped(model_id: str, base: str) -> None:
    assert base_model_id(model_id) == base


def test_unknown_family_is_a_validation_error() -> None:
    with pytest.raises(BedrockError) as caught:
        provider_for("stability.sd3-large-v1:0", {"prompt": "x"})
    assert caught.value.kind.code == "ValidationException"


def test_bad_body_shape_is_a_validation_error() -> None:
    body = {"messages": "not a list", "anthropic_version": "bedrock-2023-05-31"}
    with pytest.raises(BedrockError, match="messages must be an array"):
        provider_for("anthropic.claude-3-haiku-20240307-v1:0", body).parse(body)


@pytest.mark.parametrize("case", NATIVE_CASES, ids=IDS)
def test_invoke_model_body_has_the_whole_text(case: NativeCase) -> None:
    body = case.body("#! echo\nall of it", 100)
    provider = provider_for(case.model_id, body)
    turn = Turn(case.model_id, "r", plan_answer(provider.parse(body)))
    assert "all of it" in json.dumps(provider.complete(turn))
