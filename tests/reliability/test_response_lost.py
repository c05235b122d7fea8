"""A response whose connection breaks mid-stream (found by the fault matrix, runtime_api_reset).

Before: the failed write escaped the pump, so the stream's outcome, counts and metrics were
never recorded, and the handler logged the lost connection as an internal error with a
traceback (the runtime logs the same connection once already). Now the pump stops reading
Bedrock at once, closes its stream, and records the outcome `response_lost`; the handler
logs no failure for it.
"""

from __future__ import annotations

import time
from typing import Any

from bedrock_stream.converse import ConverseMapper
from bedrock_stream.events import Done, Event
from bedrock_stream.pump import RESPONSE_LOST, PumpSettings, pump
from tests.functional.handler.handler_fakes import FakeEventStream, Sleep, converse_events

SETTINGS = PumpSettings(keepalive_s=None, stall_timeout_s=5)


class BrokenAfter:
    """emit(): writes `count` events, then fails as the runtime's TransportError does."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.written: list[Event] = []

    def __call__(self, event: Event) -> bool:
        if len(self.written) >= self.count:
            raise ConnectionError("Runtime API send failed: [Errno 32] Broken pipe")
        self.written.append(event)
        return True


def _pump(stream: Any, emit: Any) -> Any:
    now = time.monotonic()
    return pump(stream, ConverseMapper(), emit, None, SETTINGS, started_at=now, stop_at=now + 60)


def test_a_broken_response_stops_the_stream_and_is_recorded_as_lost() -> None:
    events = converse_events([f"w{i}" for i in range(50)])
    paced = [step for event in events for step in (event, Sleep(0.01))]  # 0.5 s of answer
    stream = FakeEventStream(paced)
    emit = BrokenAfter(3)
    result = _pump(stream, emit)  # no exception: the pump ends as after any failure
    assert result.outcome == RESPONSE_LOST
    assert result.deltas == 3
    assert len(emit.written) == 3  # no terminal event was attempted on the broken connection
    assert stream.closed.is_set()  # Bedrock's stream is closed, not read to its end
    assert stream.yielded < len(events) / 2
    assert result.reader_ended


def test_a_terminal_event_that_cannot_be_written_is_a_lost_response_too() -> None:
    stream = FakeEventStream(converse_events(["a", "b"]))
    result = _pump(stream, BrokenAfter(2))  # both deltas go out, then done fails
    assert isinstance(result.terminal, Done)
    assert result.outcome == RESPONSE_LOST
    assert stream.closed.is_set()
