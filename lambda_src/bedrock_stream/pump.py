"""The reader thread that writes Bedrock's events to the client, and the timers that end it."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from bedrock_stream.adapter import StreamMapper
from bedrock_stream.bedrock_client import EventStreamProtocol
from bedrock_stream.errors import STREAM_CODES, AppError, classify
from bedrock_stream.events import (
    Delta,
    Done,
    Error,
    Event,
    Metrics,
    Reasoning,
    Terminal,
    ToolUse,
)

# The outcome of a stream whose response could not be written to the end: the connection to
# the Runtime API broke (the runtime's TransportError is a ConnectionError), so nobody is
# left to read a terminal event. Not a failure of the function; the runtime logs it too.
RESPONSE_LOST = "response_lost"


@dataclass(frozen=True)
class PumpSettings:
    """Timings of the writer loop (from Config)."""

    keepalive_s: float | None
    stall_timeout_s: float
    reader_join_s: float = 5.0
    # How far stop_at lies before the function's timeout (DEADLINE_MARGIN_S): clean-up after
    # the terminal event waits at most until half of it is used, the rest ends the response.
    deadline_margin_s: float = 0.0


@dataclass
class PumpResult:
    """How a stream ended, with what the handler logs, traces and measures."""

    terminal: Terminal
    ttft_ms: int | None = None
    duration_ms: int = 0
    deltas: int = 0
    answer_chars: int = 0
    keepalives: int = 0
    reader_ended: bool = True
    answer: list[str] = field(default_factory=list)
    reasoning_events: int = 0
    reasoning_chars: int = 0
    tool_calls: int = 0
    reasoning: list[str] = field(default_factory=list)  # with keep_answer only
    tools: list[ToolUse] = field(default_factory=list)  # with keep_answer only
    response_lost: bool = False  # a write failed: the client never got the terminal event

    @property
    def outcome(self) -> str:
        """`done`, the error code, or RESPONSE_LOST."""
        if self.response_lost:
            return RESPONSE_LOST
        return "done" if isinstance(self.terminal, Done) else self.terminal.code


def stream_error(err: AppError) -> Error:
    """The terminal event of a failure; retryable only if both the code and the cause allow."""
    retryable = STREAM_CODES[err.stream_code] and err.retryable
    return Error(err.stream_code, err.message, retryable)


@dataclass
class _Shared:
    """What the reader thread and the pump's own thread share, under one lock.

    The reader writes each Bedrock event's outputs to the response itself, holding the lock:
    an event reaches the client without a hand-off to another thread (which costs a thread
    wake-up per delta). The pump's thread waits on `wake` for the end, watching the stall
    timer, the deadline and the keepalives, and writes keepalives and the terminal event under
    the same lock; once it sets `stopped`, the reader writes nothing more.
    """

    last_event: float
    last_write: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    wake: threading.Condition = field(init=False)
    # How the reader ended: ("end", None), ("exc", a failure reading Bedrock) or ("fail", a
    # failure mapping or writing an event, raised again on the pump's thread).
    end: tuple[Literal["end", "exc", "fail"], BaseException | None] | None = None
    stopped: bool = False

    def __post_init__(self) -> None:
        self.wake = threading.Condition(self.lock)

    def finish(self, kind: Literal["end", "exc", "fail"], exc: BaseException | None) -> None:
        """Record how the reader ended (the first way only) and wake the pump."""
        with self.lock:
            if self.end is None:
                self.end = (kind, exc)
            self.wake.notify()


def _reader(events: Iterable[dict[str, Any]], shared: _Shared, writer: _Writer) -> None:
    """Read Bedrock's events and write their outputs, until the stream ends or the pump stops."""
    try:
        for raw in events:
            with shared.lock:
                if shared.stopped:
                    return
                now = writer.clock()
                shared.last_event = now
                try:
                    if writer._outputs(raw, now):
                        shared.last_write = now
                except BaseException as exc:  # the pump's thread raises it again
                    shared.end = shared.end or ("fail", exc)
                    shared.wake.notify()
                    return
                # No wake-up per event: the pump's thread finds last_event and last_write
                # moved when its timer runs out, and waits on.
    except BaseException as exc:  # every failure reading Bedrock must reach the pump
        shared.finish("exc", exc)
        return
    shared.finish("end", None)


