"""Stream formats: how one planned answer becomes events, and the Converse format itself."""

from __future__ import annotations

from typing import Protocol

from local.bedrock.model import Turn

# (event type, JSON payload): one event-stream message before the padding is added.
Frame = tuple[str, dict[str, object]]
JsonObject = dict[str, object]


class StreamFormat(Protocol):
    """Events of one answer: opening, one group per delta, closing; plus the unstreamed body."""

    def opening(self, turn: Turn) -> list[Frame]:
        """Events before the first delta."""
        ...

    def delta(self, turn: Turn, index: int, text: str) -> list[Frame]:
        """Events that carry delta number `index`."""
        ...

    def closing(self, turn: Turn) -> list[Frame]:
        """Events after the last delta, with stop reason and usage."""
        ...

    def complete(self, turn: Turn) -> JsonObject:
        """The whole answer as the non-streaming operation returns it."""
        ...


class ConverseFormat:
    """ConverseStream events and the Converse response (botocore ConverseStreamOutput)."""

    # Order and fields: protocols.md section 5.2; metadata always comes last.

    def opening(self, turn: Turn) -> list[Frame]:
        """messageStart."""
        return [("messageStart", {"role": "assistant"})]

    def delta(self, turn: Turn, index: int, text: str) -> list[Frame]:
        """One text contentBlockDelta (plain text skips contentBlockStart, as Bedrock does)."""
        return [("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": text}})]

    def closing(self, turn: Turn) -> list[Frame]:
        """contentBlockStop, messageStop, metadata."""
        plan = turn.plan
        return [
            ("contentBlockStop", {"contentBlockIndex": 0}),
            ("messageStop", {"stopReason": plan.stop_reason}),
            ("metadata", {"usage": _usage(turn), "metrics": {"latencyMs": plan.latency_ms}}),
        ]

    def complete(self, turn: Turn) -> JsonObject:
        """The Converse response body."""
        plan = turn.plan
        return {
            "output": {"message": {"role": "assistant", "content": [{"text": plan.text}]}},
            "stopReason": plan.stop_reason,
            "usage": _usage(turn),
            "metrics": {"latencyMs": plan.latency_ms},
        }


def _usage(turn: Turn) -> JsonObject:
    plan = turn.plan
    return {
        "inputTokens": plan.input_tokens,
        "outputTokens": plan.output_tokens,
        "totalTokens": plan.input_tokens + plan.output_tokens,
    }
