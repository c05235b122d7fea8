"""Faults, stalls, deadlines and keepalives: every stream ends with one terminal event."""

from __future__ import annotations

import time

import pytest

from bedrock_stream.app import App
from bedrock_stream.handler import build_handler
from tests.functional.handler.handler_fakes import (
    Delayed,
    FakeBedrock,
    FakeContext,
    FakeStream,
    Hang,
    Raise,
    Sleep,
    client_error,
    converse_events,
    make_config,
    make_event,
    stream_error,
)

CHAT = make_event(body={"prompt": "hi"})


def assert_closed_and_reader_done(client: FakeBedrock) -> None:
    for stream in client.streams:
        assert stream.closed.is_set(), "the Bedrock stream was not closed"
        assert stream.iteration_ended.wait(2), "the reader thread is still iterating"


def test_throttle_is_retried_then_succeeds(run):
    sleeps: list[float] = []
    throttle = client_error("ThrottlingException", 429, "Too many requests")
    client = FakeBedrock([throttle, throttle, converse_events(["ok"])])
    stream = run(CHAT, client, sleeps=sleeps)
    assert stream.status == 200
    assert stream.text() == "ok"
    assert len(client.calls) == 3
    assert len(sleeps) == 2
    assert sleeps[1] >= sleeps[0] * 0.5 > 0  # backoff with jitter, not zero


def test_throttle_after_all_retries_is_429_with_retry_after(run):
    sleeps: list[float] = []
    client = FakeBedrock([client_error("ThrottlingException", 429)], repeat_last=True)
    stream = run(CHAT, client, config=make_config(max_attempts=3), sleeps=sleeps)
    assert len(client.calls) == 3
    assert len(sleeps) == 2
    assert stream.status == 429
    assert int(stream.headers["Retry-After"]) >= 1
    assert stream.json()["error"]["code"] == "throttled"
    assert stream.json()["error"]["retryable"] is True


def test_retries_stop_when_time_runs_out(run):
    sleeps: list[float] = []
    client = FakeBedrock([client_error("ServiceUnavailableException", 503)], repeat_last=True)
    config = make_config(
        max_attempts=10, backoff_base_s=1.0, backoff_cap_s=1.0, deadline_margin_s=0.5
    )
    stream = run(CHAT, client, config=config, context=FakeContext(remaining_s=1.2), sleeps=sleeps)
    # 1.2 s left minus 0.5 s margin leaves no room for a >= 0.5 s backoff plus an attempt
    assert len(client.calls) == 1
    assert stream.status == 503
    assert stream.json()["error"]["code"] == "unavailable"


@pytest.mark.parametrize(
    ("code", "http", "status", "app_code", "calls"),
    [
        ("AccessDeniedException", 403, 403, "model_access_denied", 1),
        ("ValidationException", 400, 400, "invalid_request", 1),
        ("ResourceNotFoundException", 404, 404, "model_not_found", 1),
        ("ModelTimeoutException", 408, 504, "upstream_timeout", 1),
        ("ModelErrorException", 424, 502, "upstream_error", 1),
        ("InternalServerException", 500, 502, "upstream_error", 4),
        ("ModelNotReadyException", 429, 503, "model_not_ready", 4),
    ],
)
def test_initial_errors_map_to_statuses(run, code, http, status, app_code, calls):  # noqa: PLR0917
    client = FakeBedrock([client_error(code, http, "nope")], repeat_last=True)
    stream = run(CHAT, client, sleeps=[])
    assert stream.status == status
    assert stream.json()["error"]["code"] == app_code
    assert code in stream.json()["error"]["message"]
    assert len(client.calls) == calls


