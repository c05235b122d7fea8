"""The chat flow: validated request -> Bedrock call (with retries) -> pumped, encoded stream."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from bedrock_stream.adapter import BedrockCall
from bedrock_stream.app import Exchange
from bedrock_stream.bedrock_client import EventStreamProtocol
from bedrock_stream.blocks import loggable
from bedrock_stream.converse import converse_call
from bedrock_stream.encoders import Encoder, choose_format, stream_head
from bedrock_stream.errors import AppError
from bedrock_stream.events import Done, Event, Start, Usage, tool_use_payload
from bedrock_stream.families import family_of
from bedrock_stream.native import check_token_limit, native_call
from bedrock_stream.observability import (
    annotate_outcome,
    bedrock_subsegment,
    logger,
    record_outcome,
    record_stream,
    traced_in_thread,
)
from bedrock_stream.pump import PumpResult, PumpSettings, close_stream, pump
from bedrock_stream.request import ChatRequest
from bedrock_stream.retry import RetryPolicy, call_within, with_retries


def _converse(req: ChatRequest) -> BedrockCall:
    return converse_call(req)


def _native(req: ChatRequest) -> BedrockCall:
    return native_call(req.model, req.native or {}, req.guardrail)


# Request mode -> adapter.
ADAPTERS: Final[dict[str, Callable[[ChatRequest], BedrockCall]]] = {
    "converse": _converse,
    "native": _native,
}


def mode(req: ChatRequest) -> str:
    """Which adapter serves a request."""
    return "native" if req.native is not None else "converse"


def open_call(ex: Exchange, call: BedrockCall) -> EventStreamProtocol:
    """Open Bedrock's stream, retrying before the first byte within the time left."""
    config = ex.app.config
    policy = RetryPolicy(config.max_attempts, config.backoff_base_s, config.backoff_cap_s)
    client = ex.app.client_factory()

    def on_retry(attempt: int, err: AppError, delay: float) -> None:
        logger.warning(
            "retrying Bedrock", extra={"attempt": attempt, "code": err.code, "delay_s": delay}
        )

    opener = traced_in_thread(lambda: call.open(client))
    stream, attempts = with_retries(
        lambda: call_within(opener, ex.time_left_s(), close_stream),
        policy,
        ex.time_left_s,
        sleep=ex.app.sleep,
        on_retry=on_retry,
    )
    ex.log["attempts"] = attempts.count
    return stream


def run_call(
    ex: Exchange,
    req: ChatRequest,
    *,
    on_open: Callable[[], None],
    emit: Callable[[Event], bool],
    keepalive: Callable[[], bool] | None,
) -> PumpResult | None:
    """Open Bedrock's stream (error response if that fails), then pump it through emit().

    Returns None when the request was answered with an error before the first byte.
    """
    config = ex.app.config
    call = ADAPTERS[mode(req)](req)
    ex.log.update(model=req.model, mode=mode(req))
    if config.log_content:
        ex.log["prompt"] = [{"role": m.role, "content": loggable(m.content)} for m in req.messages]
        ex.log["system"] = req.system if not isinstance(req.system, tuple) else loggable(req.system)
        ex.log["native"] = req.native
    with bedrock_subsegment(req.model, call.operation) as subsegment:
        try:
            bedrock_stream = open_call(ex, call)
        except AppError as err:
            annotate_outcome(subsegment, err.code)
            record_outcome(err.code)
            ex.send_error(err)
            return None
        on_open()
        settings = PumpSettings(
            keepalive_s=config.keepalive_s,
            stall_timeout_s=config.stall_timeout_s,
            reader_join_s=config.reader_join_s,
            deadline_margin_s=config.deadline_margin_s,
        )
        result = pump(
            bedrock_stream,
            call.mapper(),
            emit,
            keepalive,
            settings,
            started_at=ex.started_at,
            stop_at=ex.stop_at(),
            clock=ex.app.clock,
            keep_answer=config.log_content,
        )
        annotate_outcome(subsegment, result.outcome)
        if result.ttft_ms is not None:
            subsegment.put_annotation("ttft_ms", result.ttft_ms)
    _record(ex, req, result)
    return result


def writer(ex: Exchange, encoder: Encoder) -> Callable[[Event], bool]:
    """emit(): encode an event and write it now; True if a format wrote anything for it."""

    def emit(event: Event) -> bool:
        data = encoder.encode(event)
        if data:
            ex.stream.write(data)
        return bool(data)

    return emit


def keepalive_writer(ex: Exchange, encoder: Encoder) -> Callable[[], bool]:
    """keepalive(): write the format's keepalive record if it has one now; whether it did.

    Asked each time: NDJSON has one only once the model has reasoned (encoders.py).
    """

    def keepalive() -> bool:
        record = encoder.keepalive
        if record:
            ex.stream.write(record)
        return bool(record)

    return keepalive


def stream_chat(ex: Exchange, req: ChatRequest) -> None:
    """Answer a chat request: an error status before the first byte, else a full stream."""
    if req.native is not None:
        check_token_limit(req.model, req.native, ex.app.config.max_tokens_limit)
    fmt = choose_format(req.format, ex.http.headers)
    reasons = req.reasoning is not None or family_of(req.model).reasoning == "always"
    encoder, head = stream_head(fmt, ex.request_id, reasoning=reasons)
    ex.log["format"] = fmt
    emit = writer(ex, encoder)

    def on_open() -> None:
        ex.stream.start(head.status, head.headers)
        ex.log["status"] = head.status
        emit(Start(ex.request_id, req.model))

    run_call(ex, req, on_open=on_open, emit=emit, keepalive=keepalive_writer(ex, encoder))


def _record(ex: Exchange, req: ChatRequest, result: PumpResult) -> None:
    terminal = result.terminal
    done = terminal if isinstance(terminal, Done) else None
    usage = done.usage if done else Usage()
    record_stream(
        model=req.model,
        outcome=result.outcome,
        ttft_ms=result.ttft_ms,
        duration_ms=result.duration_ms,
        usage=usage,
        tokens_per_s=done.metrics.output_tokens_per_s if done and done.metrics else None,
    )
    ex.log.update(
        outcome=result.outcome,
        ttft_ms=result.ttft_ms,
        duration_ms=result.duration_ms,
        deltas=result.deltas,
        answer_chars=result.answer_chars,
        reasoning_events=result.reasoning_events,
        reasoning_chars=result.reasoning_chars,
        tool_calls=result.tool_calls,
        keepalives=result.keepalives,
        reader_ended=result.reader_ended,
        stop_reason=done.stop_reason if done else None,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_input_tokens=usage.cache_read_input_tokens,
        cache_write_input_tokens=usage.cache_write_input_tokens,
    )
    if not isinstance(terminal, Done):
        ex.log["error_message"] = terminal.message
    if ex.app.config.log_content:
        # Content, only with LOG_CONTENT=true (docs/API.md §5): the guardrail's trace quotes it too.
        ex.log["answer"] = "".join(result.answer)
        ex.log["reasoning"] = "".join(result.reasoning)
        ex.log["tool_uses"] = [tool_use_payload(call) for call in result.tools]
        if done is not None and done.trace is not None:
            ex.log["guardrail_trace"] = done.trace
    if not result.reader_ended:
        logger.error("Bedrock reader thread did not end after close")
