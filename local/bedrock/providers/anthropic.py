"""Anthropic Claude on Bedrock: the Messages API and the legacy text completion API."""

from __future__ import annotations

import re

from local.bedrock.converse import messages_prompt
from local.bedrock.formats import JsonObject
from local.bedrock.jsonbody import JsonMap, array, field, invalid, obj, opt_int, strings, text
from local.bedrock.model import Prompt, StopReason, Turn
from local.bedrock.providers.base import Template, generation_id

# Messages chunks are Anthropic's SSE events without the SSE framing; message_stop carries the
# invocation metrics. Sources: protocols.md 5.4 (langchain-aws llms/bedrock.py) and captured
# Bedrock streams in public tests, e.g. `{"type": "message_stop",
# "amazon-bedrock-invocationMetrics": {...}}`.
# https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages.html


def _content_text(content: object, where: str) -> str:
    if isinstance(content, str):
        return content
    parts = [obj(block, where) for block in array(content, where)]
    texts = [part.get("text") for part in parts if part.get("type") == "text"]
    return "".join(item for item in texts if isinstance(item, str))


def _model_name(model_id: str) -> str:
    # "us.anthropic.claude-3-5-haiku-20241022-v1:0" -> "claude-3-5-haiku-20241022"
    name = model_id.partition("anthropic.")[2] or model_id
    return re.sub(r"-v\d+(:\d+)?$", "", name)


class AnthropicMessages:
    """`anthropic_version` + `messages` bodies."""

    name = "anthropic-messages"

    def parse(self, body: JsonMap) -> Prompt:
        """Messages with string or block content, `system`, `max_tokens`, `stop_sequences`."""
        pairs = []
        for i, raw in enumerate(array(field(body, "messages"), "messages")):
            message = obj(raw, f"messages[{i}]")
            role = text(message.get("role"), f"messages[{i}].role")
            if role not in {"user", "assistant"}:
                raise invalid(f"messages.{i}.role: Input should be 'user' or 'assistant'")
            pairs.append((role, _content_text(message.get("content"), f"messages[{i}].content")))
        system = body.get("system")
        return messages_prompt(
            pairs,
            context=[_content_text(system, "system")] if system else [],
            max_tokens=opt_int(body.get("max_tokens"), "max_tokens"),
            stop_sequences=strings(body.get("stop_sequences"), "stop_sequences"),
        )

    def opening(self, turn: Turn) -> list[JsonObject]:
        """message_start (usage as a placeholder, like the service) and content_block_start."""
        message: JsonObject = {
            "id": "msg_bdrk_" + generation_id(turn).replace("-", "")[:24],
            "type": "message",
            "role": "assistant",
            "model": _model_name(turn.model_id),
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": turn.plan.input_tokens, "output_tokens": 1},
        }
        block = {"type": "text", "text": ""}
        return [
            {"type": "message_start", "message": message},
            {"type": "content_block_start", "index": 0, "content_block": block},
        ]

    def delta(self, turn: Turn, index: int, text: str) -> list[JsonObject]:
        """content_block_delta with a text_delta."""
        return [
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": text},
            }
        ]

    def closing(self, turn: Turn) -> list[JsonObject]:
        """content_block_stop, message_delta (stop reason, output tokens), message_stop."""
        plan = turn.plan
        stop = {"stop_reason": plan.stop_reason, "stop_sequence": plan.stop_sequence}
        return [
            {"type": "content_block_stop", "index": 0},
            {
                "type": "message_delta",
                "delta": stop,
                "usage": {"output_tokens": plan.output_tokens},
            },
            {"type": "message_stop"},
        ]

    def complete(self, turn: Turn) -> JsonObject:
        """A Messages API response."""
        start = self.opening(turn)[0]["message"]
        assert isinstance(start, dict)
        plan = turn.plan
        return {
            **start,
            "content": [{"type": "text", "text": plan.text}],
            "stop_reason": plan.stop_reason,
            "stop_sequence": plan.stop_sequence,
            "usage": {"input_tokens": plan.input_tokens, "output_tokens": plan.output_tokens},
        }


# Legacy prompts read "\n\nHuman: <text>\n\nAssistant: <prefill>". Chunks, as captured in the
# README of an AWS serverless WebSocket + Bedrock sample: {"type":"completion","completion":" Here",
# "stop_reason":null,"stop":null} ... {"type":"completion","completion":"",
# "stop_reason":"stop_sequence","stop":"\n\nHuman:"}.
# https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-text-completion.html
_LEGACY = Template(
    open="Human:", close="Assistant:", user_lead=" ", user_tail="\n\n", answer_lead=" "
)
_HUMAN_TURN = "\n\nHuman:"
# The legacy API ends a natural turn by reporting the "\n\nHuman:" stop sequence.
_LEGACY_STOP: dict[StopReason, str] = {
    "end_turn": "stop_sequence",
    "stop_sequence": "stop_sequence",
    "max_tokens": "max_tokens",
}


class AnthropicText:
    """`prompt` + `max_tokens_to_sample` bodies (the legacy text completion API)."""

    name = "anthropic-text"

    def parse(self, body: JsonMap) -> Prompt:
        """The text between the last Human: and Assistant:, and any prefill after it."""
        prompt = text(body.get("prompt"), "prompt")
        user, prefix = _LEGACY.read(prompt)
        return Prompt(
            user_text=user,
            prefix=prefix,
            context=(prompt[: max(0, prompt.rfind("Human:"))],),
            max_tokens=opt_int(body.get("max_tokens_to_sample"), "max_tokens_to_sample"),
            stop_sequences=strings(body.get("stop_sequences"), "stop_sequences"),
        )

    def opening(self, turn: Turn) -> list[JsonObject]:
        """Nothing before the first completion chunk."""
        return []

    def delta(self, turn: Turn, index: int, text: str) -> list[JsonObject]:
        """A completion chunk."""
        return [{"type": "completion", "completion": text, "stop_reason": None, "stop": None}]

    def _stop(self, turn: Turn) -> JsonObject:
        plan = turn.plan
        stop = plan.stop_sequence or (_HUMAN_TURN if plan.stop_reason == "end_turn" else None)
        return {"stop_reason": _LEGACY_STOP[plan.stop_reason], "stop": stop}

    def closing(self, turn: Turn) -> list[JsonObject]:
        """An empty completion with the stop reason."""
        return [{"type": "completion", "completion": "", **self._stop(turn)}]

    def complete(self, turn: Turn) -> JsonObject:
        """A text completion response."""
        return {"type": "completion", "completion": turn.plan.text, **self._stop(turn)}
