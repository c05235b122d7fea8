"""Powertools' decorators work on a streaming handler run by our runtime (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import json
import subprocess
import sys

from local.runtime_api import RuntimeApiServer
from tests.functional.runtime.conftest import BOOTSTRAP, TASK_ROOT, _clean_env


def test_logger_tracer_and_metrics_decorators_see_the_stream_and_the_context() -> None:
    with RuntimeApiServer() as api:
        env = _clean_env(
            AWS_LAMBDA_RUNTIME_API=api.address,
            _HANDLER="powertools_handler.handler",
            LAMBDA_TASK_ROOT=str(TASK_ROOT),
            POWERTOOLS_TRACE_DISABLED="true",
        )
        process = subprocess.Popen(
            [str(BOOTSTRAP), sys.executable, "/var/runtime/bootstrap.py"],
            env=env,
            cwd=TASK_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert api.wait_ready(30)
            invocation = api.submit(json.dumps({"chunks": ["a", "b"]}).encode())
            assert invocation.wait(15)
        finally:
            process.kill()
            output, _ = process.communicate(timeout=10)
    assert invocation.outcome == "streaming"
    assert invocation.response is not None
    assert invocation.response.body.endswith(b"\0" * 8 + b"ab")
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    log = next(r for r in records if r.get("message") == "streaming")
    assert log["function_request_id"] == invocation.request_id
    assert log["function_name"] == "runtime-test"
    assert log["function_memory_size"] == 256
    assert log["cold_start"] is True
    emf = next(r for r in records if "_aws" in r)
    assert emf["Chunks"] == [2.0]
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "RuntimeTest"
