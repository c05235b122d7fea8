"""Anthropic Claude on Bedrock: the legacy text completion API."""

from __future__ import annotations

from local.bedrock.formats import JsonObject
from local.bedrock.jsonbody import JsonMap, opt_int, strings, text
from local.bedrock.model import Prompt, StopReason, Turn
from local.bedrock.providers.base import Template

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
