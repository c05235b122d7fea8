"""Bedrock stream shapes recorded by other projects, as boto3 yields them; each names its source.

ConverseStream streams are lists of boto3 events (`{"contentBlockDelta": {...}}`); native
(InvokeModelWithResponseStream) streams are lists of the provider's decoded chunk JSON. The
unit tests feed them to the mappers; the replay server (tests/e2e/replay) frames them as
Bedrock does and serves them to the real function.

Where no recording was found, a shape is built from AWS's documentation and says so.
"""

from __future__ import annotations

from typing import Any

Events = list[dict[str, Any]]


def _delta(index: int, delta: dict[str, Any]) -> dict[str, Any]:
    return {"contentBlockDelta": {"delta": delta, "contentBlockIndex": index}}


def _tool_start(index: int, tool_id: str, name: str) -> dict[str, Any]:
    return {
        "contentBlockStart": {
            "start": {"toolUse": {"toolUseId": tool_id, "name": name}},
            "contentBlockIndex": index,
        }
    }


def _stop(index: int) -> dict[str, Any]:
    return {"contentBlockStop": {"contentBlockIndex": index}}


def _end(stop_reason: str, usage: dict[str, int], **extra: Any) -> Events:
    return [
        {"messageStop": {"stopReason": stop_reason}},
        {"metadata": {"usage": usage, "metrics": {"latencyMs": 2449}, **extra}},
    ]


# --- ConverseStream, Claude ------------------------------------------------------------------
# deepset-ai/haystack-core-integrations,
# integrations/amazon_bedrock/tests/test_chat_generator_utils.py (streamed from
# anthropic.claude-3-5-sonnet-20240620-v1:0 and Claude Sonnet 4 / 3.7 inference profiles);
# some text deltas left out and the signature shortened, the tool-input pieces are as recorded.

CLAUDE_TEXT_THEN_TOOL: Events = [
    {"messageStart": {"role": "assistant"}},
    _delta(0, {"text": "Certainly! I can"}),
    _delta(0, {"text": " help you find out"}),
    _delta(0, {"text": " the weather"}),
    _delta(0, {"text": " in Berlin."}),
    _stop(0),
    _tool_start(1, "tooluse_pLGRAmK7TNKoZQ_rntVN_Q", "weather_tool"),
    _delta(1, {"toolUse": {"input": ""}}),
    _delta(1, {"toolUse": {"input": '{"'}}),
    _delta(1, {"toolUse": {"input": 'location": '}}),
    _delta(1, {"toolUse": {"input": '"B'}}),
    _delta(1, {"toolUse": {"input": 'erlin"}'}}),
    _stop(1),
    *_end("tool_use", {"inputTokens": 364, "outputTokens": 71, "totalTokens": 435}),
]

CLAUDE_TWO_TOOLS: Events = [
    {"messageStart": {"role": "assistant"}},
    _delta(0, {"text": "To answer your question about the"}),
    _delta(0, {"text": " weather in Berlin and Paris, I'll"}),
    _delta(0, {"text": " need to use the weather_tool"}),
    _delta(0, {"text": " for each city."}),
    _stop(0),
    _tool_start(1, "tooluse_A0jTtaiQTFmqD_cIq8I1BA", "weather_tool"),
    _delta(1, {"toolUse": {"input": ""}}),
    _delta(1, {"toolUse": {"input": '{"location":'}}),
    _delta(1, {"toolUse": {"input": ' "Be'}}),
    _delta(1, {"toolUse": {"input": 'rlin"}'}}),
    _stop(1),
    _tool_start(2, "tooluse_LTc2TUMgTRiobK5Z5CCNSw", "weather_tool"),
    _delta(2, {"toolUse": {"input": ""}}),
    _delta(2, {"toolUse": {"input": '{"l'}}),
    _delta(2, {"toolUse": {"input": "ocati"}}),
    _delta(2, {"toolUse": {"input": 'on": "P'}}),
    _delta(2, {"toolUse": {"input": "ari"}}),
    _delta(2, {"toolUse": {"input": 's"}'}}),
    _stop(2),
    *_end("tool_use", {"inputTokens": 366, "outputTokens": 83, "totalTokens": 449}),
]