def close_stream(stream: EventStreamProtocol) -> None:
    """Close Bedrock's stream so that a reader blocked in a socket read wakes up now.

    EventStream.close() closes the urllib3 response (docs/PROTOCOLS.md §7.2), but closing a socket
    does not wake a thread blocked in recv() on it, shutdown() does; close() alone even waits
    for that read (the reader holds the response's buffer lock). The socket sits behind
    private attributes (botocore EventStream -> urllib3 response -> http.client response ->
    SocketIO); over TLS it is an ssl.SSLSocket there, a socket.socket too. If they move,
    close() still runs and the read timeout frees the reader later.
    test_stall_ends_with_upstream_stalled_and_frees_the_reader (plain HTTP) and
    test_close_stream_wakes_a_reader_blocked_in_a_tls_read fail if this stops working.
    """
    raw = getattr(stream, "_raw_stream", None)
    fp = getattr(getattr(raw, "_fp", None), "fp", None)
    sock = getattr(getattr(fp, "raw", None), "_sock", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(Exception):
        stream.close()


def pump(
    stream: EventStreamProtocol,
    mapper: StreamMapper,
    emit: Callable[[Event], bool],
    keepalive: Callable[[], bool] | None,
    settings: PumpSettings,
    *,
    started_at: float,
    stop_at: float,
    clock: Callable[[], float] = time.monotonic,
    keep_answer: bool = False,
) -> PumpResult:
    """Stream deltas through emit() until a terminal event; emit that; close and join the reader.

    started_at is when the request arrived (for ttft and duration); stop_at is the monotonic
    time at which the function must stop (its deadline minus DEADLINE_MARGIN_S).
    """
    writer = _Writer(mapper, emit, keepalive, settings, clock, started_at, keep_answer)
    now = clock()
    shared = _Shared(last_event=now, last_write=now)
    reader = threading.Thread(
        target=_reader, args=(stream, shared, writer), name="bedrock-reader", daemon=True
    )
    result = writer.result
    reader.start()
    try:
        try:
            result.terminal = writer.run(shared, stop_at)
        except ConnectionError as exc:  # the response is gone: stop reading Bedrock now
            result.response_lost = True
            result.terminal = Error("internal", f"the response could not be written: {exc}", False)
        except Exception as exc:  # an emit() or mapper failure still ends the stream with an event
            result.terminal = stream_error(classify(exc))
        result.duration_ms = round((clock() - started_at) * 1000)
        result.terminal = _with_metrics(result.terminal, result)
        # The last word goes out before any clean-up: a reader stuck in a socket read or a slow
        # close can then delay the end of the response, but never cost its terminal event.
        if not result.response_lost:
            try:
                emit(result.terminal)
            except ConnectionError:
                result.response_lost = True
    finally:
        with shared.lock:
            shared.stopped = True
        close_stream(stream)
        reader.join(cleanup_wait_s(settings, stop_at, clock()))
        result.reader_ended = not reader.is_alive()
    return result


def cleanup_wait_s(settings: PumpSettings, stop_at: float, now: float) -> float:
    """How long clean-up may still wait: reader_join_s, cut so it ends inside the margin.

    stop_at + deadline_margin_s is when Lambda stops the function; waiting until half the
    margin is spent leaves the other half to end the response (last chunk, the 202).
    """
    until = stop_at + settings.deadline_margin_s / 2
    return max(0.0, min(settings.reader_join_s, until - now))


class _Writer:
    """The pump's side: waits on the reader's wake-up with a timeout, so silence is never
    unbounded (the reader thread writes each event's outputs itself).

    emit() and keepalive() return whether they wrote anything: a format that leaves an event
    out (the text format and reasoning) must not count as a write, or keepalives would stop
    while a model reasons.
    """

    def __init__(  # noqa: PLR0917 - internal, called once
        self,
        mapper: StreamMapper,
        emit: Callable[[Event], bool],
        keepalive: Callable[[], bool] | None,
        settings: PumpSettings,
        clock: Callable[[], float],
        started_at: float,
        keep_answer: bool,
    ) -> None:
        self.mapper = mapper
        self.emit = emit
        self.keepalive = keepalive
        self.keepalive_s = settings.keepalive_s if keepalive is not None else None
        self.stall_s = settings.stall_timeout_s
        self.clock = clock
        self.started_at = started_at
        self.keep_answer = keep_answer
        self.result = PumpResult(terminal=Error("internal", "not finished", retryable=False))

    def run(self, shared: _Shared, stop_at: float) -> Terminal:
        """Wait until the stream ends, fails, stalls or the deadline comes; the terminal event.

        Returns holding no lock, with `shared.stopped` set, so the reader writes nothing after
        the terminal event is decided.
        """
        with shared.lock:
            try:
                return self._watch(shared, stop_at)
            finally:
                shared.stopped = True

    def _watch(self, shared: _Shared, stop_at: float) -> Terminal:
        while True:
            if shared.end is not None:
                kind, exc = shared.end
                if kind == "end":
                    return self.mapper.finish()
                assert exc is not None
                if kind == "fail":
                    raise exc
                return stream_error(classify(exc))
            now = self.clock()
            if now >= stop_at:
                return Error("deadline", "stopped before the function's timeout", retryable=True)
            if now - shared.last_event >= self.stall_s:
                message = f"no event from Bedrock for {self.stall_s:g} s"
                return Error("upstream_stalled", message, retryable=True)
            wait = min(stop_at, shared.last_event + self.stall_s) - now
            if self.keepalive_s is not None and self.keepalive is not None:
                if now - shared.last_write >= self.keepalive_s:
                    if self.keepalive():
                        self.result.keepalives += 1
                    # also when the format has no keepalive yet: no busy loop
                    shared.last_write = now
                wait = min(wait, shared.last_write + self.keepalive_s - now)
            shared.wake.wait(timeout=max(wait, 0.0))

    def _outputs(self, raw: dict[str, Any], now: float) -> bool:
        """Emit what one Bedrock event maps to; whether any of it reached the client."""
        outputs = self.mapper.feed(raw)
        result = self.result
        wrote = False
        for output in outputs:
            # Time to first token counts the first output of any kind (reasoning, text or a
            # tool call): it measures how soon the model answered at all, as Bedrock's own
            # first-byte latency does; a reasoning model's first text can come much later.
            if result.ttft_ms is None:
                result.ttft_ms = round((now - self.started_at) * 1000)
            wrote = self.emit(output) or wrote
            _TALLIES[type(output)](result, output, self.keep_answer)
        return wrote


def _tally_delta(result: PumpResult, output: Delta, keep: bool) -> None:
    result.deltas += 1
    result.answer_chars += len(output.text)
    if keep:
        result.answer.append(output.text)


def _tally_reasoning(result: PumpResult, output: Reasoning, keep: bool) -> None:
    result.reasoning_events += 1
    if output.kind == "text":
        result.reasoning_chars += len(output.value)
        if keep:
            result.reasoning.append(output.value)


def _tally_tool(result: PumpResult, output: ToolUse, keep: bool) -> None:
    result.tool_calls += 1
    if keep:
        result.tools.append(output)


# Output type -> what the log line counts of it (docs/API.md §13; content only with LOG_CONTENT).
_TALLIES: dict[type, Callable[[PumpResult, Any, bool], None]] = {
    Delta: _tally_delta,
    Reasoning: _tally_reasoning,
    ToolUse: _tally_tool,
}


def _with_metrics(terminal: Terminal, result: PumpResult) -> Terminal:
    if not isinstance(terminal, Done):
        return terminal
    tokens = terminal.usage.output_tokens
    seconds = result.duration_ms / 1000
    rate = round(tokens / seconds, 1) if tokens is not None and seconds > 0 else None
    return replace(terminal, metrics=Metrics(result.ttft_ms, result.duration_ms, rate))
