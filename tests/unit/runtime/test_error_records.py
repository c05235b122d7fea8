"""X-Ray error causes and the runtime's error log records, byte for byte where it matters."""

from __future__ import annotations

import io
import json
import os
import struct

import pytest

from streaming_runtime.client import sized_request
from streaming_runtime.errors import error_payload
from streaming_runtime.logsink import (
    JSON_ERROR_FRAME,
    TELEMETRY_FD_VARIABLE,
    TEXT_ERROR_FRAME,
    FramedSink,
    LineSink,
    frame,
    open_sink,
    text_record,
)
from streaming_runtime.loop import run
from streaming_runtime.transport import TransportError
from streaming_runtime.types import ErrorPayload, XRayStackFrame
from streaming_runtime.xray import MAX_CAUSE_BYTES, cause_of, stack_frames, xray_cause


def _raise_inner() -> None:
    raise ValueError("bad\nthing ☃")


def _raise_outer() -> None:
    _raise_inner()


def _caught() -> BaseException:
    try:
        _raise_outer()
    except ValueError as exc:
        return exc
    raise AssertionError("unreachable")


PAYLOAD: ErrorPayload = {
    "errorMessage": "bad\nthing",
    "errorType": "ValueError",
    "stackTrace": [
        '  File "/t/a.py", line 3, in f\n    g()',
        '  File "/t/b.py", line 9, in g\n    x',
    ],
}


def test_the_cause_has_aws_shape_with_frames_outermost_first() -> None:
    exc = _caught()
    cause = json.loads(cause_of(exc, error_payload(exc)))
    assert cause["working_directory"] == os.getcwd()
    (exception,) = cause["exceptions"]
    assert (exception["type"], exception["message"]) == ("ValueError", "bad\nthing ☃")
    labels = [frame["label"] for frame in exception["stack"]]
    assert labels == ["_caught", "_raise_outer", "_raise_inner"]
    assert cause["paths"] == [__file__]
    assert all(frame["path"] == __file__ and frame["line"] > 0 for frame in exception["stack"])


def test_the_cause_is_one_ascii_line() -> None:
    exc = _caught()
    text = cause_of(exc, error_payload(exc))
    assert text.isascii()
    assert "\n" not in text
    assert "\r" not in text


@pytest.mark.parametrize("char", ["m", "\U0001f600", "\n"])
def test_a_huge_cause_is_cut_to_the_innermost_frames_that_fit(char: str) -> None:
    frames: list[XRayStackFrame] = [
        {"path": f"/var/task/module_{i}.py", "line": i, "label": f"function_{i}"}
        for i in range(5000)
    ]
    text = xray_cause(char * 1_000_000, char * 1_000_000, frames, "/var/task")
    assert 0 < len(text) <= MAX_CAUSE_BYTES
    cause = json.loads(text)
    (exception,) = cause["exceptions"]
    assert exception["message"] == char * 512
    kept = exception["stack"]
    assert 0 < len(kept) < 5000
    assert kept == frames[-len(kept) :]  # the innermost ones, in order
    assert cause["paths"] == [frame["path"] for frame in kept]


def test_repeated_paths_are_listed_once() -> None:
    frames: list[XRayStackFrame] = [
        {"path": "/a.py", "line": 1, "label": "f"},
        {"path": "/b.py", "line": 2, "label": "g"},
        {"path": "/a.py", "line": 3, "label": "h"},
    ]
    assert json.loads(xray_cause("E", "m", frames, "/"))["paths"] == ["/a.py", "/b.py"]


def test_stack_frames_of_an_exception_without_traceback_are_empty() -> None:
    assert stack_frames(ValueError("never raised")) == []


def test_the_error_request_carries_the_cause_header() -> None:
    raw = sized_request("h", "POST", "/e", b"{}", "ValueError", xray_cause='{"a":1}')
    assert raw == (
        b"POST /e HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
        b"Lambda-Runtime-Function-Error-Type: ValueError\r\n"
        b'Lambda-Runtime-Function-XRay-Error-Cause: {"a":1}\r\n'
        b"Content-Length: 2\r\n\r\n{}"
    )


# --- log records ----------------------------------------------------------------------------


