"""The answer that is not streamed: events collected into one `chat.completion` (docs/API.md §6).

`choices[0].message` holds the text in `content` (null when the answer is only tool calls, as
OpenAI sends it), `tool_calls` with `arguments` as a string of JSON, and the reasoning as
`reasoning_content` and `thinking_blocks` (thinking.py). The official client hands this
message back as it got it, so a tool loop keeps Claude's signed reasoning without trying.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from bedrock_stream.encoders import SurrogateCarry
from bedrock_stream.events import Delta, Done, Error, Event, Reasoning, Start, ToolUse
from bedrock_stream.openai_compat.thinking import ThinkingBlocks
from bedrock_stream.openai_compat.wire import arguments, finish_reason, usage


class Collector:
    """Takes the events of one answer; `end` is its terminal event once it came."""

    def __init__(self) -> None:
        self._text = SurrogateCarry()
        self._reasoning = SurrogateCarry()
        self._thinking = ThinkingBlocks()
        self.parts: list[str] = []
        self.reasoning: list[str] = []
        self.blocks: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.end: Done | Error | None = None

    def collect(self, event: Event) -> bool:
        """emit() for run_call: nothing reaches the client until the end, so always False."""
        if not isinstance(event, Reasoning):
            self.blocks += self._thinking.close()
        _COLLECT[type(event)](self, event)
        return False

    def _start(self, event: Start) -> None:
        return None

    def _delta(self, event: Delta) -> None:
        self.parts.append(self._text.text(event.text))

    def _reason(self, event: Reasoning) -> None:
        if event.kind == "text":
            self.reasoning.append(self._reasoning.text(event.value))
        self.blocks += self._thinking.add(event)

    def _tool_use(self, event: ToolUse) -> None:
        function = {"name": event.name, "arguments": arguments(event.input)}
        self.calls.append({"id": event.id, "type": "function", "function": function})

    def _end(self, event: Done | Error) -> None:
        self.parts.append(self._text.flush())
        self.reasoning.append(self._reasoning.flush())
        self.end = event

    def message(self) -> dict[str, Any]:
        """choices[0].message."""
        text = "".join(self.parts)
        message: dict[str, Any] = {
            "role": "assistant",
            "content": None if not text and self.calls else text,
        }
        if self.calls:
            message["tool_calls"] = self.calls
        reasoning = "".join(self.reasoning)
        if reasoning:
            message["reasoning_content"] = reasoning
        if self.blocks:
            message["thinking_blocks"] = self.blocks
        return message


_COLLECT: Final[dict[type, Callable[[Collector, Any], None]]] = {
    Start: Collector._start,
    Delta: Collector._delta,
    Reasoning: Collector._reason,
    ToolUse: Collector._tool_use,
    Done: Collector._end,
    Error: Collector._end,
}


def completion(
    completion_id: str, model: str, created: int, message: dict[str, Any], end: Done
) -> dict[str, Any]:
    """The chat.completion object of an answer that ended normally."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {"index": 0, "message": message, "finish_reason": finish_reason(end.stop_reason)}
        ],
        "usage": usage(end.usage),
    }
