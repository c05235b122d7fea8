"""The runtime's own error records: each is one log event, however many lines it holds.

CloudWatch makes one event of each line a function writes to stdout or stderr, so a
traceback printed there is scattered over many events. Lambda also hands the runtime a
framed log pipe, whose descriptor is in ``_LAMBDA_TELEMETRY_LOG_FD``, where one frame is one
event. AWS documents neither; the framing here is what AWS's own Python runtime client does
(awslambdaric: bootstrap.py FramedTelemetryLogSink, lambda_runtime_log_utils.py): a 4-byte
frame type (which also carries the level and the log format), a 4-byte length, an 8-byte
timestamp in microseconds, then the UTF-8 message, all big-endian. The record is JSON when
the function's log format is JSON (AWS_LAMBDA_LOG_FORMAT,
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html).
Without the pipe (the local twin, tests) each record is one JSON line on stderr.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import time
from collections.abc import MutableMapping
from typing import IO, Protocol

from streaming_runtime.types import ErrorPayload

TELEMETRY_FD_VARIABLE = "_LAMBDA_TELEMETRY_LOG_FD"
# Frame types of an ERROR record in text and in JSON log format (awslambdaric's values).
TEXT_ERROR_FRAME = 0xA55A0017
JSON_ERROR_FRAME = 0xA55A0016
_HEADER = struct.Struct(">IIQ")


def frame(message: str, frame_type: int, timestamp_us: int) -> bytes:
    """One telemetry log frame: type, length, timestamp (microseconds), message."""
    data = message.encode("utf-8", "backslashreplace")
    return _HEADER.pack(frame_type, len(data), timestamp_us) + data


def text_record(request_id: str, payload: ErrorPayload) -> str:
    """The error as readable lines: type and message, request id, then the traceback."""
    lines = [f"[ERROR] {payload['errorType']}: {payload['errorMessage']}"]
    lines.append(f"RequestId: {request_id}")
    if payload["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.extend(payload["stackTrace"])
    return "\n".join(lines)


def json_record(request_id: str, payload: ErrorPayload, now: float) -> str:
    """The error as one JSON object, with the fields of Lambda's JSON log format."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"
    return json.dumps({"timestamp": stamp, "level": "ERROR", "requestId": request_id, **payload})


class LogSink(Protocol):
    """Where the runtime writes an error record."""

    def record(self, request_id: str, payload: ErrorPayload) -> None:
        """Write one record for the error of an invocation (or of the init)."""


class LineSink:
    """One line per record (JSON escapes every newline), in the runtime's ``[ERROR]`` style."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream

    def record(self, request_id: str, payload: ErrorPayload) -> None:
        """Write the record as one line."""
        stream = self.stream or sys.stderr
        record = {"level": "ERROR", "requestId": request_id, **payload}
        stream.write(f"[ERROR] {json.dumps(record)}\n")
        stream.flush()


class FramedSink:
    """One telemetry frame per record, on Lambda's log pipe."""

    def __init__(self, fd: int, *, json_format: bool, fallback: LogSink) -> None:
        self.file = os.fdopen(fd, "wb", buffering=0)
        self.json_format = json_format
        self.fallback = fallback

    def record(self, request_id: str, payload: ErrorPayload) -> None:
        """Write the record as one frame; on the line sink if the pipe fails."""
        now = time.time()
        if self.json_format:
            data = frame(json_record(request_id, payload, now), JSON_ERROR_FRAME, int(now * 1e6))
        else:
            data = frame(text_record(request_id, payload), TEXT_ERROR_FRAME, int(now * 1e6))
        try:
            self.file.write(data)
        except OSError:
            self.fallback.record(request_id, payload)


def open_sink(environ: MutableMapping[str, str]) -> LogSink:
    """The framed sink when Lambda gave a usable log pipe, else one line per record on stderr.

    The variable is removed, as awslambdaric does, so that processes the handler starts do
    not write into the pipe.
    """
    lines = LineSink()
    raw = environ.pop(TELEMETRY_FD_VARIABLE, "")
    try:
        fd = int(raw)
        os.fstat(fd)
    except (ValueError, OSError):
        return lines
    json_format = environ.get("AWS_LAMBDA_LOG_FORMAT", "").strip().upper() == "JSON"
    return FramedSink(fd, json_format=json_format, fallback=lines)