def test_a_frame_is_type_length_timestamp_message_big_endian() -> None:
    assert (
        frame("héllo", TEXT_ERROR_FRAME, 1_700_000_000_123_456)
        == (b"\xa5\x5a\x00\x17" + b"\x00\x00\x00\x06" + struct.pack(">Q", 1_700_000_000_123_456))
        + "héllo".encode()
    )


def test_the_text_record_keeps_the_traceback_on_its_lines() -> None:
    assert text_record("rid", PAYLOAD).split("\n") == [
        "[ERROR] ValueError: bad",
        "thing",
        "RequestId: rid",
        "Traceback (most recent call last):",
        '  File "/t/a.py", line 3, in f',
        "    g()",
        '  File "/t/b.py", line 9, in g',
        "    x",
    ]


def test_the_line_sink_writes_exactly_one_line() -> None:
    out = io.StringIO()
    LineSink(out).record("rid", PAYLOAD)
    text = out.getvalue()
    assert text.count("\n") == 1
    assert text.endswith("\n")
    assert text.startswith("[ERROR] ")
    record = json.loads(text[len("[ERROR] ") :])
    assert record == {"level": "ERROR", "requestId": "rid", **PAYLOAD}


def _read_frames(fd: int) -> list[tuple[int, str]]:
    data = os.read(fd, 1 << 20)
    frames = []
    while data:
        frame_type, length, _stamp = struct.unpack(">IIQ", data[:16])
        frames.append((frame_type, data[16 : 16 + length].decode()))
        data = data[16 + length :]
    return frames


@pytest.mark.parametrize("log_format", ["", "Text", "JSON"])
def test_open_sink_takes_the_pipe_and_removes_the_variable(log_format: str) -> None:
    read_end, write_end = os.pipe()
    try:
        environ = {TELEMETRY_FD_VARIABLE: str(write_end), "AWS_LAMBDA_LOG_FORMAT": log_format}
        sink = open_sink(environ)
        assert TELEMETRY_FD_VARIABLE not in environ
        assert isinstance(sink, FramedSink)
        sink.record("rid", PAYLOAD)
        sink.record("rid2", PAYLOAD)
        frames = _read_frames(read_end)
        assert len(frames) == 2  # one frame per record, whatever its line count
        frame_type, message = frames[0]
        if log_format == "JSON":
            assert frame_type == JSON_ERROR_FRAME
            record = json.loads(message)
            assert (record["level"], record["requestId"]) == ("ERROR", "rid")
            assert record["stackTrace"] == PAYLOAD["stackTrace"]
            assert record["timestamp"].endswith("Z")
        else:
            assert frame_type == TEXT_ERROR_FRAME
            assert message == text_record("rid", PAYLOAD)
        sink.file.close()
    finally:
        os.close(read_end)


@pytest.mark.parametrize("value", [None, "", "not-a-number", "987654"])
def test_without_a_usable_pipe_the_sink_writes_lines(value: str | None) -> None:
    environ = {} if value is None else {TELEMETRY_FD_VARIABLE: value}
    assert isinstance(open_sink(environ), LineSink)
    assert TELEMETRY_FD_VARIABLE not in environ


class _Recording:
    def __init__(self) -> None:
        self.records: list[tuple[str, ErrorPayload]] = []

    def record(self, request_id: str, payload: ErrorPayload) -> None:
        self.records.append((request_id, payload))


class _Invocation:
    def __init__(self, request_id: str) -> None:
        self.request_id = request_id


def test_run_logs_a_broken_connection_as_one_record_and_goes_on() -> None:
    seen: list[str] = []

    def invoke(invocation: _Invocation) -> None:
        seen.append(invocation.request_id)
        if invocation.request_id == "a":
            try:
                raise OSError("reset")
            except OSError as exc:
                raise TransportError("Runtime API send failed: reset") from exc

    sink = _Recording()
    count = run(invoke, [_Invocation("a"), _Invocation("b")], sink)  # type: ignore[arg-type, list-item]
    assert (count, seen) == (2, ["a", "b"])
    ((request_id, payload),) = sink.records
    assert request_id == "a"
    assert payload["errorType"] == "TransportError"
    assert any("invoke" in line for line in payload["stackTrace"])
