"""The Runtime API connection breaking mid-response, and how the runtime logs it.

The recording Runtime API resets the connection after a few chunks of a streamed response
(as a failing network would). Nothing of that response may then arrive on a new connection
(the server would read it as a garbled request), the handler's further writes fail at once,
the failure is logged as one record, and the next invocation is served on a new connection.
"""

from __future__ import annotations

import json
import os
import select
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from streaming_runtime.logsink import TEXT_ERROR_FRAME
from tests.functional.runtime.conftest import Environment

NUL8 = b"\0" * 8
Start = Callable[..., Environment]


def _event(report: Path, **fields: object) -> bytes:
    return json.dumps({"report": str(report), **fields}).encode()


def test_a_dropped_response_is_never_continued_on_a_new_connection(
    start_runtime: Start, tmp_path: Path
) -> None:
    # Given a handler that keeps writing, and a Runtime API that resets after 3 chunks
    env = start_runtime("handlers.write_until_broken")
    report = tmp_path / "writes.json"
    dropped = env.api.submit(_event(report), drop_after_chunks=3)
    assert dropped.wait(20)
    assert (dropped.outcome, dropped.failure) == ("truncated", "dropped by the Runtime API")
    # When the next invocation comes
    follow_up = env.api.submit(_event(tmp_path / "second.json", max_writes=2))
    assert follow_up.wait(20), "the runtime did not serve the next invocation"
    # Then it is served completely, on a new connection
    assert follow_up.outcome == "streaming"
    assert follow_up.response is not None
    assert follow_up.response.body.endswith(NUL8 + b"chunk-0;chunk-1;")
    assert follow_up.response.trailers == []
    # And nothing of the cut response reached the server as (part of) another request
    assert env.api.wait_ready(10)
    assert env.api.malformed == []
    paths = [request.path for request in env.api.requests]
    assert paths == [
        "/2018-06-01/runtime/invocation/next",
        f"/2018-06-01/runtime/invocation/{dropped.request_id}/response",
        "/2018-06-01/runtime/invocation/next",
        f"/2018-06-01/runtime/invocation/{follow_up.request_id}/response",
        "/2018-06-01/runtime/invocation/next",
    ]
    # And once a write failed, every later write of that handler failed too (none reconnected)
    outcomes = json.loads(report.read_text())
    first_failure = next(i for i, outcome in enumerate(outcomes) if outcome != "ok")
    assert outcomes[first_failure:] == ["TransportError"] * (len(outcomes) - first_failure)
    assert len(outcomes) - first_failure == 6
    assert env.process.poll() is None


@pytest.fixture
def log_pipe() -> Iterator[tuple[int, int]]:
    """A pipe standing in for Lambda's telemetry log descriptor: (read end, write end)."""
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    yield read_end, write_end
    os.close(read_end)
    os.close(write_end)


def _frames(read_end: int, timeout: float = 10.0) -> list[tuple[int, int, str]]:
    """Every frame written so far: (frame type, timestamp in microseconds, message)."""
    data = b""
    while select.select([read_end], [], [], timeout)[0]:
        try:
            chunk = os.read(read_end, 1 << 16)
        except BlockingIOError:
            break
        if not chunk:
            break
        data += chunk
        timeout = 0.2  # the rest of what is there
    frames = []
    while data:
        frame_type, length, stamp = struct.unpack(">IIQ", data[:16])
        frames.append((frame_type, stamp, data[16 : 16 + length].decode()))
        data = data[16 + length :]
    return frames


def test_the_broken_connection_is_logged_as_one_framed_record(
    start_runtime: Start, tmp_path: Path, log_pipe: tuple[int, int]
) -> None:
    # Given Lambda's framed log pipe (the runtime takes it from _LAMBDA_TELEMETRY_LOG_FD)
    read_end, write_end = log_pipe
    env = start_runtime(
        "handlers.write_until_broken",
        env={"_LAMBDA_TELEMETRY_LOG_FD": str(write_end)},
        pass_fds=(write_end,),
    )
    # When a response is cut and the next invocation is served
    dropped = env.api.submit(_event(tmp_path / "a.json"), drop_after_chunks=2)
    assert dropped.wait(20)
    follow_up = env.api.submit(_event(tmp_path / "b.json", max_writes=1))
    assert follow_up.wait(20)
    # Then the failure is one frame (one CloudWatch event) holding the whole traceback
    frames = _frames(read_end)
    assert len(frames) == 1
    frame_type, stamp, message = frames[0]
    assert frame_type == TEXT_ERROR_FRAME
    assert stamp > 1_700_000_000 * 1_000_000  # microseconds since the epoch
    lines = message.split("\n")
    assert lines[0].startswith("[ERROR] TransportError: ")
    assert lines[1] == f"RequestId: {dropped.request_id}"
    assert lines[2] == "Traceback (most recent call last):"
    assert len(lines) > 4
    assert any("transport.py" in line for line in lines)