def test_midstream_error_after_deltas_is_a_terminal_error_event(run):
    steps = [*converse_events(["Hello", " there"], stop_reason=None)[:3]]
    steps.append(Raise(stream_error("modelStreamErrorException", "model broke")))
    client = FakeBedrock([steps])
    stream = run(CHAT, client)
    assert stream.status == 200
    assert stream.text() == "Hello there"
    name, data = stream.terminal()
    assert name == "error"
    assert data["code"] == "model_stream_error"
    assert data["retryable"] is True
    assert [n for n, _ in stream.sse()].count("error") == 1
    assert_closed_and_reader_done(client)


def test_in_stream_throttling_is_throttled_event(run):
    client = FakeBedrock(
        [[{"messageStart": {"role": "assistant"}}, Raise(stream_error("throttlingException"))]]
    )
    stream = run(CHAT, client)
    assert stream.terminal() == (
        "error",
        {"code": "throttled", "message": "Bedrock throttlingException: boom", "retryable": True},
    )


def test_end_without_message_stop_is_an_error(run):
    client = FakeBedrock([converse_events(["cut"], stop_reason=None)])
    stream = run(CHAT, client)
    assert stream.text() == "cut"
    name, data = stream.terminal()
    assert name == "error"
    assert "messageStop" in data["message"]
    assert_closed_and_reader_done(client)


def test_stall_ends_with_upstream_stalled(run):
    client = FakeBedrock([[*converse_events(["one"], stop_reason=None)[:2], Hang()]])
    stream = run(CHAT, client, config=make_config(stall_timeout_s=0.3, keepalive_s=10))
    assert stream.text() == "one"
    name, data = stream.terminal()
    assert (name, data["code"]) == ("error", "upstream_stalled")
    # the error came after the stall, not before it
    writes = [c for c in stream.calls if c.kind == "write"]
    assert writes[-1].t - writes[-2].t >= 0.3
    assert_closed_and_reader_done(client)


def test_deadline_stops_before_the_timeout_and_ends_the_reader(run):
    # Given a function with 1.5 s left, a 1 s margin, and a model that keeps going for longer
    steps = [{"messageStart": {"role": "assistant"}}]
    for i in range(100):
        steps += [
            Sleep(0.05),
            {"contentBlockDelta": {"delta": {"text": f"{i} "}, "contentBlockIndex": 0}},
        ]
    client = FakeBedrock([steps])
    context = FakeContext(remaining_s=1.5)
    stream = run(CHAT, client, config=make_config(deadline_margin_s=1.0), context=context)
    # Then it stopped with `deadline` while the function still had about the margin left
    name, data = stream.terminal()
    assert (name, data["code"]) == ("error", "deadline")
    assert context.get_remaining_time_in_millis() > 500
    assert stream.text().startswith("0 1 ")
    assert_closed_and_reader_done(client)


def test_deadline_applies_during_silence_too(run):
    client = FakeBedrock([[{"messageStart": {"role": "assistant"}}, Hang()]])
    context = FakeContext(remaining_s=0.9)
    stream = run(
        CHAT, client, config=make_config(deadline_margin_s=0.5, stall_timeout_s=30), context=context
    )
    assert stream.terminal()[1]["code"] == "deadline"
    assert context.get_remaining_time_in_millis() > 300
    assert_closed_and_reader_done(client)


def test_keepalives_during_silence_for_sse(run):
    steps = [{"messageStart": {"role": "assistant"}}, Sleep(0.45), *converse_events(["late"])[1:]]
    client = FakeBedrock([steps])
    stream = run(CHAT, client, config=make_config(keepalive_s=0.1, stall_timeout_s=5))
    keepalives = [w for w in stream.writes if w == b": keepalive\n\n"]
    assert 2 <= len(keepalives) <= 5
    assert stream.text() == "late"
    assert stream.terminal()[0] == "done"


def test_no_keepalives_for_ndjson(run):
    steps = [{"messageStart": {"role": "assistant"}}, Sleep(0.3), *converse_events(["late"])[1:]]
    client = FakeBedrock([steps])
    event = make_event(body={"prompt": "hi", "format": "ndjson"})
    stream = run(event, client, config=make_config(keepalive_s=0.05))
    assert b"keepalive" not in stream.body


