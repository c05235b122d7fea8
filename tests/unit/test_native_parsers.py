"""Native-mode chunk parsers: realistic provider chunks in, unified deltas and terminal out."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from bedrock_stream.errors import AppError
from bedrock_stream.events import Delta, Done, Error, Usage
from bedrock_stream.model_ids import base_model_id
from bedrock_stream.native import check_token_limit, native_call, parser_for
from bedrock_stream.native.amazon import NovaParser, TitanParser
from bedrock_stream.native.anthropic import AnthropicParser
from bedrock_stream.native.others import LlamaParser, MistralParser
from tests import recorded_streams as rec
from tests.unit.native_support import chunk, native

METRICS = {
    "amazon-bedrock-invocationMetrics": {
        "inputTokenCount": 21,
        "outputTokenCount": 9,
        "invocationLatency": 1405,
        "firstByteLatency": 385,
    }
}


CASES: dict[str, tuple[str, list[dict[str, Any]], str, Done]] = {
    "anthropic messages": (
        "anthropic.claude-3-haiku-20240307-v1:0",
        [
            {
                "type": "message_start",
                "message": {
                    "id": "msg_bdrk_01",
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "usage": {"input_tokens": 21, "output_tokens": 1},
                },
            },
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": "Hello"},
            },
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": " world\n"},
            },
            {"type": "content_block_stop", "index": 0},
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": 9},
            },
            {"type": "message_stop", **METRICS},
        ],
        "Hello world\n",
        Done("end_turn", Usage(21, 9)),
    ),
    "anthropic legacy": (
        "anthropic.claude-v2:1",
        [
            {"completion": " Hello", "stop_reason": None, "stop": None},
            {"completion": " world", "stop_reason": None, "stop": None},
            {"completion": "", "stop_reason": "stop_sequence", "stop": "\n\nHuman:", **METRICS},
        ],
        " Hello world",
        Done("stop_sequence", Usage(21, 9)),
    ),
    "titan": (
        "amazon.titan-text-express-v1",
        [
            {
                "outputText": "Hello",
                "index": 0,
                "totalOutputTextTokenCount": 1,
                "completionReason": None,
                "inputTextTokenCount": 21,
            },
            {
                "outputText": " world",
                "index": 0,
                "totalOutputTextTokenCount": 9,
                "completionReason": "FINISH",
                "inputTextTokenCount": None,
                **METRICS,
            },
        ],
        "Hello world",
        Done("FINISH", Usage(21, 9)),
    ),
    "llama": (
        "us.meta.llama3-2-3b-instruct-v1:0",
        [
            {
                "generation": "Hello",
                "prompt_token_count": 21,
                "generation_token_count": 1,
                "stop_reason": None,
            },
            {
                "generation": " world",
                "prompt_token_count": None,
                "generation_token_count": 2,
                "stop_reason": None,
            },
            {
                "generation": "",
                "prompt_token_count": None,
                "generation_token_count": 9,
                "stop_reason": "stop",
                **METRICS,
            },
        ],
        "Hello world",
        Done("stop", Usage(21, 9)),
    ),
    "cohere command": (
        "cohere.command-text-v14",
        [
            {"text": " Hello", "is_finished": False},
            {"text": " world", "is_finished": False},
            {
                "is_finished": True,
                "finish_reason": "COMPLETE",
                "response": {"id": "x", "generations": [{"text": " Hello world"}], "prompt": "hi"},
                **METRICS,
            },
        ],
        " Hello world",
        Done("COMPLETE", Usage(21, 9)),
    ),
    "cohere command r": (
        "cohere.command-r-v1:0",
        [
            {"is_finished": False, "event_type": "stream-start", "generation_id": "g1"},
            {"is_finished": False, "event_type": "text-generation", "text": "Hello"},
            {"is_finished": False, "event_type": "text-generation", "text": " world"},
            {
                "is_finished": True,
                "event_type": "stream-end",
                "response": {
                    "text": "Hello world",
                    "finish_reason": "COMPLETE",
                    "meta": {"billed_units": {"input_tokens": 20, "output_tokens": 8}},
                },
                "finish_reason": "COMPLETE",
                **METRICS,
            },
        ],
        "Hello world",
        Done("COMPLETE", Usage(21, 9)),
    ),
    "mistral": (
        "mistral.mistral-7b-instruct-v0:2",
        [
            {"outputs": [{"text": "Hello", "stop_reason": None}]},
            {"outputs": [{"text": " world", "stop_reason": "stop"}], **METRICS},
        ],
        "Hello world",
        Done("stop", Usage(21, 9)),
    ),
    "mistral-chat": (
        "mistral.mistral-large-2407-v1:0",
        [
            {
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "Hello"},
                        "stop_reason": None,
                    }
                ]
            },
            {
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": " world"},
                        "stop_reason": "stop",
                    }
                ],
                **METRICS,
            },
        ],
        "Hello world",
        Done("stop", Usage(21, 9)),
    ),
    "jamba": (
        "ai21.jamba-1-5-mini-v1:0",
        [
            {
                "id": "c1",
                "choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}],
            },
            {
                "id": "c1",
                "choices": [{"index": 0, "delta": {"content": "Hello"}, "finish_reason": None}],
            },
            {
                "id": "c1",
                "choices": [{"index": 0, "delta": {"content": " world"}, "finish_reason": None}],
            },
            {
                "id": "c1",
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 21, "completion_tokens": 9, "total_tokens": 30},
                **METRICS,
            },
        ],
        "Hello world",
        Done("stop", Usage(21, 9)),
    ),
    "nova": (
        "us.amazon.nova-lite-v1:0",
        [
            {"messageStart": {"role": "assistant"}},
            {"contentBlockDelta": {"delta": {"text": "Hello"}, "contentBlockIndex": 0}},
            {"contentBlockDelta": {"delta": {"text": " world"}, "contentBlockIndex": 0}},
            {"contentBlockStop": {"contentBlockIndex": 0}},
            {"messageStop": {"stopReason": "end_turn"}},
            {
                "metadata": {
                    "usage": {"inputTokens": 21, "outputTokens": 9},
                    "metrics": {},
                    "trace": {},
                },
                **METRICS,
            },
        ],
        "Hello world",
        Done("end_turn", Usage(21, 9)),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_provider_stream(name):
    model, chunks, text, done = CASES[name]
    parser = parser_for(model)()
    deltas = [d for c in chunks for d in parser.feed(chunk(c))]
    assert "".join(d.text for d in deltas) == text
    assert all(d.text for d in deltas)
    assert parser.finish() == done


@pytest.mark.parametrize("name", sorted(CASES))
def test_provider_stream_cut_before_its_end_is_an_error(name):
    model, chunks, _, _ = CASES[name]
    parser = parser_for(model)()
    # Nova's end marker is messageStop, followed by the metadata chunk.
    cut = -2 if name == "nova" else -1
    for c in chunks[:cut]:
        parser.feed(chunk(c))
    terminal = parser.finish()
    assert isinstance(terminal, Error)
    assert terminal.code == "upstream_error"


# --- the five stream bugs of issue 10 -------------------------------------------------------


def test_cohere_without_stream_true_sends_the_whole_answer_in_one_chunk():
    outputs, terminal = native("cohere.command-text-v14", rec.COHERE_NOT_STREAMED)
    assert outputs == [Delta(" Hi! How can I help you today?")]
    assert terminal == Done("COMPLETE", Usage(3, 9))


def test_cohere_streams_generation_zero_only():
    outputs, terminal = native("cohere.command-text-v14", rec.COHERE_TWO_GENERATIONS)
    assert "".join(o.text for o in outputs if isinstance(o, Delta)) == " Hello world"
    assert terminal == Done("COMPLETE", Usage(2, 8))


def test_cohere_end_of_sequence_piece_is_not_answer_text():
    outputs, terminal = native("cohere.command-text-v14", rec.COHERE_STREAMED)
    assert outputs == [Delta(" Hello"), Delta(","), Delta(" world"), Delta(".")]
    assert terminal == Done("COMPLETE", Usage(2, 5))


def test_titan_guardrail_intervention_ends_done_with_integer_counts():
    outputs, terminal = native("amazon.titan-text-express-v1", rec.TITAN_GUARDRAIL)
    assert outputs == [Delta("Input blocked")]
    assert terminal == Done("guardrail_intervened", Usage(6, 3))
    assert isinstance(terminal, Done)
    assert type(terminal.usage.input_tokens) is int
    assert type(terminal.usage.output_tokens) is int


def test_guardrail_action_none_changes_nothing():
    chunks = copy.deepcopy(CASES["titan"][1])
    chunks[-1]["amazon-bedrock-guardrailAction"] = "NONE"
    _, terminal = native("amazon.titan-text-express-v1", chunks)
    assert terminal == Done("FINISH", Usage(21, 9))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3.0, 3), (7, 7), (3.5, None), (float("nan"), None), (float("inf"), None), (True, None)],
)
def test_token_counts_accept_whole_floats_only(value, expected):
    parser = parser_for("meta.llama3-8b-instruct-v1:0")()
    parser.feed(chunk({"generation": "x", "prompt_token_count": value, "stop_reason": "stop"}))
    terminal = parser.finish()
    assert isinstance(terminal, Done)
    assert terminal.usage.input_tokens == expected


def test_a_chunk_that_is_not_json_is_an_upstream_error():
    parser = parser_for("meta.llama3-8b-instruct-v1:0")()
    with pytest.raises(AppError) as info:
        parser.feed({"chunk": {"bytes": b"{not json"}})
    assert (info.value.code, info.value.stream_code) == ("upstream_error", "upstream_error")


def test_invocation_metrics_win_over_provider_counts():
    parser = parser_for("meta.llama3-8b-instruct-v1:0")()
    parser.feed(
        chunk(
            {
                "generation": "x",
                "prompt_token_count": 5,
                "generation_token_count": 1,
                "stop_reason": None,
            }
        )
    )
    parser.feed(
        chunk({"generation": "", "generation_token_count": 2, "stop_reason": "length", **METRICS})
    )
    assert parser.finish() == Done("length", Usage(21, 9))


@pytest.mark.parametrize(
    ("model", "base"),
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
        ("mistral.mistral-large-2402-v1:0", "mistral.mistral-large-2402-v1:0"),
    ],
)
def test_base_model_id(model, base):
    assert base_model_id(model) == base


def test_cohere_r_and_command_share_the_parser_registry_entries():
    assert parser_for("cohere.command-r-plus-v1:0") is parser_for("cohere.command-text-v14")


@pytest.mark.parametrize(
    ("model", "parser"),
    [
        # A real Titan id that a `amazon.titan-text` prefix rule did not know.
        ("amazon.titan-tg1-large", TitanParser),
        ("amazon.titan-text-premier-v1:0", TitanParser),
        ("us.amazon.nova-2-lite-v1:0", NovaParser),
        ("global.anthropic.claude-haiku-4-5-20251001-v1:0", AnthropicParser),
        ("anthropic.claude-v2:1", AnthropicParser),
        ("us.meta.llama4-maverick-17b-instruct-v1:0", LlamaParser),
        ("us.mistral.pixtral-large-2502-v1:0", MistralParser),
    ],
)
def test_parser_choice_comes_from_the_family_table(model, parser):
    assert parser_for(model) is parser


def test_titan_tg1_length_limit_is_checked_like_any_titan():
    body = {"inputText": "x", "textGenerationConfig": {"maxTokenCount": 5000}}
    with pytest.raises(AppError) as info:
        check_token_limit("amazon.titan-tg1-large", body, 4096)
    assert "native.textGenerationConfig.maxTokenCount" in info.value.message
    check_token_limit("amazon.titan-tg1-large", body, 5000)  # at the ceiling: sent


def test_unknown_provider_is_invalid_request():
    with pytest.raises(AppError) as info:
        parser_for("deepseek.r1-v1:0")
    assert (info.value.status, info.value.code) == (400, "invalid_request")


@pytest.mark.parametrize(
    ("model", "parser"),
    [
        ("us.anthropic.claude-opus-5-20270101-v1:0", AnthropicParser),  # not in the table yet
        ("meta.llama5-70b-instruct-v1:0", LlamaParser),
        ("mistral.mistral-huge-2701-v1:0", MistralParser),
    ],
)
def test_a_model_the_table_does_not_list_yet_streams_by_its_providers_format(model, parser):
    # docs/API.md §12.6: a new model works on day one, in native mode too.
    assert parser_for(model) is parser
    with pytest.raises(AppError):  # and the deployment's ceiling still holds
        check_token_limit(model, {"max_tokens": 5000, "max_gen_len": 5000}, 4096)


def test_native_call_sends_the_body_as_json():
    seen: dict[str, Any] = {}

    class Client:
        def invoke_model_with_response_stream(self, **kwargs: Any) -> Any:
            seen.update(kwargs)
            return {"body": iter(())}

        def converse_stream(self, **kwargs: Any) -> Any:
            raise AssertionError

    call = native_call("amazon.titan-text-express-v1", {"inputText": "hi"})
    call.open(Client())
    assert call.operation == "InvokeModelWithResponseStream"
    assert seen["modelId"] == "amazon.titan-text-express-v1"
    assert json.loads(seen["body"]) == {"inputText": "hi"}
    assert seen["contentType"] == "application/json"
