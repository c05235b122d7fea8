"""The assistant's side of one turn, from stream events: text, reasoning blocks, tool calls.

Pure. `reasoning` events (docs/API.md §12.2) come as text pieces closed by a signature, or as
redacted pieces (each the base64 of its own bytes); a block is kept for the conversation only
when it can be handed back as models require: text with its signature, or redacted bytes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cli.content import Message, ReasoningBlock, assistant_message


@dataclass
class _Block:
    """The reasoning block being received."""

    text: str = ""
    signature: str = ""
    redacted: bytearray = field(default_factory=bytearray)
    broken: bool = False  # a redacted piece that was not base64

    def block(self) -> ReasoningBlock | None:
        if self.redacted and not self.broken:
            return {"type": "reasoning", "redacted": base64.b64encode(self.redacted).decode()}
        if self.signature and not self.redacted:
            return {"type": "reasoning", "text": self.text, "signature": self.signature}
        return None


@dataclass(frozen=True)
class ToolCall:
    """A complete tool call the model asked for."""

    id: str
    name: str
    input: Mapping[str, Any] = field(hash=False)


class Answer:
    """Everything one answer holds so far, across resumed attempts."""

    def __init__(self) -> None:
        self.text = ""
        self.reasoning: list[ReasoningBlock] = []
        self.unsigned = 0  # reasoning blocks without signature: shown, not handed back
        self.tool_calls: list[ToolCall] = []
        self._open: _Block | None = None

    def add_text(self, text: str) -> None:
        """The next piece of the answer's text."""
        self._close()
        self.text += text

    def add_reasoning(self, data: Mapping[str, Any]) -> None:
        """One `reasoning` event: {"text"}, {"signature"} or {"redacted"}."""
        block = self._open or _Block()
        if isinstance(data.get("text"), str):
            if block.signature or block.redacted:  # a signed block is complete: a new one
                self._close()
                block = _Block()
            block.text += data["text"]
        elif isinstance(data.get("signature"), str):
            if block.redacted:
                self._close()
                block = _Block()
            block.signature += data["signature"]
        elif isinstance(data.get("redacted"), str):
            if block.text or block.signature:
                self._close()
                block = _Block()
            try:
                block.redacted += base64.b64decode(data["redacted"], validate=True)
            except (binascii.Error, ValueError):
                block.broken = True
        self._open = block

    def add_tool_call(self, data: Mapping[str, Any]) -> ToolCall:
        """One `tool_use` event."""
        self._close()
        raw = data.get("input")
        call = ToolCall(
            str(data.get("id", "")), str(data.get("name", "")), raw if isinstance(raw, dict) else {}
        )
        self.tool_calls.append(call)
        return call

    def finish(self) -> None:
        """The stream ended: close the reasoning block still open."""
        self._close()

    def message(self) -> Message | None:
        """The assistant turn to keep in a conversation; None when there is no text."""
        self.finish()
        if not self.text:
            return None
        return assistant_message(self.text, self.reasoning)

    def _close(self) -> None:
        if self._open is None:
            return
        block = self._open.block()
        if block is not None:
            self.reasoning.append(block)
        elif self._open.text:
            self.unsigned += 1
        self._open = None
