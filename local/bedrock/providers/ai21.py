"""AI21 Jamba on Bedrock: OpenAI-like chat completion chunks."""

from __future__ import annotations

from local.bedrock.converse import messages_prompt
from local.bedrock.formats import JsonObject
from local.bedrock.jsonbody import JsonMap, array, field, invalid, obj, opt_int, strings, text
from local.bedrock.model import Prompt, StopReason, Turn
from local.bedrock.providers.base import generation_id

# Chunks: {"id", "choices": [{"index": 0, "delta": {"role": "assistant"} | {"content"},
# "finish_reason": null}], "usage": null}; the last model chunk has finish_reason and usage
# {prompt_tokens, completion_tokens, total_tokens}; Bedrock then sends the invocation metrics
# as a chunk of their own. Sources: AI21's "Jamba API response" reference (streamed results);
# AI21Labs/ai21-python ai21/clients/bedrock/_stream_decoder.py, which merges that separate
# Bedrock metering chunk into the last model chunk and looks for the compact
# `"finish_reason":null`. https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-jamba.html
_REASON: dict[StopReason, str] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
}


class ChatCompletions:
    """`messages` (string content, system role) + `max_tokens` + `stop` bodies."""

    def __init__(self, name: str) -> None:
        self.name = name

    def parse(self, body: JsonMap) -> Prompt:
        """System messages are context; the rest is the conversation."""
        pairs, system = [], []
        for i, raw in enumerate(array(field(body, "messages"), "messages")):
            message = obj(raw, f"messages[{i}]")
            role = text(message.get("role"), f"messages[{i}].role")
            content = text(message.get("content"), f"messages[{i}].content")
            if role == "system":
                system.append(content)
            elif role in {"user", "assistant"}:
                pairs.append((role, content))
            else:
                raise invalid(f"messages[{i}].role must be system, user or assistant.")
        return messages_prompt(
            pairs,
            context=system,
            max_tokens=opt_int(body.get("max_tokens"), "max_tokens"),
            stop_sequences=strings(body.get("stop"), "stop"),
        )

    def _chunk(
        self, turn: Turn, delta: JsonObject, reason: str | None, usage: object
    ) -> JsonObject:
        choice = {"index": 0, "delta": delta, "finish_reason": reason}
        return {"id": "chatcmpl-" + generation_id(turn), "choices": [choice], "usage": usage}

    def _usage(self, turn: Turn) -> JsonObject:
        plan = turn.plan
        total = plan.input_tokens + plan.output_tokens
        return {
            "prompt_tokens": plan.input_tokens,
            "completion_tokens": plan.output_tokens,
            "total_tokens": total,
        }

    def opening(self, turn: Turn) -> list[JsonObject]:
        """The role chunk."""
        return [self._chunk(turn, {"role": "assistant"}, None, None)]

    def delta(self, turn: Turn, index: int, text: str) -> list[JsonObject]:
        """A content chunk."""
        return [self._chunk(turn, {"content": text}, None, None)]

    def closing(self, turn: Turn) -> list[JsonObject]:
        """The finishing chunk with usage, then the chunk that will carry Bedrock's metrics."""
        return [self._chunk(turn, {}, _REASON[turn.plan.stop_reason], self._usage(turn)), {}]

    def complete(self, turn: Turn) -> JsonObject:
        """A chat completion."""
        message = {"role": "assistant", "content": turn.plan.text}
        choice = {"index": 0, "message": message, "finish_reason": _REASON[turn.plan.stop_reason]}
        return {
            "id": "chatcmpl-" + generation_id(turn),
            "choices": [choice],
            "usage": self._usage(turn),
        }
