"""Anthropic on Bedrock: Messages API events and legacy text completions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bedrock_stream.events import Delta
from bedrock_stream.native.base import NativeParser, text_delta


class AnthropicParser(NativeParser):
    """Messages events (`type` field, SSE without framing) or legacy `completion` chunks."""

    provider = "anthropic"

    def __init__(self) -> None:
        super().__init__()
        self._by_type: dict[str, Callable[[dict[str, Any]], list[Delta]]] = {
            "message_start": self._message_start,
            "content_block_delta": self._block_delta,
            "message_delta": self._message_delta,
            "message_stop": self._message_stop,
        }
        self._stop_reason: str | None = None

    def on_chunk(self, obj: dict[str, Any]) -> list[Delta]:
        if "completion" in obj:
            return self._legacy(obj)
        handler = self._by_type.get(str(obj.get("type")))
        return handler(obj) if handler else []

    def _legacy(self, obj: dict[str, Any]) -> list[Delta]:
        # Text completions: the chunk with a stop_reason is the last one.
        if obj.get("stop_reason"):
            self.end.stop_reason = str(obj["stop_reason"])
        return text_delta(obj.get("completion"))

    def _message_start(self, obj: dict[str, Any]) -> list[Delta]:
        usage = (obj.get("message") or {}).get("usage") or {}
        self.end.usage_from(usage.get("input_tokens"), None)
        return []

    def _block_delta(self, obj: dict[str, Any]) -> list[Delta]:
        delta = obj.get("delta") or {}
        # Only text_delta is answer text; thinking, signature and tool input are not.
        return text_delta(delta.get("text")) if delta.get("type") == "text_delta" else []

    def _message_delta(self, obj: dict[str, Any]) -> list[Delta]:
        self._stop_reason = (obj.get("delta") or {}).get("stop_reason") or self._stop_reason
        self.end.usage_from(None, (obj.get("usage") or {}).get("output_tokens"))
        return []

    def _message_stop(self, obj: dict[str, Any]) -> list[Delta]:
        self.end.stop_reason = self._stop_reason or "end_turn"
        return []
