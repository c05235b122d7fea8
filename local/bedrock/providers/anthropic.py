"""Anthropic Claude on Bedrock: the Messages API, with thinking, tool use and caching."""

from __future__ import annotations

import base64
import json
import re

from local.bedrock.formats import JsonObject, block_indexes, has_text_block
from local.bedrock.jsonbody import JsonMap
from local.bedrock.model import Prompt, Turn
from local.bedrock.parts import make_id
from local.bedrock.providers.anthropic_request import parse_messages
from local.bedrock.providers.base import generation_id

# Messages chunks are Anthropic's SSE events without the SSE framing; message_stop carries the
# invocation metrics. Sources: docs/PROTOCOLS.md §5.4 (langchain-aws llms/bedrock.py) and
# captured Bedrock streams in public tests, e.g. `{"type": "message_stop",
# "amazon-bedrock-invocationMetrics": {...}}`. Thinking streams as a `thinking` block
# (`thinking_delta` pieces, then one `signature_delta`) or a `redacted_thinking` block whose
# `data` comes whole in content_block_start; a tool call is a `tool_use` block whose input
# streams as `input_json_delta` partial JSON; usage carries `cache_read_input_tokens` and
# `cache_creation_input_tokens`.
# https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages.html
# https://docs.claude.com/en/docs/build-with-claude/streaming
# https://docs.claude.com/en/docs/build-with-claude/extended-thinking


def _model_name(model_id: str) -> str:
    # "us.anthropic.claude-3-5-haiku-20241022-v1:0" -> "claude-3-5-haiku-20241022"
    name = model_id.partition("anthropic.")[2] or model_id
    return re.sub(r"-v\d+(:\d+)?$", "", name)


def _tool_id(turn: Turn) -> str:
    assert turn.plan.tool is not None
    return make_id(turn.plan.tool.id, "toolu_bdrk_01", 24)


def _usage(turn: Turn, output_tokens: int) -> JsonObject:
    tokens = turn.plan.usage_or_plain
    usage: JsonObject = {"input_tokens": tokens.input_tokens, "output_tokens": output_tokens}
    if tokens.cached:
        usage["cache_creation_input_tokens"] = tokens.cache_write
        usage["cache_read_input_tokens"] = tokens.cache_read
    return usage


def _start(index: int, block: JsonObject) -> JsonObject:
    return {"type": "content_block_start", "index": index, "content_block": block}


def _delta(index: int, delta: JsonObject) -> JsonObject:
    return {"type": "content_block_delta", "index": index, "delta": delta}


def _stop(index: int) -> JsonObject:
    return {"type": "content_block_stop", "index": index}


class AnthropicMessages:
    """`anthropic_version` + `messages` bodies."""

    name = "anthropic-messages"

    def parse(self, body: JsonMap) -> Prompt:
        """Messages with string or block content, `system`, `max_tokens`, `stop_sequences`."""
        return parse_messages(body, "")

    def _message(self, turn: Turn) -> JsonObject:
        return {
            "id": "msg_bdrk_" + generation_id(turn).replace("-", "")[:24],
            "type": "message",
            "role": "assistant",
            "model": _model_name(turn.model_id),
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": _usage(turn, 1),  # a placeholder count, like the service's
        }

    def _first_block(self, turn: Turn) -> list[JsonObject]:
        reasoning = turn.plan.reasoning
        if reasoning is not None and reasoning.redacted is not None:
            data = base64.b64encode(reasoning.redacted).decode("ascii")
            return [_start(0, {"type": "redacted_thinking", "data": data})]
        if reasoning is not None:
            return [_start(0, {"type": "thinking", "thinking": ""})]
        return self._text_start(turn)

    def _text_start(self, turn: Turn) -> list[JsonObject]:
        if not has_text_block(turn):
            return []
        return [_start(block_indexes(turn)[0], {"type": "text", "text": ""})]

    def opening(self, turn: Turn) -> list[JsonObject]:
        """message_start (usage as a placeholder, like the service) and the first block."""
        return [{"type": "message_start", "message": self._message(turn)}, *self._first_block(turn)]

    def reasoning(self, turn: Turn, index: int, text: str) -> list[JsonObject]:
        """A thinking_delta."""
        return [_delta(0, {"type": "thinking_delta", "thinking": text})]

    def reasoning_end(self, turn: Turn) -> list[JsonObject]:
        """signature_delta (not for redacted thinking), the block's stop, the text block."""
        reasoning = turn.plan.reasoning
        chunks = []
        if reasoning is not None and reasoning.signature is not None:
            chunks.append(_delta(0, {"type": "signature_delta", "signature": reasoning.signature}))
        return [*chunks, _stop(0), *self._text_start(turn)]

    def delta(self, turn: Turn, index: int, text: str) -> list[JsonObject]:
        """content_block_delta with a text_delta."""
        return [_delta(block_indexes(turn)[0], {"type": "text_delta", "text": text})]

    def tool_start(self, turn: Turn) -> list[JsonObject]:
        """A tool_use block with an empty input."""
        assert turn.plan.tool is not None
        block: JsonObject = {"type": "tool_use", "id": _tool_id(turn), "name": turn.plan.tool.name}
        block["input"] = {}
        return [_start(block_indexes(turn)[1], block)]

    def tool_delta(self, turn: Turn, piece: str) -> list[JsonObject]:
        """input_json_delta with a piece of partial JSON."""
        return [_delta(block_indexes(turn)[1], {"type": "input_json_delta", "partial_json": piece})]

    def tool_end(self, turn: Turn) -> list[JsonObject]:
        """The tool block's stop."""
        return [_stop(block_indexes(turn)[1])]

    def closing(self, turn: Turn) -> list[JsonObject]:
        """content_block_stop, message_delta (stop reason, output tokens), message_stop."""
        plan = turn.plan
        chunks = [] if plan.tool or not has_text_block(turn) else [_stop(block_indexes(turn)[0])]
        stop = {"stop_reason": plan.stop_reason, "stop_sequence": plan.stop_sequence}
        return [
            *chunks,
            {
                "type": "message_delta",
                "delta": stop,
                "usage": {"output_tokens": plan.output_tokens},
            },
            {"type": "message_stop"},
        ]

    def complete(self, turn: Turn) -> JsonObject:
        """A Messages API response."""
        plan = turn.plan
        content: list[JsonObject] = []
        if plan.reasoning is not None and plan.reasoning.redacted is not None:
            data = base64.b64encode(plan.reasoning.redacted).decode("ascii")
            content.append({"type": "redacted_thinking", "data": data})
        elif plan.reasoning is not None:
            thinking = {"type": "thinking", "thinking": plan.reasoning.text}
            content.append({**thinking, "signature": plan.reasoning.signature or ""})
        if has_text_block(turn):
            content.append({"type": "text", "text": plan.text})
        if plan.tool is not None:
            use = {"type": "tool_use", "id": _tool_id(turn), "name": plan.tool.name}
            content.append({**use, "input": json.loads(plan.tool.input_json)})
        return {
            **self._message(turn),
            "content": content,
            "stop_reason": plan.stop_reason,
            "stop_sequence": plan.stop_sequence,
            "usage": _usage(turn, plan.output_tokens),
        }
