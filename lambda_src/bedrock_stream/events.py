"""The unified stream events that flow from the Bedrock adapters to the wire encoders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, TypedDict, cast


@dataclass(frozen=True)
class Usage:
    """Token counts reported by the model (cache counts only from models that cache)."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cache_write_input_tokens: int | None = None


@dataclass(frozen=True)
class Metrics:
    """Timings measured by the handler for one answer."""

    ttft_ms: int | None
    duration_ms: int
    output_tokens_per_s: float | None


@dataclass(frozen=True)
class Start:
    """The stream has started: request id and model."""

    id: str
    model: str


@dataclass(frozen=True)
class Delta:
    """The next piece of the answer's text."""

    text: str


ReasoningKind = Literal["text", "signature", "redacted"]


@dataclass(frozen=True)
class Reasoning:
    """A piece of the model's reasoning: its text, its signature, or redacted bytes as base64.

    docs/API.md §12.2. Never part of the answer's text. A redacted block may come in several
    pieces: each is the base64 of its own bytes (decode each, then join the bytes).
    """

    kind: ReasoningKind
    value: str


@dataclass(frozen=True)
class ToolUse:
    """One complete tool call: its id, the tool's name and the input (a JSON object)."""

    id: str
    name: str
    input: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class Done:
    """The answer ended normally.

    trace is Bedrock's guardrail trace (metadata.trace.guardrail), for the log with
    LOG_CONTENT=true only: it can quote the prompt and answer, so it is never sent.
    """

    stop_reason: str
    usage: Usage = field(default_factory=Usage)
    metrics: Metrics | None = None
    trace: Mapping[str, Any] | None = field(default=None, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class Error:
    """The answer ended with an error (after the stream started)."""

    code: str
    message: str
    retryable: bool


Output: TypeAlias = Delta | Reasoning | ToolUse  # what a mapper makes of Bedrock's events
Event: TypeAlias = Start | Delta | Reasoning | ToolUse | Done | Error
Terminal: TypeAlias = Done | Error


class StartPayload(TypedDict):
    """Wire fields of `start`."""

    id: str
    model: str


class DeltaPayload(TypedDict):
    """Wire fields of `delta`."""

    text: str


class ReasoningPayload(TypedDict, total=False):
    """Wire fields of `reasoning`: exactly one of them."""

    text: str
    signature: str
    redacted: str


class ToolUsePayload(TypedDict):
    """Wire fields of `tool_use`."""

    id: str
    name: str
    input: dict[str, Any]


class UsagePayload(TypedDict, total=False):
    """Token counts on the wire (only those the model reported)."""

    input_tokens: int
    output_tokens: int
    cache_read_input_tokens: int
    cache_write_input_tokens: int


class MetricsPayload(TypedDict):
    """Timings on the wire."""

    ttft_ms: int | None
    duration_ms: int
    output_tokens_per_s: float | None


class DonePayload(TypedDict, total=False):
    """Wire fields of `done` (metrics once measured)."""

    stop_reason: str
    usage: UsagePayload
    metrics: MetricsPayload


class ErrorPayload(TypedDict):
    """Wire fields of `error`."""

    code: str
    message: str
    retryable: bool


def start_payload(ev: Start) -> StartPayload:
    """The wire fields of a start event."""
    return {"id": ev.id, "model": ev.model}


def delta_payload(ev: Delta) -> DeltaPayload:
    """The wire fields of a delta event."""
    return {"text": ev.text}


def reasoning_payload(ev: Reasoning) -> ReasoningPayload:
    """The wire fields of a reasoning event: `{"text"}`, `{"signature"}` or `{"redacted"}`."""
    return cast(ReasoningPayload, {ev.kind: ev.value})


def tool_use_payload(ev: ToolUse) -> ToolUsePayload:
    """The wire fields of a tool_use event."""
    return {"id": ev.id, "name": ev.name, "input": ev.input}


# Usage field -> its wire name; a count the model did not report is left out.
_USAGE_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_write_input_tokens",
)


def usage_payload(usage: Usage) -> UsagePayload:
    """The reported token counts, in a fixed order."""
    counts = {name: getattr(usage, name) for name in _USAGE_FIELDS}
    return cast(UsagePayload, {k: v for k, v in counts.items() if v is not None})


def done_payload(ev: Done) -> DonePayload:
    """The wire fields of a done event."""
    out: DonePayload = {"stop_reason": ev.stop_reason, "usage": usage_payload(ev.usage)}
    if ev.metrics is not None:
        out["metrics"] = {
            "ttft_ms": ev.metrics.ttft_ms,
            "duration_ms": ev.metrics.duration_ms,
            "output_tokens_per_s": ev.metrics.output_tokens_per_s,
        }
    return out


def error_payload(ev: Error) -> ErrorPayload:
    """The wire fields of an error event."""
    return {"code": ev.code, "message": ev.message, "retryable": ev.retryable}
