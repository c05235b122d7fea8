"""Amazon's own models on Bedrock: Titan Text and Nova."""

from __future__ import annotations

from local.bedrock.converse import messages_prompt
from local.bedrock.formats import JsonObject
from local.bedrock.jsonbody import JsonMap, array, field, invalid, obj, opt_int, strings, text
from local.bedrock.model import Prompt, StopReason, Turn

# Titan Text chunks: {"outputText", "index", "totalOutputTextTokenCount", "completionReason",
# "inputTextTokenCount"}; the final one has completionReason FINISH / LENGTH / STOP_CRITERIA_MET and
# the counts. Sources: docs/PROTOCOLS.md §5.4, the Titan Text parameters page
# (completionReason values),
# a captured chunk in langchain's Bedrock callback docs ({"outputText", "index": 0,
# "totalOutputTextTokenCount": 21, "completionReason": "FINISH", "inputTextTokenCount": 3,
# "amazon-bedrock-invocationMetrics": {...}}).
# https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-text.html
_TITAN_REASON: dict[StopReason, str] = {
    "end_turn": "FINISH",
    "max_tokens": "LENGTH",
    "stop_sequence": "STOP_CRITERIA_MET",
}


class Titan:
    """`inputText` + `textGenerationConfig` bodies."""

    name = "amazon-titan-text"

    def parse(self, body: JsonMap) -> Prompt:
        """The whole inputText is the user's turn."""
        config = obj(body.get("textGenerationConfig"), "textGenerationConfig")
        return Prompt(
            user_text=text(body.get("inputText"), "inputText"),
            max_tokens=opt_int(config.get("maxTokenCount"), "textGenerationConfig.maxTokenCount"),
            stop_sequences=strings(
                config.get("stopSequences"), "textGenerationConfig.stopSequences"
            ),
        )

    def opening(self, turn: Turn) -> list[JsonObject]:
        """Nothing before the first text chunk."""
        return []

    def delta(self, turn: Turn, index: int, text: str) -> list[JsonObject]:
        """A text chunk; the input count rides on the first one."""
        first = turn.plan.input_tokens if index == 0 else None
        return [
            {
                "outputText": text,
                "index": 0,
                "totalOutputTextTokenCount": None,
                "completionReason": None,
                "inputTextTokenCount": first,
            }
        ]

    def closing(self, turn: Turn) -> list[JsonObject]:
        """An empty chunk with the completion reason and the output count."""
        plan = turn.plan
        return [
            {
                "outputText": "",
                "index": 0,
                "totalOutputTextTokenCount": plan.output_tokens,
                "completionReason": _TITAN_REASON[plan.stop_reason],
                "inputTextTokenCount": plan.input_tokens,
            }
        ]

    def complete(self, turn: Turn) -> JsonObject:
        """{"inputTextTokenCount", "results": [{"tokenCount", "outputText", ...}]}."""
        plan = turn.plan
        result = {
            "tokenCount": plan.output_tokens,
            "outputText": plan.text,
            "completionReason": _TITAN_REASON[plan.stop_reason],
        }
        return {"inputTextTokenCount": plan.input_tokens, "results": [result]}


# Nova's Invoke API mirrors Converse: each chunk is one Converse event keyed by its name, and the
# final `metadata` chunk gets the invocation metrics (usage without totalTokens on Invoke).
# Sources: Amazon Nova user guide, "Using the Invoke API" / "Streaming responses"
# (https://docs.aws.amazon.com/nova/latest/userguide/using-invoke-api.html); a live-captured
# terminal chunk quoted in a public Ballerina test: {"metadata": {"usage": {"inputTokens": 7,
# "outputTokens": 6}, "metrics": {}, "trace": {}}, "amazon-bedrock-invocationMetrics": {...}}.


def _nova_text(blocks: object, where: str) -> str:
    parts = [obj(block, where).get("text") for block in array(blocks, where)]
    return "".join(part for part in parts if isinstance(part, str))


class Nova:
    """`messages` (content blocks) + `system` + `inferenceConfig` bodies."""

    name = "amazon-nova"

    def parse(self, body: JsonMap) -> Prompt:
        """Converse-like messages; max tokens as `max_new_tokens` (or `maxTokens`)."""
        pairs = []
        for i, raw in enumerate(array(field(body, "messages"), "messages")):
            message = obj(raw, f"messages[{i}]")
            role = text(message.get("role"), f"messages[{i}].role")
            if role not in {"user", "assistant"}:
                raise invalid(f"messages[{i}].role must be user or assistant.")
            pairs.append((role, _nova_text(message.get("content"), f"messages[{i}].content")))
        system = _nova_text(body.get("system"), "system")
        config = obj(body.get("inferenceConfig"), "inferenceConfig")
        limit = config.get("max_new_tokens", config.get("maxTokens"))
        return messages_prompt(
            pairs,
            context=[system] if system else [],
            max_tokens=opt_int(limit, "inferenceConfig.max_new_tokens"),
            stop_sequences=strings(config.get("stopSequences"), "inferenceConfig.stopSequences"),
        )

    def opening(self, turn: Turn) -> list[JsonObject]:
        """messageStart."""
        return [{"messageStart": {"role": "assistant"}}]

    def delta(self, turn: Turn, index: int, text: str) -> list[JsonObject]:
        """contentBlockDelta."""
        return [{"contentBlockDelta": {"delta": {"text": text}, "contentBlockIndex": 0}}]

    def closing(self, turn: Turn) -> list[JsonObject]:
        """contentBlockStop, messageStop, metadata."""
        plan = turn.plan
        usage = {"inputTokens": plan.input_tokens, "outputTokens": plan.output_tokens}
        return [
            {"contentBlockStop": {"contentBlockIndex": 0}},
            {"messageStop": {"stopReason": plan.stop_reason}},
            {"metadata": {"usage": usage, "metrics": {}, "trace": {}}},
        ]

    def complete(self, turn: Turn) -> JsonObject:
        """The Converse-shaped Invoke response."""
        plan = turn.plan
        return {
            "output": {"message": {"content": [{"text": plan.text}], "role": "assistant"}},
            "stopReason": plan.stop_reason,
            "usage": {
                "inputTokens": plan.input_tokens,
                "outputTokens": plan.output_tokens,
                "totalTokens": plan.input_tokens + plan.output_tokens,
            },
        }
