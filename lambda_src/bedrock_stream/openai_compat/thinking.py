"""Reasoning events as OpenAI-style `reasoning_content` and hand-back `thinking_blocks`.

OpenAI's chat API has no field for reasoning. Its text goes in `reasoning_content` (the name
DeepSeek's API and most OpenAI-compatible servers use), which clients show or ignore. Claude
signs its reasoning, or returns it redacted, and wants it back unchanged with the tool calls
of the same turn; for that the complete blocks go in `thinking_blocks`, shaped as LiteLLM
shapes Claude's (`{"type": "thinking", "thinking", "signature"}` and
`{"type": "redacted_thinking", "data"}`), which this surface also takes back on an assistant
message. Unknown fields do not trouble the official client: its models keep them as extras,
and it hands them back when given its own message object.
https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html
https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ReasoningContentBlock.html
"""

from __future__ import annotations

import base64
from typing import Any

from bedrock_stream.events import Reasoning


class ThinkingBlocks:
    """Collects reasoning events into complete blocks: signed text, or redacted bytes.

    A signature closes the text before it. A redacted block may arrive in several pieces
    (each the base64 of its own bytes, events.py): they are joined into one block, closed by
    the next event of any other kind. Reasoning that is never signed (DeepSeek R1, gpt-oss)
    makes no block: it is only `reasoning_content`.
    """

    def __init__(self) -> None:
        self._text: list[str] = []
        self._redacted: list[bytes] = []

    def add(self, event: Reasoning) -> list[dict[str, Any]]:
        """The blocks this event completes, in order."""
        done = self.close() if event.kind != "redacted" else []
        if event.kind == "text":
            self._text.append(event.value)
        elif event.kind == "signature":
            text, self._text = "".join(self._text), []
            done.append({"type": "thinking", "thinking": text, "signature": event.value})
        else:
            self._redacted.append(base64.b64decode(event.value))
        return done

    def close(self) -> list[dict[str, Any]]:
        """A redacted block still being joined, now complete (or nothing)."""
        if not self._redacted:
            return []
        data = base64.b64encode(b"".join(self._redacted)).decode("ascii")
        self._redacted = []
        return [{"type": "redacted_thinking", "data": data}]
