"""The shared part of native (InvokeModelWithResponseStream) parsers: chunk decoding and the end."""

from __future__ import annotations

import json
from typing import Any

from bedrock_stream.adapter import EndTracker
from bedrock_stream.events import Delta, Terminal


class NativeParser:
    """Decodes each `chunk` to the provider's JSON; subclasses map that JSON to deltas."""

    provider = "unknown"

    def __init__(self) -> None:
        self.end = EndTracker(f"Bedrock stream ended without the {self.provider} final chunk")

    def feed(self, raw: dict[str, Any]) -> list[Delta]:
        """Map one `{"chunk": {"bytes": b"..."}}` event."""
        chunk = raw.get("chunk")
        if not isinstance(chunk, dict) or "bytes" not in chunk:
            return []
        data = chunk["bytes"]
        obj = json.loads(data.decode("utf-8") if isinstance(data, bytes | bytearray) else data)
        if not isinstance(obj, dict):
            return []
        out = self.on_chunk(obj)
        # Bedrock appends its billed counts to the last chunk; they win over the provider's.
        self.end.invocation_metrics(obj)
        return out

    def on_chunk(self, obj: dict[str, Any]) -> list[Delta]:
        """Map one decoded provider chunk."""
        raise NotImplementedError

    def finish(self) -> Terminal:
        """The terminal event once Bedrock's stream has ended."""
        return self.end.finish()


def text_delta(text: Any) -> list[Delta]:
    """A one-element delta list for non-empty text, else nothing."""
    return [Delta(text)] if isinstance(text, str) and text else []
