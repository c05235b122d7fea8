"""Amazon models: Titan Text chunks and Nova's native (Converse-shaped) chunks."""

from __future__ import annotations

from typing import Any

from bedrock_stream.converse import ConverseMapper
from bedrock_stream.events import Output, Terminal
from bedrock_stream.native.base import NativeParser, text_delta


class TitanParser(NativeParser):
    """Titan Text: `outputText` pieces; a non-null `completionReason` ends the answer.

    Counts may come as floats (`"totalOutputTextTokenCount": 3.0` in a guardrail's answer);
    whole ones are taken as ints. A guardrail's answer has no completionReason at all: the
    base parser ends it on `amazon-bedrock-guardrailAction`.
    https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-text.html
    """

    provider = "titan"

    def on_chunk(self, obj: dict[str, Any]) -> list[Output]:
        self.end.usage_from(obj.get("inputTextTokenCount"), obj.get("totalOutputTextTokenCount"))
        if obj.get("completionReason"):
            self.end.stop_reason = str(obj["completionReason"])
        return text_delta(obj.get("outputText"))


class NovaParser(NativeParser):
    """Nova: each chunk is one ConverseStream-shaped event, so the Converse mapper reads it.

    Reasoning and tool calls therefore come out as they do through Converse.
    https://docs.aws.amazon.com/nova/latest/userguide/complete-request-schema.html
    """

    provider = "nova"

    def __init__(self) -> None:
        super().__init__()
        self._converse = ConverseMapper(end=self.end)

    def on_chunk(self, obj: dict[str, Any]) -> list[Output]:
        return self._converse.feed(obj)

    def finish(self) -> Terminal:
        return self._converse.finish()
