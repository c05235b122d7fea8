"""What every Bedrock adapter provides: a call that opens the stream and a mapper for its events."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from bedrock_stream.bedrock_client import BedrockRuntimeProtocol, EventStreamProtocol
from bedrock_stream.errors import AppError
from bedrock_stream.events import Done, Error, Output, Terminal, ToolUse, Usage


class StreamMapper(Protocol):
    """Turns one raw Bedrock event into unified outputs; finish() gives the terminal event."""

    def feed(self, raw: dict[str, Any]) -> list[Output]: ...

    def finish(self) -> Terminal: ...


@dataclass(frozen=True)
class BedrockCall:
    """A prepared Bedrock streaming call: how to open it and how to read it."""

    operation: str
    open: Callable[[BedrockRuntimeProtocol], EventStreamProtocol]
    mapper: Callable[[], StreamMapper]


def count(value: Any) -> int | None:
    """A token count as an int: ints, and floats that are whole numbers (Titan sends 3.0)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


# Stop reasons that mean the model's output is unusable: not in docs/API.md §12.2's list of
# stop_reason values, so they end the stream with an `error` instead of `done`.
# model_stream_error is what Bedrock itself reports for the same failure when it catches it
# mid-stream ("Model produced invalid sequence as part of ToolUse", a modelStreamErrorException),
# and a retry may well produce valid output.
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_MessageStopEvent.html
ERROR_STOP_REASONS: Final[dict[str, str]] = {
    "malformed_model_output": "the model's output was malformed (stop reason "
    "malformed_model_output)",
    "malformed_tool_use": "the model made a malformed tool call (stop reason malformed_tool_use)",
}


class EndTracker:
    """Stop reason and usage seen so far; the terminal event once the stream has ended."""

    def __init__(self, missing_end: str) -> None:
        self.stop_reason: str | None = None
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.cache_read_input_tokens: int | None = None
        self.cache_write_input_tokens: int | None = None
        self.trace: Mapping[str, Any] | None = None
        self._missing_end = missing_end

    def usage_from(
        self,
        input_tokens: Any,
        output_tokens: Any,
        cache_read: Any = None,
        cache_write: Any = None,
    ) -> None:
        """Record token counts when the provider reports them (later reports win).

        Some native parsers call this on every chunk: plain statements, no loop.
        """
        if (number := count(input_tokens)) is not None:
            self.input_tokens = number
        if (number := count(output_tokens)) is not None:
            self.output_tokens = number
        if (number := count(cache_read)) is not None:
            self.cache_read_input_tokens = number
        if (number := count(cache_write)) is not None:
            self.cache_write_input_tokens = number

    def invocation_metrics(self, chunk: dict[str, Any]) -> None:
        """Bedrock's billed counts, on a provider's final chunk (docs/PROTOCOLS.md §5.4)."""
        metrics = chunk.get("amazon-bedrock-invocationMetrics")
        if isinstance(metrics, dict):
            self.usage_from(
                metrics.get("inputTokenCount"),
                metrics.get("outputTokenCount"),
                metrics.get("cacheReadInputTokenCount"),
                metrics.get("cacheWriteInputTokenCount"),
            )

    def finish(self, *, open_tool_call: bool = False) -> Terminal:
        """Done if the model said it stopped, else an error: the stream was cut short.

        open_tool_call: a tool call began and its block never ended, so it was never sent.
        """
        if self.stop_reason is None:
            return Error("upstream_error", self._missing_end, retryable=True)
        failure = ERROR_STOP_REASONS.get(self.stop_reason)
        if open_tool_call:
            failure = "a tool call began and was never completed"
        if failure is not None:
            return Error("model_stream_error", failure, retryable=True)
        usage = Usage(
            self.input_tokens,
            self.output_tokens,
            self.cache_read_input_tokens,
            self.cache_write_input_tokens,
        )
        return Done(self.stop_reason, usage, trace=self.trace)


def model_error(message: str) -> AppError:
    """The model sent something unusable mid-stream: an in-stream `model_stream_error`."""
    return AppError("upstream_error", message, stream_code="model_stream_error")


def _no_constants(name: str) -> Any:
    # NaN and Infinity are not JSON (RFC 8259) and would make the tool_use event invalid JSON.
    raise ValueError(f"{name} is not valid JSON")


@dataclass
class _Draft:
    tool_id: Any
    name: Any
    pieces: list[str] = field(default_factory=list)


class ToolCalls:
    """Tool calls assembled per content block from partial-JSON pieces, each emitted once.

    The input of a call arrives as pieces of one JSON text (ConverseStream `toolUse.input`,
    Anthropic `input_json_delta.partial_json`); only the whole text parses, so a call is
    complete at its block's stop (docs/ARCHITECTURE.md: encoders only see complete calls).
    Blocks are sequential in both streams, so calls come out in block order. An empty input
    is `{}`, as a call of a tool without parameters streams none.
    https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-call.html
    """

    def __init__(self) -> None:
        self._open: dict[Any, _Draft] = {}

    def start(self, index: Any, tool_id: Any, name: Any) -> None:
        """A tool-use block begins."""
        self._open[index] = _Draft(tool_id, name)

    def add(self, index: Any, piece: Any) -> None:
        """The next piece of a call's input; a piece for no open call is a broken stream."""
        draft = self._open.get(index)
        if draft is None:
            raise model_error(f"tool input for content block {index!r}, which is not a tool call")
        if isinstance(piece, str):
            draft.pieces.append(piece)

    def stop(self, index: Any) -> list[ToolUse]:
        """The finished call of this block (nothing if the block was not a tool call)."""
        draft = self._open.pop(index, None)
        return [] if draft is None else [_complete(draft)]

    @property
    def pending(self) -> bool:
        """Whether a call was started and never finished."""
        return bool(self._open)


def _complete(draft: _Draft) -> ToolUse:
    if not isinstance(draft.tool_id, str) or not draft.tool_id:
        raise model_error("a tool call came without its id")
    if not isinstance(draft.name, str) or not draft.name:
        raise model_error(f"tool call {draft.tool_id} came without a tool name")
    text = "".join(draft.pieces)
    where = f"the input of tool call {draft.name} ({draft.tool_id})"
    try:
        value = json.loads(text, parse_constant=_no_constants) if text.strip() else {}
    except ValueError as exc:
        raise model_error(f"{where} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise model_error(f"{where} is not a JSON object")
    return ToolUse(draft.tool_id, draft.name, value)
