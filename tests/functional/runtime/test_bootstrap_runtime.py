"""The real bootstrap and runtime, run as Lambda runs them, against a recording Runtime API."""

from __future__ import annotations

import base64
import itertools
import json
import os
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.functional.runtime.conftest import BOOTSTRAP, TASK_ROOT, Environment

PRELUDE_TYPE = "application/vnd.awslambda.http-integration-response"
NUL8 = b"\0" * 8
Start = Callable[..., Environment]


def _event(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def test_streams_prelude_and_chunks_with_streaming_headers(start_runtime: Start) -> None:
    env = start_runtime("handlers.stream_chunks")
    invocation = env.api.submit(
        _event(
            status=201,
            headers={"content-type": "text/plain"},
            cookies=["a=1"],
            chunks=["one ", "two ", "three"],
        )
    )
    assert invocation.wait(10)
    response = invocation.response
    assert response is not None
    assert invocation.outcome == "streaming"
    assert response.path == f"/2018-06-01/runtime/invocation/{invocation.request_id}/response"
    assert response.header("Lambda-Runtime-Function-Response-Mode") == "streaming"
    assert response.header("Transfer-Encoding") == "chunked"
    assert response.header("Content-Type") == PRELUDE_TYPE
    assert response.header("Trailer") == (
        "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"
    )
    assert response.body == (
        b'{"statusCode":201,"headers":{"content-type":"text/plain"},"cookies":["a=1"]}'
        + NUL8
        + b"one two three"
    )
    # The prelude travels alone; each write is a chunk of its own.
    assert [data for _, data in response.chunks][1:] == [b"one ", b"two ", b"three"]
    assert response.trailers == []
    assert response.complete


def test_chunks_arrive_as_they_are_written(start_runtime: Start) -> None:
    env = start_runtime("handlers.stream_chunks")
    pause = 0.15
    invocation = env.api.submit(_event(status=200, chunks=["a", "b", "c", "d"], pause_s=pause))
    arrivals = []
    for data in invocation.iter_body(timeout=10):
        arrivals.append((time.monotonic(), data))
    times = [at for at, data in arrivals if data in (b"a", b"b", b"c", b"d")]
    assert len(times) == 4
    # Three pauses separate the first write from the last; buffering would collapse them.
    assert times[-1] - times[0] >= 3 * pause * 0.8
    assert all(later - earlier >= pause * 0.5 for earlier, later in itertools.pairwise(times))


def test_write_without_start_gets_a_default_200(start_runtime: Start) -> None:
    env = start_runtime("handlers.stream_chunks")
    invocation = env.api.submit(_event(chunks=["x"]))
    assert invocation.wait(10)
    assert invocation.response is not None
    assert invocation.response.body == (
        b'{"statusCode":200,"headers":{"content-type":"application/octet-stream"},"cookies":[]}'
        + NUL8
        + b"x"
    )


def test_an_empty_response_still_ends_cleanly(start_runtime: Start) -> None:
    env = start_runtime("handlers.returns_nothing")
    invocation = env.api.submit(b"{}")
    assert invocation.wait(10), "an empty body must not hang"
    assert invocation.outcome == "streaming"
    assert invocation.response is not None
    assert invocation.response.complete
    assert invocation.response.body.endswith(NUL8)


def test_early_exception_is_posted_to_error_and_the_loop_goes_on(start_runtime: Start) -> None:
    env = start_runtime("handlers.fail_early")
    first = env.api.submit(_event(message="nope"))
    assert first.wait(10)
    assert first.outcome == "error"
    assert first.response is not None
    assert first.response.path.endswith(f"/invocation/{first.request_id}/error")
    assert first.response.header("Lambda-Runtime-Function-Error-Type") == "ValueError"
    error = json.loads(first.response.body)
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "nope"
    assert any("fail_early" in line for line in error["stackTrace"])
    second = env.api.submit(_event(message="again"))
    assert second.wait(10)
    assert second.outcome == "error"
    assert env.process.poll() is None


def test_late_exception_keeps_the_bytes_and_ends_with_error_trailers(start_runtime: Start) -> None:
    env = start_runtime("handlers.fail_late")
    invocation = env.api.submit(_event(chunks=["kept ", "text"], message="mid-stream"))
    assert invocation.wait(10)
    response = invocation.response
    assert response is not None
    assert invocation.outcome == "streaming"
    assert response.body.endswith(NUL8 + b"kept text")
    assert response.trailer("Lambda-Runtime-Function-Error-Type") == "RuntimeError"
    body = response.trailer("Lambda-Runtime-Function-Error-Body")
    assert body is not None
    error = json.loads(base64.b64decode(body, validate=True))
    assert (error["errorType"], error["errorMessage"]) == ("RuntimeError", "mid-stream")
    # The loop survives and serves the next invocation.
    follow_up = env.api.submit(_event(chunks=["again"]))
    assert follow_up.wait(10)
    assert follow_up.response is not None
    assert follow_up.response.body.endswith(b"again")


def test_context_and_trace_id_change_per_invocation(start_runtime: Start) -> None:
    env = start_runtime("handlers.report_context")
    deadline = int(time.time() * 1000) + 60_000
    seen = []
    for trace in ("Root=1-aaaa-1;Sampled=1", "Root=1-bbbb-2;Sampled=0", None):
        invocation = env.api.submit(b'{"n": 1}', deadline_ms=deadline, trace_id=trace)
        assert invocation.wait(10)
        assert invocation.response is not None
        report = json.loads(invocation.response.body.split(NUL8, 1)[1])
        assert report["aws_request_id"] == invocation.request_id
        assert report["trace_id"] == trace
        seen.append(report)
    first = seen[0]
    assert first["event"] == {"n": 1}
    assert first["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:local"
    assert (first["function_name"], first["memory_limit_in_mb"]) == ("runtime-test", 256)
    assert first["log_group_name"] == "/aws/lambda/runtime-test"
    assert 50_000 < first["remaining_ms"] <= 60_000
    assert len({report["aws_request_id"] for report in seen}) == 3


def test_buffered_handlers_post_their_result(start_runtime: Start) -> None:
    env = start_runtime("handlers.buffered")
    invocation = env.api.submit(_event(body="hi"))
    assert invocation.wait(10)
    assert invocation.outcome == "buffered"
    assert invocation.response is not None
    assert invocation.response.header("Lambda-Runtime-Function-Response-Mode") is None
    assert json.loads(invocation.response.body) == {
        "statusCode": 201,
        "headers": {"content-type": "text/plain"},
        "body": "hi",
    }


def _init_error(env: Environment) -> dict[str, object]:
    request = env.api.wait_init_error(15)
    assert request is not None, "no init error was reported"
    assert env.wait_exit() != 0
    error = json.loads(request.body)
    assert request.header("Lambda-Runtime-Function-Error-Type") == error["errorType"]
    return error


def test_missing_module_is_an_init_error(start_runtime: Start) -> None:
    error = _init_error(start_runtime("no_such_module.handler", ready=False))
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert "no_such_module" in str(error["errorMessage"])


def test_missing_function_is_an_init_error(start_runtime: Start) -> None:
    error = _init_error(start_runtime("handlers.no_such_handler", ready=False))
    assert error["errorType"] == "Runtime.HandlerNotFound"


def test_module_failing_at_import_is_an_init_error(start_runtime: Start) -> None:
    error = _init_error(start_runtime("broken.handler", ready=False))
    assert error["errorType"] == "KeyError"
    assert "missing configuration" in str(error["errorMessage"])


def test_wrapper_uses_the_given_interpreter_and_never_runs_the_original_command(
    start_runtime: Start, tmp_path: Path
) -> None:
    marker = tmp_path / "original-ran"
    original = tmp_path / "original_bootstrap.py"
    original.write_text(f"open({str(marker)!r}, 'w').close()\n")
    used = tmp_path / "interpreter-used"
    interpreter = tmp_path / "python3.13"
    interpreter.write_text(f'#!/bin/sh\necho "$@" > {used}\nexec {sys.executable} "$@"\n')
    interpreter.chmod(interpreter.stat().st_mode | stat.S_IXUSR)
    env = start_runtime(
        "handlers.report_sys_path", interpreter=str(interpreter), original_args=(str(original),)
    )
    invocation = env.api.submit(b"{}")
    assert invocation.wait(10)
    assert invocation.response is not None
    report = json.loads(invocation.response.body.split(NUL8, 1)[1])
    assert used.read_text().split() == ["-u", "-m", "streaming_runtime"]
    assert not marker.exists()
    path = report["sys_path"]
    assert path.index(str(TASK_ROOT)) < path.index("/opt/python")
    assert any(entry.startswith("/opt/python/lib/python3.") for entry in path)


def test_bootstrap_is_executable() -> None:
    assert os.access(BOOTSTRAP, os.X_OK)
