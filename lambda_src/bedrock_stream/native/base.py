"""The shared part of native (InvokeModelWithResponseStream) parsers: chunk decoding and the end."""

from __future__ import annotations

import json
from typing import Any

from bedrock_stream.adapter import EndTracker
from bedrock_stream.errors import AppError
from bedrock_stream.events import Delta, Output, Terminal

# Bedrock adds this to an InvokeModel answer when a guardrail is attached: "INTERVENED" or
# "NONE". An intervention can be the only chunk, with no provider stop reason at all (Titan).
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html
GUARDRAIL_ACTION = "amazon-bedrock-guardrailAction"


class NativeParser:
    """Decodes each `chunk` to the provider's JSON; subclasses map that JSON to outputs."""

    provider = "unknown"

    def __init__(self) -> None:
        self.end = EndTracker(f"Bedrock stream ended without the {self.provider} final chunk")

    def feed(self, raw: dict[str, Any]) -> list[Output]:
        """Map one `{"chunk": {"bytes": b"..."}}` event."""
        chunk = raw.get("chunk")
        if not isinstance(chunk, dict) or "bytes" not in chunk:
            return []
        obj = _decode(chunk["bytes"])
        if not isinstance(obj, dict):
            return []
        out = self.on_chunk(obj)
        # Bedrock appends its billed counts to the last chunk; they win over the provider's.
        self.end.invocation_metrics(obj)
        if obj.get(GUARDRAIL_ACTION) == "INTERVENED":
            self.end.stop_reason = "guardrail_intervened"
        return out

    def on_chunk(self, obj: dict[str, Any]) -> list[Output]:
        """Map one decoded provider chunk."""
        raise NotImplementedError

    def finish(self) -> Terminal:
        """The terminal event once Bedrock's stream has ended."""
        return self.end.finish()


def _decode(data: Any) -> Any:
    try:
        return json.loads(data.decode("utf-8") if isinstance(data, bytes | bytearray) else data)
    except (ValueError, TypeError) as exc:
        # Bedrock's chunk, not our fault: an upstream error the client may retry.
        raise AppError(
            "upstream_error", "Bedrock sent a chunk that is not JSON", stream_code="upstream_error"
        ) from exc


def text_delta(text: Any) -> list[Output]:
    """A one-element delta list for non-empty text, else nothing."""
    return [Delta(text)] if isinstance(text, str) and text else []