CLAUDE_THINKING_THEN_TOOL: Events = [
    {"messageStart": {"role": "assistant"}},
    _delta(0, {"reasoningContent": {"text": "The user is asking about the weather"}}),
    _delta(0, {"reasoningContent": {"text": " in Paris. I have"}}),
    _delta(0, {"reasoningContent": {"text": " access to a"}}),
    _delta(0, {"reasoningContent": {"text": " weather function that takes"}}),
    _delta(0, {"reasoningContent": {"text": " a city parameter."}}),
    _delta(0, {"reasoningContent": {"signature": "ErUBCkYIARgCIkACJWxzySUOJzOlZ8WFdgQ=="}}),
    _stop(0),
    _tool_start(1, "tooluse_1gPhO4A1RNWgzKbt1PXWLg", "weather"),
    _delta(1, {"toolUse": {"input": ""}}),
    _delta(1, {"toolUse": {"input": '{"ci'}}),
    _delta(1, {"toolUse": {"input": "ty"}}),
    _delta(1, {"toolUse": {"input": '": "P'}}),
    _delta(1, {"toolUse": {"input": "aris"}}),
    _delta(1, {"toolUse": {"input": '"}'}}),
    _stop(1),
    *_end("tool_use", {"inputTokens": 412, "outputTokens": 104, "totalTokens": 516}),
]

CLAUDE_REDACTED_THEN_TEXT: Events = [
    {"messageStart": {"role": "assistant"}},
    _delta(0, {"reasoningContent": {"redactedContent": b"Some encrypted byte string"}}),
    _stop(0),
    _delta(1, {"text": "I notice your message contains a special"}),
    _delta(1, {"text": " string that doesn't include an actual question"}),
    _delta(1, {"text": " or request. \n\nIs there something"}),
    _delta(1, {"text": " specific you'd like to know?"}),
    _stop(1),
    *_end("end_turn", {"inputTokens": 461, "outputTokens": 138, "totalTokens": 599}),
]

GUARDRAIL_TRACE: dict[str, Any] = {
    "inputAssessment": {
        "vodp82dpe5xv": {
            "topicPolicy": {
                "topics": [
                    {
                        "name": "Investments topic",
                        "type": "DENY",
                        "action": "BLOCKED",
                        "detected": True,
                    }
                ]
            },
            "invocationMetrics": {"guardrailProcessingLatency": 299},
        }
    },
    "actionReason": "Guardrail blocked.",
}

CLAUDE_GUARDRAIL: Events = [
    {"messageStart": {"role": "assistant"}},
    _delta(0, {"text": "Sorry, the model cannot answer this question."}),
    _stop(0),
    *_end(
        "guardrail_intervened",
        {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0},
        trace={"guardrail": GUARDRAIL_TRACE},
    ),
]

# Prompt caching: the metadata's cache counts (TokenUsage: cacheReadInputTokens,
# cacheWriteInputTokens); built from the service model, no recording found.
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html
CLAUDE_CACHED: Events = [
    {"messageStart": {"role": "assistant"}},
    _delta(0, {"text": "From the cache."}),
    _stop(0),
    *_end(
        "end_turn",
        {
            "inputTokens": 726,
            "outputTokens": 114,
            "totalTokens": 32266,
            "cacheReadInputTokens": 31426,
            "cacheWriteInputTokens": 0,
        },
    ),
]

# --- ConverseStream, other families (built from AWS's documentation: no recording found) ---
# Amazon Nova writes its chain of thought inline as <thinking> text before a tool call, and
# sends a call's whole input in one delta.
# https://docs.aws.amazon.com/nova/latest/userguide/tool-use-invocation.html
NOVA_THINKING_TEXT_THEN_TOOL: Events = [
    {"messageStart": {"role": "assistant"}},
    _delta(0, {"text": "<thinking>The user wants the weather"}),
    _delta(0, {"text": " in Paris; I will call get_weather.</thinking>\n"}),
    _stop(0),
    _tool_start(1, "tooluse_Jv7pQW3dR6KkFq1pNwZx0A", "get_weather"),
    _delta(1, {"toolUse": {"input": '{"city":"Paris","unit":"celsius"}'}}),
    _stop(1),
    *_end("tool_use", {"inputTokens": 420, "outputTokens": 49, "totalTokens": 469}),
]

