"""Mistral on Bedrock: `[INST]` text completion ({"outputs": [...]}) and chat ({"choices"})."""

from __future__ import annotations

from local.bedrock.formats import JsonObject
from local.bedrock.jsonbody import JsonMap, opt_int, strings, text
from local.bedrock.model import Prompt, StopReason, Turn
from local.bedrock.providers.ai21 import ChatCompletions
from local.bedrock.providers.base import Template
from local.bedrock.providers.meta import read_templated

# Chunks: {"outputs": [{"text", "stop_reason": null | "stop" | "length"}]}. Sources:
# docs/PROTOCOLS.md 5.4 (langchain-aws reads outputs[0].text and stops on stop_reason "stop"), the
# AWS example python/example_code/bedrock-runtime/models/mistral_ai/ (aws-doc-sdk-examples).
# https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-mistral-text-completion.html
_REASON: dict[StopReason, str] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
}
# The answer follows `[/INST]` after one space, as in Llama 2 (its prefill starts after it).
_TEMPLATES = (
    Template(open="[INST]", close="[/INST]", user_lead=" ", user_tail=" ", answer_lead=" "),
)


class MistralText:
    """`prompt` + `max_tokens` + `stop` bodies (Mistral 7B, Mixtral, Mistral Large 2402)."""

    name = "mistral-text"

    def parse(self, body: JsonMap) -> Prompt:
        """User text from the last [INST] ... [/INST]; text after it is a prefill."""
        prompt = text(body.get("prompt"), "prompt")
        user, prefix = read_templated(prompt, _TEMPLATES)
        return Prompt(
            user_text=user,
            prefix=prefix,
            context=(prompt[: max(0, prompt.rfind(user))],),
            max_tokens=opt_int(body.get("max_tokens"), "max_tokens"),
            stop_sequences=strings(body.get("stop"), "stop"),
        )

    def opening(self, turn: Turn) -> list[JsonObject]:
        """Nothing before the first output."""
        return []

    def delta(self, turn: Turn, index: int, text: str) -> list[JsonObject]:
        """One output chunk."""
        return [{"outputs": [{"text": text, "stop_reason": None}]}]

    def closing(self, turn: Turn) -> list[JsonObject]:
        """An empty output with the stop reason."""
        return [{"outputs": [{"text": "", "stop_reason": _REASON[turn.plan.stop_reason]}]}]

    def complete(self, turn: Turn) -> JsonObject:
        """{"outputs": [{"text", "stop_reason"}]}."""
        plan = turn.plan
        return {"outputs": [{"text": plan.text, "stop_reason": _REASON[plan.stop_reason]}]}


# Chat-style bodies (Mistral Large 2407 and later) stream {"choices": [{"index": 0, "message":
# {"role": "assistant", "content"}, "stop_reason": null | "stop" | "length"}]}: `message`, not
# `delta`, and `stop_reason`, not `finish_reason`. Source: a captured chunk quoted in lobe-chat's
# Bedrock Mistral stream parser, citing
# https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-mistral-chat-completion.html


class MistralChat(ChatCompletions):
    """`messages` + `max_tokens` bodies, Mistral's own chat chunks."""

    def __init__(self) -> None:
        super().__init__("mistral-chat")

    @staticmethod
    def _choice(text: str, reason: str | None) -> JsonObject:
        message = {"role": "assistant", "content": text}
        return {"choices": [{"index": 0, "message": message, "stop_reason": reason}]}

    def opening(self, turn: Turn) -> list[JsonObject]:
        """Nothing before the first content chunk."""
        return []

    def delta(self, turn: Turn, index: int, text: str) -> list[JsonObject]:
        """One content chunk."""
        return [self._choice(text, None)]

    def closing(self, turn: Turn) -> list[JsonObject]:
        """An empty message with the stop reason."""
        return [self._choice("", _REASON[turn.plan.stop_reason])]

    def complete(self, turn: Turn) -> JsonObject:
        """The chat response."""
        return self._choice(turn.plan.text, _REASON[turn.plan.stop_reason])
