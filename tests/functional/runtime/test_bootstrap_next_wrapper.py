"""The exec wrapper hands over to another wrapper named by BEDROCK_STREAM_NEXT_WRAPPER.

A vendor's wrapper (an OpenTelemetry `otel-instrument` script, for example) is called as
`wrapper <command...>` and ends by exec'ing its arguments; the fake one here records that it
ran and how, then does exactly that.
"""

from __future__ import annotations

import json
import stat
import sys
from collections.abc import Callable
from pathlib import Path

from tests.functional.runtime.conftest import Environment

NUL8 = b"\0" * 8
Start = Callable[..., Environment]


def _fake_wrapper(tmp_path: Path) -> tuple[Path, Path]:
    record = tmp_path / "wrapper-ran"
    wrapper = tmp_path / "otel-instrument"
    wrapper.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\nexport WRAPPED_BY=fake-otel\nexec "$@"\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper, record


def test_the_next_wrapper_runs_and_hands_over_to_the_runtime(
    start_runtime: Start, tmp_path: Path
) -> None:
    wrapper, record = _fake_wrapper(tmp_path)
    env = start_runtime(
        "handlers.report_context", env={"BEDROCK_STREAM_NEXT_WRAPPER": str(wrapper)}
    )
    invocation = env.api.submit(b"{}")
    assert invocation.wait(10)
    assert invocation.outcome == "streaming"
    assert invocation.response is not None
    report = json.loads(invocation.response.body.split(NUL8, 1)[1])
    assert report["aws_request_id"] == invocation.request_id
    # The wrapper ran, got the interpreter and the runtime's arguments, and exec'd them.
    assert record.read_text().splitlines() == [sys.executable, "-u", "-m", "streaming_runtime"]
    assert report["wrapped_by"] == "fake-otel"


def test_without_the_variable_no_wrapper_runs(start_runtime: Start, tmp_path: Path) -> None:
    _wrapper, record = _fake_wrapper(tmp_path)
    env = start_runtime("handlers.report_context")
    invocation = env.api.submit(b"{}")
    assert invocation.wait(10)
    assert invocation.response is not None
    assert json.loads(invocation.response.body.split(NUL8, 1)[1])["wrapped_by"] is None
    assert not record.exists()


def test_a_wrapper_that_is_not_executable_stops_the_start(
    start_runtime: Start, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-wrapper"
    env = start_runtime(
        "handlers.report_context",
        env={"BEDROCK_STREAM_NEXT_WRAPPER": str(missing)},
        ready=False,
        capture_stderr=True,
    )
    assert env.wait_exit() == 126
    assert env.process.stderr is not None
    assert env.process.stderr.read().decode() == (
        f"BEDROCK_STREAM_NEXT_WRAPPER must be the path of an executable file, not '{missing}'\n"
    )
    assert env.api.requests == []
