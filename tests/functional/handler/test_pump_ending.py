"""The end of a stream: the terminal event goes out first, and no clean-up outlasts the margin.

pump() runs with a scripted Bedrock stream and a recording emit(): the order of what it did
is observable (was the stream already closed, was the reader still running, when the
terminal event was written), and a reader that ignores close() stands for a stuck socket.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bedrock_stream.converse import ConverseMapper
from bedrock_stream.errors import AppError
from bedrock_stream.events import Delta, Done, Error, Event
from bedrock_stream.pump import PumpResult, PumpSettings, cleanup_wait_s, pump
from bedrock_stream.retry import call_within
from tests.functional.handler.handler_fakes import FakeEventStream, Hang, converse_events


class Recorder:
    """emit(): records each event with the state of the Bedrock stream at that moment."""

    def __init__(self, stream: FakeEventStream) -> None:
        self.stream = stream
        self.seen: list[tuple[Event, bool, bool]] = []  # (event, closed, still reading)

    def __call__(self, event: Event) -> None:
        reading = not self.stream.iteration_ended.is_set()
        self.seen.append((event, self.stream.closed.is_set(), reading))


def _pump(stream: Any, emit: Any, settings: PumpSettings, stop_in_s: float) -> PumpResult:
    now = time.monotonic()
    return pump(
        stream, ConverseMapper(), emit, None, settings, started_at=now, stop_at=now + stop_in_s
    )


def test_done_is_written_before_the_stream_is_closed() -> None:
    stream = FakeEventStream(converse_events(["a", "b"]))
    emit = Recorder(stream)
    result = _pump(stream, emit, PumpSettings(keepalive_s=None, stall_timeout_s=5), 60)
    terminal, closed, _alive = emit.seen[-1]
    assert isinstance(terminal, Done)
    assert closed is False
    assert stream.closed.is_set()  # and closed afterwards
    assert result.terminal == terminal


def test_a_stall_error_is_written_while_the_reader_still_waits_on_the_socket() -> None:
    # A stream that blocks until it is closed: the reader is stuck in its "socket read".
    stream = FakeEventStream([*converse_events(["a"], stop_reason=None), Hang()])
    emit = Recorder(stream)
    result = _pump(stream, emit, PumpSettings(keepalive_s=None, stall_timeout_s=0.2), 60)
    terminal, closed, alive = emit.seen[-1]
    assert isinstance(terminal, Error)
    assert terminal.code == "upstream_stalled"
    assert (closed, alive) == (False, True)
    assert [type(event) for event, _, _ in emit.seen] == [Delta, Error]
    assert result.reader_ended  # closing woke the reader after the terminal event


class StuckStream:
    """A stream whose reader ignores close(), as a socket nothing can wake would."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.closed = threading.Event()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        self.release.wait(60)
        return iter(())

    def close(self) -> None:
        self.closed.set()


def test_a_stuck_reader_never_holds_the_handler_past_the_margin() -> None:
    # Given a reader nothing wakes, a join allowance of an hour, and a 0.2 s margin
    stream = StuckStream()
    events: list[Event] = []
    settings = PumpSettings(
        keepalive_s=None, stall_timeout_s=30, reader_join_s=3600, deadline_margin_s=0.2
    )
    outcome: list[PumpResult] = []
    runner = threading.Thread(
        target=lambda: outcome.append(_pump(stream, events.append, settings, 0.1))
    )
    try:
        runner.start()
        # Then pump returns (with the deadline error written) instead of waiting an hour
        runner.join(30)
        assert not runner.is_alive(), "pump waited for the stuck reader past the margin"
        (result,) = outcome
        assert isinstance(result.terminal, Error)
        assert result.terminal.code == "deadline"
        assert events == [result.terminal]
        assert result.reader_ended is False  # reported, for the log
        assert stream.closed.is_set()
    finally:
        stream.release.set()
        runner.join(30)


@pytest.mark.parametrize(
    ("join_s", "margin_s", "stop_at", "now", "expected"),
    [
        (5.0, 3.0, 200.0, 100.0, 5.0),  # far from the deadline: the whole join allowance
        (5.0, 3.0, 100.0, 99.0, 2.5),  # until half the margin after stop_at is spent (101.5)
        (5.0, 3.0, 100.0, 101.5, 0.0),  # half the margin already spent: no wait at all
        (5.0, 0.0, 100.0, 100.0, 0.0),  # no margin, at stop_at: no wait
        (5.0, 3.0, 100.0, 104.0, 0.0),  # past the deadline: never negative
    ],
)
def test_cleanup_wait_ends_inside_the_margin(join_s, margin_s, stop_at, now, expected) -> None:
    settings = PumpSettings(
        keepalive_s=None, stall_timeout_s=1, reader_join_s=join_s, deadline_margin_s=margin_s
    )
    assert cleanup_wait_s(settings, stop_at, now) == pytest.approx(expected)


def test_call_within_with_no_time_left_does_not_start_the_call() -> None:
    release = threading.Event()
    before = set(threading.enumerate())
    with pytest.raises(AppError) as caught:
        call_within(lambda: release.wait(30), 0.0, on_late=lambda _value: None)
    try:
        assert caught.value.code == "upstream_timeout"
        # A started call would still be blocked in its thread now.
        started = [t for t in threading.enumerate() if t not in before]
        assert not [t for t in started if t.name == "bedrock-open"]
    finally:
        release.set()


class Endless:
    """A stream that yields a text delta every few milliseconds, 20 more even once closed.

    (Events already in the socket's buffer still come out after close(): a reader that
    ignored the pump's decision would write them after the terminal event.)
    """

    def __init__(self) -> None:
        self.closed = threading.Event()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        yield {"messageStart": {"role": "assistant"}}
        after_close = 20
        while after_close:
            yield {"contentBlockDelta": {"delta": {"text": "x"}, "contentBlockIndex": 0}}
            time.sleep(0.002)
            after_close -= self.closed.is_set()

    def close(self) -> None:
        self.closed.set()


def test_nothing_follows_the_terminal_event_though_the_reader_writes_itself() -> None:
    # The reader thread writes each event's outputs itself (no hand-off to another thread);
    # once the deadline is decided it writes nothing more, so `deadline` is the last word.
    sent: list[tuple[Event, str]] = []
    emit = lambda event: sent.append((event, threading.current_thread().name)) is None  # noqa: E731
    settings = PumpSettings(keepalive_s=None, stall_timeout_s=5, deadline_margin_s=1)
    result = _pump(Endless(), emit, settings, 0.3)
    time.sleep(0.05)  # had the reader kept writing, it would have by now

    assert isinstance(sent[-1][0], Error)
    assert sent[-1][0].code == "deadline"
    assert sent[-1][1] != "bedrock-reader"  # the terminal event: the pump's own thread
    deltas = [thread for event, thread in sent if isinstance(event, Delta)]
    assert len(deltas) > 10
    assert set(deltas) == {"bedrock-reader"}  # each delta written as it was read
    assert result.reader_ended
