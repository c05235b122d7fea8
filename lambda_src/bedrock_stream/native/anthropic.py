"""Anthropic on Bedrock: Messages API events and legacy text completions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bedrock_stream.adapter import ToolCalls
from bedrock_stream.events import Output, Reasoning, ReasoningKind, Terminal
from bedrock_stream.native.base import NativeParser, text_delta

# A content block's start or delta, mapped by its type: (block index, the block) -> outputs.
BlockHandler = Callable[[Any, dict[str, Any]], list[Output]]


class AnthropicParser(NativeParser):
    """Messages events (`type` field, SSE without framing) or legacy `completion` chunks.

    Text, thinking (`thinking_delta`, `signature_delta`, `redacted_thinking` blocks) and
    tool-use blocks (`input_json_delta` pieces, one call at `content_block_stop`).
    https://docs.anthropic.com/en/docs/build-with-claude/streaming
    https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages.html
    """

    provider = "anthropic"

    def __init__(self) -> None:
        super().__init__()
        self._by_type: dict[str, Callable[[dict[str, Any]], list[Output]]] = {
            "message_start": self._message_start,
            "content_block_start": self._block_start,
            "content_block_delta": self._block_delta,
            "content_block_stop": self._block_stop,
            "message_delta": self._message_delta,
            "message_stop": self._message_stop,
        }
        # content_block_delta.delta.type -> its mapping (index, delta) -> outputs.
        self._deltas: dict[str, BlockHandler] = {
            "text_delta": lambda _i, d: text_delta(d.get("text")),
            "thinking_delta": lambda _i, d: _reasoning("text", d.get("thinking")),
            "signature_delta": lambda _i, d: _reasoning("signature", d.get("signature")),
            "input_json_delta": self._tool_input,
        }
        # content_block_start.content_block.type -> its mapping (index, block) -> outputs.
        self._starts: dict[str, BlockHandler] = {
            "text": lambda _i, b: text_delta(b.get("text")),
            "thinking": lambda _i, b: _reasoning("text", b.get("thinking")),
            "redacted_thinking": lambda _i, b: _reasoning("redacted", b.get("data")),
            "tool_use": self._tool_start,
        }
        self._tools = ToolCalls()
        self._stop_reason: str | None = None

    def on_chunk(self, obj: dict[str, Any]) -> list[Output]:
        if "completion" in obj:
            return self._legacy(obj)
        handler = self._by_type.get(str(obj.get("type")))
        return handler(obj) if handler else []

    def finish(self) -> Terminal:
        return self.end.finish(open_tool_call=self._tools.pending)

    def _legacy(self, obj: dict[str, Any]) -> list[Output]:
        # Text completions: the chunk with a stop_reason is the last one.
        if obj.get("stop_reason"):
            self.end.stop_reason = str(obj["stop_reason"])
        return text_delta(obj.get("completion"))

    def _message_start(self, obj: dict[str, Any]) -> list[Output]:
        usage = (obj.get("message") or {}).get("usage") or {}
        self._usage(usage, output=False)
        return []

    def _block_start(self, obj: dict[str, Any]) -> list[Output]:
        return _dispatch(obj, "content_block", self._starts)

    def _block_delta(self, obj: dict[str, Any]) -> list[Output]:
        return _dispatch(obj, "delta", self._deltas)

    def _tool_start(self, index: Any, block: dict[str, Any]) -> list[Output]:
        self._tools.start(index, block.get("id"), block.get("name"))
        return []

    def _tool_input(self, index: Any, delta: dict[str, Any]) -> list[Output]:
        self._tools.add(index, delta.get("partial_json"))
        return []

    def _block_stop(self, obj: dict[str, Any]) -> list[Output]:
        return list(self._tools.stop(obj.get("index")))

    def _message_delta(self, obj: dict[str, Any]) -> list[Output]:
        self._stop_reason = (obj.get("delta") or {}).get("stop_reason") or self._stop_reason
        self._usage(obj.get("usage") or {}, output=True)
        return []

    def _message_stop(self, obj: dict[str, Any]) -> list[Output]:
        self.end.stop_reason = self._stop_reason or "end_turn"
        return []

    def _usage(self, usage: Any, *, output: bool) -> None:
        # message_start has the input and cache counts (cache_read_input_tokens,
        # cache_creation_input_tokens) and a placeholder output count; message_delta has the
        # output count, and may repeat input_tokens as 0 (recorded), so only that is read.
        # https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching
        if not isinstance(usage, dict):
            return
        if output:
            self.end.usage_from(None, usage.get("output_tokens"))
            return
        self.end.usage_from(
            usage.get("input_tokens"),
            None,
            usage.get("cache_read_input_tokens"),
            usage.get("cache_creation_input_tokens"),
        )


def _dispatch(obj: dict[str, Any], key: str, table: dict[str, BlockHandler]) -> list[Output]:
    """Map the object under ``key`` by its `type` through ``table`` (unknown types: nothing)."""
    part = obj.get(key)
    if not isinstance(part, dict):
        return []
    handler = table.get(str(part.get("type")))
    return handler(obj.get("index"), part) if handler else []


def _reasoning(kind: ReasoningKind, value: Any) -> list[Output]:
    return [Reasoning(kind, value)] if isinstance(value, str) and value else []
