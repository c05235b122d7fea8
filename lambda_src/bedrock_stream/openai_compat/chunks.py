"""The streamed answer: events as `data: {chat.completion.chunk}` lines, then `data: [DONE]`.

docs/API.md §6, §12.4. Text goes in `delta.content`, reasoning in `delta.reasoning_content`
and complete reasoning blocks in `delta.thinking_blocks` (thinking.py). A tool call arrives
whole (the adapter assembles it); it is cut up again as OpenAI streams calls: a first chunk
with the call's `index`, `id`, `type` and `function.name` and empty `arguments`, then chunks
that add pieces of `function.arguments`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final

from bedrock_stream.encoders import SurrogateCarry
from bedrock_stream.errors import from_stream_code
from bedrock_stream.events import Delta, Done, Error, Event, Reasoning, Start, ToolUse
from bedrock_stream.openai_compat.thinking import ThinkingBlocks
from bedrock_stream.openai_compat.wire import (
    argument_pieces,
    arguments,
    data,
    finish_reason,
    openai_error,
    usage,
)


class ChunkEncoder:
    """Events as chat.completion.chunk records; one instance per response."""

    content_type = "text/event-stream; charset=utf-8"
    keepalive: bytes | None = b": keepalive\n\n"

    def __init__(
        self, request_id: str, model: str, include_usage: bool, created: int | None = None
    ) -> None:
        self._id = f"chatcmpl-{request_id}"
        self._model = model
        self._created = int(time.time()) if created is None else created
        self._usage = include_usage
        self._text = SurrogateCarry()
        self._reasoning = SurrogateCarry()
        self._thinking = ThinkingBlocks()
        self._blocks = 0  # thinking blocks sent: each carries its index, as list entries must
        self._calls = 0

    def encode(self, event: Event) -> bytes:
        """The bytes for one event (b"" when it sends nothing yet)."""
        before = b"" if isinstance(event, Reasoning) else self._blocks_done(self._thinking.close())
        return before + _ENCODE[type(event)](self, event)

    def _record(self, choices: list[dict[str, Any]], **extra: object) -> bytes:
        chunk: dict[str, Any] = {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": self._model,
            "choices": choices,
        }
        if self._usage:
            chunk["usage"] = None  # as OpenAI: every chunk but the last has a null usage
        chunk.update(extra)
        return data(chunk)

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        return self._record([{"index": 0, "delta": delta, "finish_reason": finish}])

    def _blocks_done(self, blocks: list[dict[str, Any]]) -> bytes:
        out = b""
        for block in blocks:
            out += self._chunk({"thinking_blocks": [{"index": self._blocks, **block}]})
            self._blocks += 1
        return out

    def _start(self, event: Start) -> bytes:
        return self._chunk({"role": "assistant", "content": ""})

    def _delta(self, event: Delta) -> bytes:
        text = self._text.text(event.text)
        return self._chunk({"content": text}) if text else b""

    def _reason(self, event: Reasoning) -> bytes:
        out = b""
        text = (
            self._reasoning.text(event.value) if event.kind == "text" else self._reasoning.flush()
        )
        if text:
            out += self._chunk({"reasoning_content": text})
        return out + self._blocks_done(self._thinking.add(event))

    def _tool_use(self, event: ToolUse) -> bytes:
        index, self._calls = self._calls, self._calls + 1
        function = {"name": event.name, "arguments": ""}
        out = self._chunk(
            {
                "tool_calls": [
                    {"index": index, "id": event.id, "type": "function", "function": function}
                ]
            }
        )
        for piece in argument_pieces(arguments(event.input)):
            out += self._chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        return out

    def _tails(self) -> bytes:
        out = b""
        for name, carry in (("reasoning_content", self._reasoning), ("content", self._text)):
            tail = carry.flush()
            if tail:
                out += self._chunk({name: tail})
        return out

    def _done(self, event: Done) -> bytes:
        out = self._tails() + self._chunk({}, finish_reason(event.stop_reason))
        if self._usage:
            out += self._record([], usage=usage(event.usage))
        return out + b"data: [DONE]\n\n"

    def _error(self, event: Error) -> bytes:
        # No [DONE] after an error: the client's stream ends with the error (docs/API.md §6).
        return self._tails() + data(openai_error(from_stream_code(event.code, event.message)))


# Event type -> how it is encoded.
_ENCODE: Final[dict[type, Callable[[ChunkEncoder, Any], bytes]]] = {
    Start: ChunkEncoder._start,
    Delta: ChunkEncoder._delta,
    Reasoning: ChunkEncoder._reason,
    ToolUse: ChunkEncoder._tool_use,
    Done: ChunkEncoder._done,
    Error: ChunkEncoder._error,
}
