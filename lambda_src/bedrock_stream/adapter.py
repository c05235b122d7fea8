"""What every Bedrock adapter provides: a call that opens the stream and a mapper for its events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bedrock_stream.bedrock_client import BedrockRuntimeProtocol, EventStreamProtocol
from bedrock_stream.events import Delta, Done, Error, Terminal, Usage


class StreamMapper(Protocol):
    """Turns one raw Bedrock event into unified deltas; finish() gives the terminal event."""

    def feed(self, raw: dict[str, Any]) -> list[Delta]: ...

    def finish(self) -> Terminal: ...


@dataclass(frozen=True)
class BedrockCall:
    """A prepared Bedrock streaming call: how to open it and how to read it."""

    operation: str
    open: Callable[[BedrockRuntimeProtocol], EventStreamProtocol]
    mapper: Callable[[], StreamMapper]


class EndTracker:
    """Stop reason and usage seen so far; the terminal event once the stream has ended."""

    def __init__(self, missing_end: str) -> None:
        self.stop_reason: str | None = None
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self._missing_end = missing_end

    def usage_from(self, input_tokens: Any, output_tokens: Any) -> None:
        """Record token counts when the provider reports them (later reports win)."""
        if isinstance(input_tokens, int):
            self.input_tokens = input_tokens
        if isinstance(output_tokens, int):
            self.output_tokens = output_tokens

    def invocation_metrics(self, chunk: dict[str, Any]) -> None:
        """Bedrock's billed counts, appended to a provider's final chunk (protocols.md §5.4)."""
        metrics = chunk.get("amazon-bedrock-invocationMetrics")
        if isinstance(metrics, dict):
            self.usage_from(metrics.get("inputTokenCount"), metrics.get("outputTokenCount"))

    def finish(self) -> Terminal:
        """Done if the model said it stopped, else an error: the stream was cut short."""
        if self.stop_reason is None:
            return Error("upstream_error", self._missing_end, retryable=True)
        return Done(self.stop_reason, Usage(self.input_tokens, self.output_tokens))
