"""Powertools Logger, Tracer and Metrics for the function, and what each stream records."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final, Protocol, TypeVar

import aws_xray_sdk
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_xray_sdk.core import xray_recorder

from bedrock_stream.errors import HTTP_CODES
from bedrock_stream.events import Usage

# Read at import: plain environment reads, no I/O; Powertools objects are meant to be global.
SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "bedrock-stream"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "BedrockStream"

# Only botocore is patched: its subsegment for each Bedrock call is all the function makes
# outside Powertools'. Without patch_modules the X-Ray SDK's patch_all imports every library
# it can patch that is installed (requests, sqlite3 and a dozen more) at every cold start.
# https://docs.aws.amazon.com/xray-sdk-for-python/latest/reference/thirdparty.html
PATCHED_MODULES: Final = ("botocore",)

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE, patch_modules=PATCHED_MODULES)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)

# GET / and GET /models publish no metrics by design; Powertools would warn on every one.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)


T = TypeVar("T")


def traced_in_thread(fn: Callable[[], T]) -> Callable[[], T]:
    """fn, to run in another thread under the current X-Ray entity (it is thread-local)."""
    if not aws_xray_sdk.global_sdk_config.sdk_enabled():
        return fn
    entity = xray_recorder.get_trace_entity()

    def run() -> T:
        xray_recorder.set_trace_entity(entity)
        try:
            return fn()
        finally:
            xray_recorder.clear_trace_entities()

    return run


class Annotator(Protocol):
    """Something that takes X-Ray annotations (a subsegment)."""

    def put_annotation(self, key: str, value: Any) -> None: ...


def failure_flags(outcome: str) -> tuple[str, ...]:
    """X-Ray's flags for a stream outcome: none for done, else by the code's HTTP class.

    error is a 4xx, throttle a 429 (with error), fault a 5xx; in-stream-only codes
    (model_stream_error, upstream_stalled, deadline) are the server's side: fault.
    https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html#api-segmentdocuments-errors
    """
    if outcome == "done":
        return ()
    status = HTTP_CODES.get(outcome, (500, False))[0]
    if status == 429:
        return ("error", "throttle")
    return ("error",) if status < 500 else ("fault",)


@contextmanager
def bedrock_subsegment(model: str, operation: str) -> Iterator[Annotator]:
    """An X-Ray subsegment around one Bedrock stream, annotated with the model.

    The caller records the outcome with annotate_outcome.
    """
    with tracer.provider.in_subsegment("## bedrock_stream") as subsegment:
        subsegment.put_annotation("model", model)
        subsegment.put_annotation("operation", operation)
        yield subsegment


def annotate_outcome(subsegment: Annotator, outcome: str) -> None:
    """The stream's outcome on its subsegment; a failed one also flags it, so that the trace
    shows the failure (a stream broken midway leaves no exception on botocore's)."""
    subsegment.put_annotation("outcome", outcome)
    for flag in failure_flags(outcome):
        getattr(subsegment, f"add_{flag}_flag")()


# Usage field -> its metric (docs/API.md §13); a count the model did not report is not recorded.
# No stream this function reads reports reasoning tokens apart: Converse's TokenUsage has no
# such field, and Anthropic counts thinking in output_tokens.
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html
TOKEN_METRICS: Final[dict[str, str]] = {
    "input_tokens": "InputTokens",
    "output_tokens": "OutputTokens",
    "cache_read_input_tokens": "CacheReadInputTokens",
    "cache_write_input_tokens": "CacheWriteInputTokens",
}


def record_stream(
    *,
    model: str,
    outcome: str,
    ttft_ms: int | None,
    duration_ms: int,
    usage: Usage,
    tokens_per_s: float | None,
) -> None:
    """EMF metrics for one finished stream (flushed by log_metrics when the handler returns)."""
    metrics.add_dimension(name="model", value=model)
    if ttft_ms is not None:
        metrics.add_metric(name="TimeToFirstToken", unit=MetricUnit.Milliseconds, value=ttft_ms)
    metrics.add_metric(name="StreamDuration", unit=MetricUnit.Milliseconds, value=duration_ms)
    for field, name in TOKEN_METRICS.items():
        value = getattr(usage, field)
        if value is not None:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    if tokens_per_s is not None:
        metrics.add_metric(
            name="OutputTokensPerSecond", unit=MetricUnit.CountPerSecond, value=tokens_per_s
        )
    record_outcome(outcome)


def record_outcome(outcome: str) -> None:
    """One count per outcome (done or an error code), as its own EMF record with that dimension."""
    with single_metric(
        name="Requests", unit=MetricUnit.Count, value=1, namespace=NAMESPACE
    ) as metric:
        metric.add_dimension(name="service", value=SERVICE)
        metric.add_dimension(name="outcome", value=outcome)
