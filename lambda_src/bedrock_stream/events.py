"""The unified stream events that flow from the Bedrock adapters to the wire encoders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias, TypedDict


@dataclass(frozen=True)
class Usage:
    """Token counts reported by the model."""

    input_tokens: int | None = None
    output_tokens: int | None = None


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


@dataclass(frozen=True)
class Done:
    """The answer ended normally."""

    stop_reason: str
    usage: Usage = field(default_factory=Usage)
    metrics: Metrics | None = None


@dataclass(frozen=True)
class Error:
    """The answer ended with an error (after the stream started)."""

    code: str
    message: str
    retryable: bool


Event: TypeAlias = Start | Delta | Done | Error
Terminal: TypeAlias = Done | Error


class StartPayload(TypedDict):
    """Wire fields of `start`."""

    id: str
    model: str


class DeltaPayload(TypedDict):
    """Wire fields of `delta`."""

    text: str


class UsagePayload(TypedDict, total=False):
    """Token counts on the wire (only those the model reported)."""

    input_tokens: int
    output_tokens: int


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


def done_payload(ev: Done) -> DonePayload:
    """The wire fields of a done event."""
    usage: UsagePayload = {}
    if ev.usage.input_tokens is not None:
        usage["input_tokens"] = ev.usage.input_tokens
    if ev.usage.output_tokens is not None:
        usage["output_tokens"] = ev.usage.output_tokens
    out: DonePayload = {"stop_reason": ev.stop_reason, "usage": usage}
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
