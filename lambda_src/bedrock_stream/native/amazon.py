"""Amazon models: Titan Text chunks and Nova's native (Converse-shaped) chunks."""

from __future__ import annotations

from typing import Any

from bedrock_stream.converse import ConverseMapper
from bedrock_stream.events import Delta, Terminal
from bedrock_stream.native.base import NativeParser, text_delta


class TitanParser(NativeParser):
    """Titan Text: `outputText` pieces; a non-null `completionReason` ends the answer."""

    provider = "titan"

    def on_chunk(self, obj: dict[str, Any]) -> list[Delta]:
        self.end.usage_from(obj.get("inputTextTokenCount"), obj.get("totalOutputTextTokenCount"))
        if obj.get("completionReason"):
            self.end.stop_reason = str(obj["completionReason"])
        return text_delta(obj.get("outputText"))


class NovaParser(NativeParser):
    """Nova: each chunk is one ConverseStream-shaped event, so the Converse mapper reads it."""

    provider = "nova"

    def __init__(self) -> None:
        super().__init__()
        self._converse = ConverseMapper("Bedrock stream ended without the nova messageStop")

    def on_chunk(self, obj: dict[str, Any]) -> list[Delta]:
        out = self._converse.feed(obj)
        self._converse.invocation_metrics(obj)
        return out

    def finish(self) -> Terminal:
        return self._converse.finish()
