"""Handlers that misuse the runtime: each gets a defined outcome at the Runtime API.

The real bootstrap runs each handler from task/handlers.py against the recording Runtime
API. An exception (from the handler or from a stream call it misuses) is posted to /error
before the first byte, or ends the open response with the error trailers after it; either
way the loop serves the next invocation, as Lambda's Python runtime does.

Exceptions that are not `Exception`s (SystemExit, KeyboardInterrupt, GeneratorExit) end the
runtime process, as they end Lambda's own Python runtime: nothing is posted for the
invocation; the platform answers it with Runtime.ExitError and discards the environment
(the twin's pool does the same, see test_twin_adversarial and test_twin_lifecycle). Reporting
first and then exiting would race: the platform could hand the next event to the dying
environment.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from local.runtime_api.invocation import Invocation
from streaming_runtime.framing import (
    ERROR_BODY_TRAILER,
    ERROR_TYPE_TRAILER,
    MAX_TRAILER_ERROR_BYTES,
    error_trailers,
)
from streaming_runtime.types import ErrorPayload
from tests.functional.runtime.conftest import ROOT, Environment

NUL8 = b"\0" * 8
Start = Callable[..., Environment]


def _submit(env: Environment, **fields: Any) -> Invocation:
    invocation = env.api.submit(json.dumps(fields).encode())
    assert invocation.wait(20), "the invocation got no outcome"
    return invocation


def _error(invocation: Invocation) -> dict[str, Any]:
    """The error posted to /error before the first byte."""
    assert invocation.outcome == "error"
    response = invocation.response
    assert response is not None
    error = json.loads(response.body)
    assert response.header("Lambda-Runtime-Function-Error-Type") == error["errorType"]
    assert isinstance(error["errorMessage"], str)
    assert isinstance(error["stackTrace"], list)
    return error


def _trailer_error(invocation: Invocation) -> dict[str, Any]:
    """The error carried by the trailers of a started response."""
    assert invocation.outcome == "streaming"
    response = invocation.response
    assert response is not None
    assert response.complete
    body = response.trailer("Lambda-Runtime-Function-Error-Body")
    assert body is not None, "no error trailers"
    error = json.loads(base64.b64decode(body, validate=True))
    assert response.trailer("Lambda-Runtime-Function-Error-Type") == error["errorType"]
    return error


def _still_serving(env: Environment) -> None:
    """The loop survived: the next invocation gets an answer from the same process."""
    assert env.process.poll() is None
    follow_up = _submit(env, chunks=["next"], start=False, value="next")
    assert follow_up.response is not None
    assert follow_up.response.body.endswith(b"next")
    assert env.process.poll() is None


@pytest.mark.parametrize("value", [42, [1, 2], {"a": 1}, None, 1.5, True])
def test_writing_a_non_bytes_value_before_start_is_an_error(start_runtime: Start, value) -> None:
    env = start_runtime("handlers.write_value")
    error = _error(_submit(env, value=value))
    assert error["errorType"] == "TypeError"
    assert "bytes or str" in error["errorMessage"]
    _still_serving(env)


def test_writing_a_non_bytes_value_after_start_ends_with_trailers(start_runtime: Start) -> None:
    env = start_runtime("handlers.write_value")
    invocation = _submit(env, value={"a": 1}, start=True)
    assert invocation.response is not None
    assert invocation.response.body.endswith(NUL8 + b"before ")
    assert _trailer_error(invocation)["errorType"] == "TypeError"
    _still_serving(env)


def test_write_after_close_keeps_the_complete_response(start_runtime: Start) -> None:
    env = start_runtime("handlers.write_after_close")
    invocation = _submit(env)
    response = invocation.response
    assert response is not None
    assert invocation.outcome == "streaming"
    assert response.complete
    assert response.body.endswith(NUL8 + b"complete")
    assert response.trailers == []  # the response was already complete; the error is logged
    second = _submit(env)
    assert second.outcome == "streaming"
    assert env.process.poll() is None


def test_start_twice_ends_the_response_with_trailers(start_runtime: Start) -> None:
    env = start_runtime("handlers.start_twice")
    invocation = _submit(env)
    assert invocation.response is not None
    assert invocation.response.body.endswith(NUL8 + b"first")
    error = _trailer_error(invocation)
    assert error["errorType"] == "StreamStateError"
    assert "already started" in error["errorMessage"]
    assert _submit(env).outcome == "streaming"
    assert env.process.poll() is None


@pytest.mark.parametrize(
    ("status", "headers", "error_type"),
    [
        (999, None, "ValueError"),
        ("200", None, "ValueError"),
        (True, None, "ValueError"),
        (None, None, "ValueError"),
        (200, ["not", "a", "map"], "AttributeError"),
    ],
)
def test_invalid_start_arguments_are_an_error(start_runtime: Start, status, headers, error_type):
    env = start_runtime("handlers.bad_start")
    assert _error(_submit(env, status=status, headers=headers))["errorType"] == error_type
    assert _submit(env, status=201).outcome == "streaming"
    assert env.process.poll() is None


def test_a_buffered_result_that_is_not_json_is_an_error(start_runtime: Start) -> None:
    env = start_runtime("handlers.unserializable")
    error = _error(_submit(env))
    assert error["errorType"] == "TypeError"
    assert "not JSON serializable" in error["errorMessage"]
    assert _error(_submit(env))["errorType"] == "TypeError"
    assert env.process.poll() is None


@pytest.mark.parametrize("started", [False, True])
def test_an_exception_that_cannot_be_formatted_is_still_reported(start_runtime: Start, started):
    env = start_runtime("handlers.raise_unprintable")
    invocation = _submit(env, start=started)
    error = _trailer_error(invocation) if started else _error(invocation)
    assert error["errorType"] == "_Unprintable"
    assert env.process.poll() is None
    assert _submit(env, start=False).outcome == "error"


@pytest.mark.parametrize("size", [100_000, 1_000_000])
@pytest.mark.parametrize("started", [False, True])
def test_a_huge_error_message_is_reported_and_the_loop_goes_on(start_runtime: Start, size, started):
    env = start_runtime("handlers.huge_error")
    invocation = _submit(env, size=size, start=started)
    error = _trailer_error(invocation) if started else _error(invocation)
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"].startswith("mmm")
    assert env.process.poll() is None
    assert _submit(env, size=10, start=False).outcome == "error"


@pytest.mark.parametrize(
    ("kind", "code"), [("SystemExit", 3), ("KeyboardInterrupt", None), ("GeneratorExit", None)]
)
@pytest.mark.parametrize("started", [False, True])
def test_base_exceptions_end_the_process_as_in_lambda(start_runtime: Start, kind, code, started):
    env = start_runtime("handlers.raise_base")
    invocation = env.api.submit(json.dumps({"kind": kind, "start": started}).encode())
    # As Lambda's Python runtime does, the process ends (nothing is posted for the invocation:
    # the platform answers it with Runtime.ExitError and starts a fresh environment).
    returncode = env.wait_exit(10)
    assert returncode != 0
    if code is not None:
        assert returncode == code
    if started:
        # The response was open: its body is cut short, which the Runtime API records.
        assert invocation.wait(10)
        assert invocation.outcome == "truncated"
        assert invocation.response is not None
        assert invocation.response.body.endswith(NUL8 + b"partial")
        assert invocation.response.trailers == []
    else:
        assert not invocation.wait(0.2)
        assert invocation.response is None


def test_huge_output_on_stdout_and_stderr_does_not_block_the_answer(start_runtime: Start) -> None:
    env = start_runtime("handlers.print_huge")
    invocation = _submit(env, mb=4)
    assert invocation.outcome == "streaming"
    assert invocation.response is not None
    assert invocation.response.body.endswith(b"printed")
    assert env.process.poll() is None


def test_a_10_mb_chunk_goes_out_whole(start_runtime: Start) -> None:
    env = start_runtime("handlers.big_chunk")
    invocation = _submit(env, mb=10)
    response = invocation.response
    assert response is not None
    assert invocation.outcome == "streaming"
    assert response.complete
    assert response.trailers == []
    body = response.body
    prelude_end = body.index(NUL8) + len(NUL8)
    assert len(body) - prelude_end == 10 * 1024 * 1024 + 3
    assert body.endswith(b"xxxend")
    assert _submit(env, mb=1).outcome == "streaming"
    assert env.process.poll() is None


def test_the_runtime_module_exits_cleanly_without_an_api() -> None:
    # Not a handler misbehaving, but the same promise: a defined exit, no traceback.
    result = subprocess.run(
        [sys.executable, "-m", "streaming_runtime"],
        env={"PYTHONPATH": str(ROOT / "lambda_src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize("char", ["m", "\u2028", "\U0001f600", "\x00"])
def test_error_trailers_stay_one_bounded_line_for_any_error(char: str) -> None:
    payload: ErrorPayload = {
        "errorType": char * 100_000,
        "errorMessage": char * 1_000_000,
        "stackTrace": ["frame " * 200] * 2000,
    }
    (type_name, type_value), (body_name, body) = error_trailers(payload)
    assert (type_name, body_name) == (ERROR_TYPE_TRAILER, ERROR_BODY_TRAILER)
    assert len(type_value) <= 1024
    assert len(body) <= MAX_TRAILER_ERROR_BYTES * 4 // 3 + 4 < 64 * 1024
    error = json.loads(base64.b64decode(body, validate=True))
    assert error["errorMessage"].endswith("[truncated]")
    assert error["errorMessage"].startswith(char)
