"""Errors reported to the Runtime API carry an X-Ray cause; the real function fails its init
loudly on a bad variable. The real bootstrap runs against the recording Runtime API.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from local.runtime_api.wire import RecordedRequest
from streaming_runtime.xray import MAX_CAUSE_BYTES
from tests.functional.runtime.conftest import ROOT, TASK_ROOT, Environment

Start = Callable[..., Environment]
CAUSE_HEADER = "Lambda-Runtime-Function-XRay-Error-Cause"


def _cause(request: RecordedRequest) -> dict[str, Any]:
    raw = request.header(CAUSE_HEADER)
    assert raw is not None, "no X-Ray cause header"
    assert raw.isascii()
    assert len(raw) <= MAX_CAUSE_BYTES
    cause = request.xray_cause
    assert set(cause) == {"working_directory", "exceptions", "paths"}
    (exception,) = cause["exceptions"]
    assert set(exception) == {"type", "message", "stack"}
    for frame in exception["stack"]:
        assert set(frame) == {"path", "line", "label"}
        assert isinstance(frame["line"], int)
        assert frame["path"] in cause["paths"]
    assert len(cause["paths"]) == len(set(cause["paths"]))
    return cause


def test_an_invocation_error_carries_its_xray_cause(start_runtime: Start) -> None:
    env = start_runtime("handlers.fail_early")
    invocation = env.api.submit(json.dumps({"message": "nope"}).encode())
    assert invocation.wait(10)
    assert invocation.outcome == "error"
    assert invocation.response is not None
    cause = _cause(invocation.response)
    assert cause["working_directory"] == str(TASK_ROOT)
    (exception,) = cause["exceptions"]
    assert (exception["type"], exception["message"]) == ("ValueError", "nope")
    innermost = exception["stack"][-1]
    assert innermost["label"] == "fail_early"
    assert innermost["path"] == str(TASK_ROOT / "handlers.py")
    assert str(TASK_ROOT / "handlers.py") in cause["paths"]


def test_an_init_error_carries_its_xray_cause(start_runtime: Start) -> None:
    env = start_runtime("broken.handler", ready=False)
    request = env.api.wait_init_error(15)
    assert request is not None
    assert env.wait_exit() != 0
    cause = _cause(request)
    (exception,) = cause["exceptions"]
    assert exception["type"] == "KeyError"
    assert "missing configuration" in exception["message"]
    assert exception["stack"][-1]["path"] == str(TASK_ROOT / "broken.py")


def test_a_huge_error_gets_a_bounded_cause_that_keeps_the_innermost_frame(
    start_runtime: Start,
) -> None:
    env = start_runtime("handlers.huge_error")
    invocation = env.api.submit(json.dumps({"size": 1_000_000}).encode())
    assert invocation.wait(20)
    assert invocation.response is not None
    (exception,) = _cause(invocation.response)["exceptions"]
    assert exception["type"] == "ValueError"
    assert exception["message"] == "m" * 512
    assert exception["stack"][-1]["label"] == "huge_error"
    # The error body itself still holds the whole message.
    assert len(json.loads(invocation.response.body)["errorMessage"]) == 1_000_000


# --- the real function: configuration is checked during init --------------------------------

FUNCTION_ROOT = ROOT / "lambda_src"
HANDLER = "bedrock_stream.handler.handler"


def _function_init_error(start_runtime: Start, **env: str) -> dict[str, Any]:
    started = start_runtime(HANDLER, task_root=FUNCTION_ROOT, ready=False, env=env)
    request = started.api.wait_init_error(30)
    assert request is not None, "a bad variable must fail the init"
    assert started.wait_exit(30) != 0
    error = json.loads(request.body)
    assert request.header("Lambda-Runtime-Function-Error-Type") == error["errorType"]
    (exception,) = _cause(request)["exceptions"]
    assert (exception["type"], exception["message"]) == (
        error["errorType"],
        error["errorMessage"],
    )
    return dict(error)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"MAX_TOKENS_LIMIT": "abc"},
            "MAX_TOKENS_LIMIT must be a whole number from 1 to 1000000, not 'abc'",
        ),
        # Powertools reads this one itself at import; the check runs before that.
        (
            {"POWERTOOLS_LOG_LEVEL": "verbose"},
            "POWERTOOLS_LOG_LEVEL must be one of DEBUG, INFO, WARNING, WARN, ERROR, CRITICAL, "
            "not 'verbose'",
        ),
    ],
)
def test_the_function_fails_its_init_on_a_bad_variable(
    start_runtime: Start, env: dict[str, str], message: str
) -> None:
    error = _function_init_error(start_runtime, AWS_DEFAULT_REGION="us-east-1", **env)
    assert (error["errorType"], error["errorMessage"]) == ("ConfigError", message)


def test_the_function_with_good_variables_gets_ready(start_runtime: Start) -> None:
    # The same start with valid values reaches GET /next (the client is built during init).
    started = start_runtime(
        HANDLER,
        task_root=FUNCTION_ROOT,
        env={
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "secret",
            "MAX_TOKENS_LIMIT": "8192",
        },
    )
    assert started.api.init_error is None
    assert started.process.poll() is None
