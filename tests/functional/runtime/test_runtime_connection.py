"""The Runtime API connection breaking mid-response.

The recording Runtime API resets the connection after a few chunks of a streamed response
(as a failing network would). Nothing of that response may then arrive on a new connection
(the server would read it as a garbled request), the handler's further writes fail at once,
and the next invocation is served on a new connection.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

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