# DeepSeek-R1 always reasons: reasoningContent text (no signature), then the answer.
# https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-deepseek.html
DEEPSEEK_R1: Events = [
    {"messageStart": {"role": "assistant"}},
    _delta(0, {"reasoningContent": {"text": "Okay, the user asks for 2+2."}}),
    _delta(0, {"reasoningContent": {"text": " That is 4."}}),
    _stop(0),
    _delta(1, {"text": "\n\n2 + 2 = "}),
    _delta(1, {"text": "4."}),
    _stop(1),
    *_end("end_turn", {"inputTokens": 12, "outputTokens": 31, "totalTokens": 43}),
]

# gpt-oss always reasons, and calls tools: reasoning text, then a tool-use block.
# https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-openai.html
GPT_OSS_REASONING_THEN_TOOL: Events = [
    {"messageStart": {"role": "assistant"}},
    _delta(0, {"reasoningContent": {"text": "Need the weather; call the tool"}}),
    _delta(0, {"reasoningContent": {"text": " with city Oslo."}}),
    _stop(0),
    _tool_start(1, "tooluse_gptoss_0", "get_weather"),
    _delta(1, {"toolUse": {"input": '{"city":'}}),
    _delta(1, {"toolUse": {"input": ' "Oslo"}'}}),
    _stop(1),
    *_end("tool_use", {"inputTokens": 97, "outputTokens": 38, "totalTokens": 135}),
]

# --- InvokeModelWithResponseStream, native chunks -------------------------------------------
# Anthropic Messages events, recorded: deepnoodle-ai/dive, its providers/anthropic reference page
# ("Tool Use Deltas" and "Thinking Block Deltas", claude-3-7-sonnet-20250219; some text
# deltas left out, the signature shortened).
ANTHROPIC_TOOL: Events = [
    {
        "type": "message_start",
        "message": {
            "id": "msg_01KCvnUX6MJRRDB1k3L36tU1",
            "model": "claude-3-7-sonnet-20250219",
            "role": "assistant",
            "content": [],
            "stop_reason": "",
            "type": "message",
            "usage": {"input_tokens": 471, "output_tokens": 5},
        },
    },
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}},
    {"type": "ping"},
    {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": "I'll search for the"},
    },
    {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": " top Google hits for Foo Fighters."},
    },
    {"type": "content_block_stop", "index": 0},
    {
        "type": "content_block_start",
        "index": 1,
        "content_block": {
            "type": "tool_use",
            "id": "toolu_01VqG2jCdyjoB9HMTFnCKeo2",
            "name": "google_search",
        },
    },
    {"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta"}},
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {"type": "input_json_delta", "partial_json": '{"query"'},
    },
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {"type": "input_json_delta", "partial_json": ': "Foo F'},
    },
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {"type": "input_json_delta", "partial_json": "ighter"},
    },
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {"type": "input_json_delta", "partial_json": 's"}'},
    },
    {"type": "content_block_stop", "index": 1},
    {
        "type": "message_delta",
        "delta": {"stop_reason": "tool_use"},
        "usage": {"input_tokens": 0, "output_tokens": 80},
    },
    {"type": "message_stop"},
]

ANTHROPIC_THINKING: Events = [
    {
        "type": "message_start",
        "message": {
            "id": "msg_01DfGoUwMtftE8VM22axQ2Jc",
            "type": "message",
            "role": "assistant",
            "model": "claude-3-7-sonnet-20250219",
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {
                "input_tokens": 778,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "output_tokens": 5,
            },
        },
    },
    {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "thinking", "thinking": "", "signature": ""},
    },
    {"type": "ping"},
    {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "thinking_delta", "thinking": "The user has simply"},
    },
    {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "thinking_delta", "thinking": ' said "hey" as a greeting.'},
    },
    {
        "type": "content_block_delta",
        "index": 0,
        "delta": {
            "type": "signature_delta",
            "signature": "ErUBCkYIARgCIkACJWxzySUOJzOlZ8WFdgQSbeQA3H1i5rfkKLV9eC4HN6Jcnrlw1Ncn",
        },
    },
    {"type": "content_block_stop", "index": 0},
    {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {"type": "text_delta", "text": "Hello! I'm Assistant, an AI here to help you."},
    },
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {"type": "text_delta", "text": " How can I assist you today?"},
    },
    {"type": "content_block_stop", "index": 1},
    {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": 104},
    },
    {"type": "message_stop"},
]

