"""The real function under SnapStart, through the twin (the stack's `-c snapstart=true`).

There is no snapshot on this machine: the twin starts the environment with the snap-start
initialization type and answers restore/next at once. What it shows is the protocol and the
function's side of it: init, restore/next, the function's after-restore hook, then requests
served through the alias; restore time itself cannot be measured here.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.bedrock import BedrockEmulator
from local.function_url import UrlConfig
from local.function_url.twin import LocalFunctionUrl
from local.lambda_env import ExecutionEnvironment, FunctionConfig
from tests.e2e.chat.twin import ROOT, serving, stack_settings
from tests.e2e.conftest import fetch
from tests.e2e.handler_twin.wire import log_docs, parse_sse
from tests.functional.runtime.conftest import BOOTSTRAP, TASK_ROOT

PREFIX = "/2018-06-01/runtime"


@pytest.fixture(scope="module")
def twin() -> Iterator[tuple[LocalFunctionUrl, list[str]]]:
    settings = stack_settings("bedrock-stream-snapstart-test", snap_start=True, alias="live")
    logs: list[str] = []
    with (
        BedrockEmulator() as bedrock,
        serving(
            settings.function, UrlConfig(auth_type="NONE"), bedrock_endpoint=bedrock.url, logs=logs
        ) as url,
    ):
        yield url, logs


def _records(logs: list[str], message: str) -> list[dict[str, object]]:
    return [doc for doc in log_docs(logs) if doc.get("message") == message]


def test_a_snapstart_environment_restores_then_streams(
    twin: tuple[LocalFunctionUrl, list[str]],
) -> None:
    url, logs = twin
    got = fetch(url.base_url, "/chat?prompt=%23!%20echo%20rate%3D20000%20ttft_ms%3D0%0Ahi")
    assert got.status == 200
    sse = parse_sse(got)
    assert (sse.names[0], sse.names[-1], sse.text()) == ("start", "done", "hi")

    [env] = url.pool.started
    paths = [f"{r.method} {r.path.removeprefix(PREFIX)}" for r in env.api.requests]
    # init (no Runtime API call), then restore/next, then work
    assert paths[:2] == ["GET /restore/next", "GET /invocation/next"]
    # The function's own after-restore hook ran and said what it refreshed
    [restored] = _records(logs, "restored from a SnapStart snapshot")
    assert restored["refreshed"] == ["bedrock_connections", "random"]
    # Requests run as the alias's published version
    [request] = [r for r in _records(logs, "request") if r.get("path") == "/chat"]
    assert str(request["function_arn"]).endswith(":function:bedrock-stream-snapstart-test:live")
    assert any(line.endswith("Version: 1") for line in logs if "START RequestId" in line)


def test_a_plain_function_keeps_the_on_demand_start() -> None:
    plain = FunctionConfig(task_root=ROOT / "lambda_src", handler="x.handler")
    snap = dataclasses.replace(plain, snap_start=True)
    assert (plain.initialization_type, plain.version) == ("on-demand", "$LATEST")
    assert (snap.initialization_type, snap.version) == ("snap-start", "1")


def test_a_failed_after_restore_hook_fails_the_environments_start(tmp_path: Path) -> None:
    # Given a SnapStart function whose after-restore hook raises (tests/functional/runtime/task)
    config = FunctionConfig(
        task_root=TASK_ROOT,
        handler="snap_handlers.handler",
        environment={"SNAP_LOG": str(tmp_path / "log"), "SNAP_FAIL": "after"},
        snap_start=True,
        command=(str(BOOTSTRAP), sys.executable, "/var/runtime/bootstrap.py"),
    )
    env = ExecutionEnvironment("env-snap", config, log=lambda _line: None)
    env.start()
    try:
        failure = env.wait_initialized(15)
    finally:
        env.kill()
    # Then the twin reports the restore error the runtime posted, as an init failure
    assert failure is not None
    assert (failure.error_type, failure.message) == ("RuntimeError", "the after hook failed")
    assert env.api.restore.error is not None
