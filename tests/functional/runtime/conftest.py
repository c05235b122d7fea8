"""Run the real ``lambda_src/bootstrap`` against a recording Runtime API on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from local.runtime_api import RuntimeApiServer

ROOT = Path(__file__).resolve().parents[3]
BOOTSTRAP = ROOT / "lambda_src" / "bootstrap"
TASK_ROOT = Path(__file__).resolve().parent / "task"

FUNCTION_ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "runtime-test",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
    "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/runtime-test",
    "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/21/[$LATEST]0123",
}


@dataclass
class Environment:
    """One execution environment: the Runtime API and the runtime process serving it."""

    api: RuntimeApiServer
    process: subprocess.Popen[bytes]

    def wait_exit(self, timeout: float = 10) -> int:
        return self.process.wait(timeout)


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "_X_AMZN", "_HANDLER"))}
    env.pop("PYTHONPATH", None)
    return {**env, **FUNCTION_ENV, **extra}


@pytest.fixture
def start_runtime() -> Iterator[Callable[..., Environment]]:
    """Start the bootstrap as Lambda does: ``wrapper <interpreter> <original args>``."""
    started: list[Environment] = []

    def start(
        handler: str,
        *,
        interpreter: str = sys.executable,
        original_args: tuple[str, ...] = ("/var/runtime/bootstrap.py",),
        task_root: Path = TASK_ROOT,
        ready: bool = True,
        env: dict[str, str] | None = None,
        pass_fds: tuple[int, ...] = (),
        capture_stderr: bool = False,
        snap_start: bool = False,
        hold_restore: bool = False,
    ) -> Environment:
        api = RuntimeApiServer(snap_start=snap_start)
        if hold_restore:  # restore/next waits until the test calls api.restore.release()
            api.restore.gate.clear()
        api.start()
        process_env = _clean_env(
            AWS_LAMBDA_RUNTIME_API=api.address,
            _HANDLER=handler,
            LAMBDA_TASK_ROOT=str(task_root),
            **(env or {}),
        )
        process = subprocess.Popen(
            [str(BOOTSTRAP), interpreter, *original_args],
            env=process_env,
            cwd=task_root,
            pass_fds=pass_fds,
            stderr=subprocess.PIPE if capture_stderr else None,
        )
        environment = Environment(api, process)
        started.append(environment)
        if ready:
            assert api.wait_ready(15), "the runtime never asked for an invocation"
        return environment

    yield start
    for environment in started:
        environment.process.kill()
        environment.process.wait()
        environment.api.stop()
