"""Cohere on Bedrock: Command (legacy generate) and Command R / R+ (chat)."""

from __future__ import annotations

from local.bedrock.formats import JsonObject
from local.bedrock.jsonbody import JsonMap, array, obj, opt_int, strings, text
from local.bedrock.model import Prompt, StopReason, Turn
from local.bedrock.providers.base import generation_id

# Cohere's finish reasons (COMPLETE, MAX_TOKENS, STOP_SEQUENCE, ...), as a public Rust client
# for Bedrock Command R maps them (CohereCommandRFinishReason).
_REASON: dict[StopReason, str] = {
    "end_turn": "COMPLETE",
    "stop_sequence": "COMPLETE",
    "max_tokens": "MAX_TOKENS",
}


def _reason(turn: Turn) -> str:
    return _REASON[turn.plan.stop_reason]


# Command (legacy generate) chunks, Cohere's own stream passed through by Bedrock:
# {"text", "is_finished": false} ... then {"is_finished": true, "finish_reason", "response":
# {"id", "generations": [{"id", "text", "finish_reason"}], "prompt"}}. Sources: a captured
# Cohere generate stream in mlflow's gateway notes; langchain-aws reads "text" and stops on
# is_finished (docs/PROTOCOLS.md §5.4). The InvokeModel body is
# {"generations": [...], "id", "prompt"}
# (aws-doc-sdk-examples cohere_command/command_invoke_model.py).
# https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-cohere-command.html


class CohereCommand:
    """`prompt` + `max_tokens` + `stop_sequences` bodies."""

    name = "cohere-command"

    def parse(self, body: JsonMap) -> Prompt:
        """The prompt is the user's turn."""
        return Prompt(
            user_text=text(body.get("prompt"), "prompt"),
            max_tokens=opt_int(body.get("max_tokens"), "max_tokens"),
            stop_sequences=strings(body.get("stop_sequences"), "stop_sequences"),
        )

    def opening(self, turn: Turn) -> list[JsonObject]:
        """Nothing before the first text chunk."""
        return []

    def delta(self, turn: Turn, index: int, text: str) -> list[JsonObject]:
        """A text chunk."""
        return [{"text": text, "is_finished": False}]

    def complete(self, turn: Turn) -> JsonObject:
        """The generate response."""
        generation = {
            "id": generation_id(turn, "g"),
            "text": turn.plan.text,
            "finish_reason": _reason(turn),
        }
        return {"generations": [generation], "id": generation_id(turn), "prompt": turn.user_text}

    def closing(self, turn: Turn) -> list[JsonObject]:
        """The finished chunk with the whole response."""
        return [
            {"is_finished": True, "finish_reason": _reason(turn), "response": self.complete(turn)}
        ]


# Command R chunks: {"is_finished": false, "event_type": "stream-start", "generation_id"},
# {"is_finished": false, "event_type": "text-generation", "text"} ..., then {"is_finished": true,
# "event_type": "stream-end", "response": {"response_id", "text", "generation_id",
# "chat_history", "finish_reason", "meta"}, "finish_reason"}. Sources: captured Cohere chat
# streams in public test fixtures (Vercel AI SDK's Cohere tests, a Go relay's Bedrock tests) and
# a public Rust Bedrock client's CohereStreamChunk; InvokeModel returns the `response` object
# (aws-doc-sdk-examples cohere_command/command_r_invoke_model.py reads ["text"]).
# https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-cohere-command-r-plus.html


class CommandR:
    """`message` + `chat_history` + `preamble` bodies."""

    name = "cohere-command-r"

    def parse(self, body: JsonMap) -> Prompt:
        """`message` is the user's turn; history and preamble are context."""
        history = [
            obj(item, "chat_history[]") for item in array(body.get("chat_history"), "chat_history")
        ]
        context = [text(item.get("message"), "chat_history[].message", "") for item in history]
        preamble = body.get("preamble")
        return Prompt(
            user_text=text(body.get("message"), "message"),
            context=(*context, text(preamble, "preamble")) if preamble else tuple(context),
            max_tokens=opt_int(body.get("max_tokens"), "max_tokens"),
            stop_sequences=strings(body.get("stop_sequences"), "stop_sequences"),
        )

    def opening(self, turn: Turn) -> list[JsonObject]:
        """stream-start."""
        return [
            {
                "is_finished": False,
                "event_type": "stream-start",
                "generation_id": generation_id(turn, "g"),
            }
        ]

    def delta(self, turn: Turn, index: int, text: str) -> list[JsonObject]:
        """text-generation."""
        return [{"is_finished": False, "event_type": "text-generation", "text": text}]

    def complete(self, turn: Turn) -> JsonObject:
        """The chat response."""
        plan = turn.plan
        return {
            "response_id": generation_id(turn),
            "text": plan.text,
            "generation_id": generation_id(turn, "g"),
            "chat_history": [{"role": "CHATBOT", "message": plan.text}],
            "finish_reason": _reason(turn),
            "meta": {
                "api_version": {"version": "1"},
                "billed_units": {
                    "input_tokens": plan.input_tokens,
                    "output_tokens": plan.output_tokens,
                },
            },
        }

    def closing(self, turn: Turn) -> list[JsonObject]:
        """stream-end with the whole response."""
        return [
            {
                "is_finished": True,
                "event_type": "stream-end",
                "response": self.complete(turn),
                "finish_reason": _reason(turn),
            }
        ]