def test_text_format_error_line(run):
    steps = [
        *converse_events(["partial"], stop_reason=None)[:2],
        Raise(stream_error("internalServerException", "oops")),
    ]
    stream = run(make_event(body={"prompt": "hi", "format": "text"}), FakeBedrock([steps]))
    assert (
        stream.body == b"partial\n[error upstream_error: Bedrock internalServerException: oops]\n"
    )


def test_transport_failure_midstream(run):
    from urllib3.exceptions import ProtocolError

    steps = [
        *converse_events(["a"], stop_reason=None)[:2],
        Raise(ProtocolError("Connection broken")),
    ]
    client = FakeBedrock([steps])
    stream = run(CHAT, client)
    assert stream.terminal()[1]["code"] == "upstream_error"
    assert_closed_and_reader_done(client)


def test_stream_closed_on_success_too(run):
    client = FakeBedrock([converse_events(["x"])])
    run(CHAT, client)
    assert_closed_and_reader_done(client)


def test_no_answer_before_the_deadline_is_504_and_the_late_stream_is_closed(run):
    # Given Bedrock takes 1.5 s to answer the call and the function has 1 s before its margin
    client = FakeBedrock([Delayed(1.5, converse_events(["late"]))])
    context = FakeContext(remaining_s=1.5)
    started = time.monotonic()
    stream = run(CHAT, client, config=make_config(deadline_margin_s=0.5), context=context)
    # Then the client gets 504 upstream_timeout in time, not a function timeout
    assert time.monotonic() - started < 1.4
    assert stream.status == 504
    assert stream.json()["error"]["code"] == "upstream_timeout"
    # And the stream that opened too late is closed, not leaked
    deadline = time.monotonic() + 3
    while not client.streams and time.monotonic() < deadline:
        time.sleep(0.02)
    assert client.streams[0].closed.wait(2)


def test_deadline_counts_from_when_the_stream_opened_not_from_the_request(run):
    # Given Bedrock takes 0.8 s to open and the function has 2 s (0.5 s margin)
    client = FakeBedrock([Delayed(0.8, [{"messageStart": {"role": "assistant"}}, Hang()])])
    config = make_config(deadline_margin_s=0.5, stall_timeout_s=30)
    started = time.monotonic()
    stream = run(CHAT, client, config=config, context=FakeContext(remaining_s=2.0))
    # Then the stream runs until about 1.5 s, not stopping at once
    assert stream.terminal()[1]["code"] == "deadline"
    assert time.monotonic() - started >= 1.3


class BrokenStream(FakeStream):
    """A response stream whose connection breaks after a few writes."""

    def __init__(self, writes_before_break: int) -> None:
        super().__init__()
        self.left = writes_before_break

    def write(self, data: bytes | str) -> None:
        if self.left == 0:
            raise BrokenPipeError("runtime connection lost")
        self.left -= 1
        super().write(data)


def test_a_broken_response_stream_still_closes_bedrock_and_returns():
    steps = [{"messageStart": {"role": "assistant"}}]
    steps += [{"contentBlockDelta": {"delta": {"text": "x"}, "contentBlockIndex": 0}}] * 50
    client = FakeBedrock([[*steps, Hang()]])
    app = App.from_config(make_config(), client)
    stream = BrokenStream(writes_before_break=3)
    build_handler(lambda: app)(CHAT, FakeContext(), stream=stream)
    assert len(stream.writes) == 3
    assert_closed_and_reader_done(client)


def test_in_stream_validation_error_is_not_retryable(run):
    steps = [{"messageStart": {"role": "assistant"}}, Raise(stream_error("validationException"))]
    stream = run(CHAT, FakeBedrock([steps]))
    name, data = stream.terminal()
    assert (name, data["code"], data["retryable"]) == ("error", "upstream_error", False)