# A redacted_thinking block arrives whole in its content_block_start (`data`).
# https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
ANTHROPIC_REDACTED_BLOCK: dict[str, Any] = {
    "type": "content_block_start",
    "index": 0,
    "content_block": {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"},
}

# Cohere Command without "stream": true: one chunk with the whole answer, recorded in
# vercel/ai, packages/core/tests/snapshots/aws-bedrock.ts (bedrockCohereChunks); Bedrock
# appends its invocation metrics to the last chunk (docs/PROTOCOLS.md §5.4).
COHERE_NOT_STREAMED: Events = [
    {
        "generations": [
            {
                "finish_reason": "COMPLETE",
                "id": "0c72c609-c8ac-4601-a323-653db56c8d80",
                "text": " Hi! How can I help you today?",
            }
        ],
        "amazon-bedrock-invocationMetrics": {
            "inputTokenCount": 3,
            "outputTokenCount": 9,
            "invocationLatency": 512,
            "firstByteLatency": 512,
        },
    }
]

# Cohere Command streaming, as vercel/ai's cohereChunks records it, with the <EOS_TOKEN> piece
# langchain-ai/langchain#11230 describes ("a chunk containing the text <EOS_TOKEN>").
COHERE_STREAMED: Events = [
    {"text": " Hello", "is_finished": False},
    {"text": ",", "is_finished": False},
    {"text": " world", "is_finished": False},
    {"text": ".", "is_finished": False},
    {"text": "<EOS_TOKEN>", "is_finished": False},
    {
        "is_finished": True,
        "finish_reason": "COMPLETE",
        "response": {
            "id": "a15fdf82-758e-4d35-a520-40fbb7308631",
            "generations": [
                {
                    "id": "9700d8ef-a8e5-4eb8-8288-3f0e0a1daed5",
                    "text": " Hello, world.",
                    "finish_reason": "COMPLETE",
                }
            ],
            "prompt": "Hello",
        },
        "amazon-bedrock-invocationMetrics": {
            "inputTokenCount": 2,
            "outputTokenCount": 5,
            "invocationLatency": 700,
            "firstByteLatency": 210,
        },
    },
]

# num_generations: 2, pieces interleaved with their generation's `index` (Cohere's
# GenerateStreamText.index: "Refers to the nth generation"). The interleaving is built.
COHERE_TWO_GENERATIONS: Events = [
    {"text": " Hello", "is_finished": False, "index": 0},
    {"text": " Bonjour", "is_finished": False, "index": 1},
    {"text": " world", "is_finished": False, "index": 0},
    {"text": " monde", "is_finished": False, "index": 1},
    {"text": "<EOS_TOKEN>", "is_finished": False, "index": 0},
    {"text": "<EOS_TOKEN>", "is_finished": False, "index": 1},
    {
        "is_finished": True,
        "finish_reason": "COMPLETE",
        "response": {
            "generations": [
                {"text": " Hello world", "index": 0, "finish_reason": "COMPLETE"},
                {"text": " Bonjour monde", "index": 1, "finish_reason": "COMPLETE"},
            ]
        },
        "amazon-bedrock-invocationMetrics": {"inputTokenCount": 2, "outputTokenCount": 8},
    },
]

# Titan Text with a guardrail that blocked the input: the only chunk, floats for counts, no
# completionReason, no invocation metrics. The shape as reported in this project's issue 10;
# the recording itself was not found in the public sources searched. The field is AWS's:
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html
TITAN_GUARDRAIL: Events = [
    {
        "outputText": "Input blocked",
        "index": 0.0,
        "totalOutputTextTokenCount": 3.0,
        "inputTextTokenCount": 6.0,
        "amazon-bedrock-guardrailAction": "INTERVENED",
    }
]
