"""One execution environment: a runtime process and its own Runtime API on loopback."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from local.lambda_env.config import FunctionConfig, process_environment
from local.runtime_api import RuntimeApiServer

LogSink = Callable[[str], None]


class EnvironmentStopped(RuntimeError):
    """The environment was killed (the twin is stopping) before it could start."""


@dataclass(frozen=True)
class InitFailure:
    """Why an environment never got ready: the runtime's init error, or its exit."""

    error_type: str
    message: str
    raw: bytes | None = None


class ExecutionEnvironment:
    """A process started as Lambda starts the runtime, serving invocations one at a time."""

    def __init__(
        self,
        env_id: str,
        config: FunctionConfig,
        *,
        bedrock_endpoint: str | None = None,
        caller_env: Mapping[str, str] | None = None,
        log: LogSink,
    ) -> None:
        self.env_id = env_id
        self.config = config
        self.api = RuntimeApiServer(snap_start=config.snap_start)
        self._bedrock_endpoint = bedrock_endpoint
        self._caller_env = caller_env
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None
        self._pumps: list[threading.Thread] = []
        self._state = threading.Lock()
        self._killed = False
        self._api_started = False

    @property
    def pid(self) -> int | None:
        """The runtime process id, once started."""
        return self._process.pid if self._process else None

    @property
    def alive(self) -> bool:
        """True while the runtime process runs."""
        return self._process is not None and self._process.poll() is None

    def max_memory_mb(self) -> int | None:
        """The process's peak resident memory (VmHWM), for the REPORT line."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except (OSError, TypeError):
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
        return None

    def start(self) -> None:
        """Start the Runtime API and the runtime process; refused once killed."""
        with self._state:
            if self._killed:
                raise EnvironmentStopped(self.env_id)
            self._api_started = True
            self.api.start()
            self._launch()

    def _launch(self) -> None:
        env = process_environment(
            self.config,
            self.api.address,
            bedrock_endpoint=self._bedrock_endpoint,
            caller=self._caller_env,
        )
        # The command is the function's own configuration, not outside input.
        self._process = subprocess.Popen(  # noqa: S603
            self.config.launch_command(),
            cwd=self.config.task_root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            # Its own process group, so that a kill reaches anything the runtime started.
            start_new_session=True,
        )
        for stream in (self._process.stdout, self._process.stderr):
            assert stream is not None
            pump = threading.Thread(target=self._pump, args=(stream,), daemon=True)
            pump.start()
            self._pumps.append(pump)

    def wait_initialized(self, timeout: float) -> InitFailure | None:
        """Wait until the runtime asks for work; the failure if it reports one or exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.api.wait_ready(0.02):
                return None
            exited = not self.alive  # read before init_error: a runtime posts, then exits
            failed = self.api.init_error or self.api.restore.error
            if failed is not None:
                return _init_error(failed.body, failed.header)
            if exited:
                code = self._process.returncode if self._process else None
                return InitFailure("Runtime.ExitError", f"Runtime exited with error: {code}")
        return InitFailure("Sandbox.Timedout", f"Init timed out after {timeout:.2f} seconds")

    def terminate(self) -> None:
        """SIGKILL the process group now (Lambda stops a timed-out sandbox at once)."""
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)

    def kill(self) -> None:
        """Stop the process (and its group) and the Runtime API; safe to call twice."""
        with self._state:  # a start() racing with the twin's shutdown is refused
            self._killed = True
        self.terminate()
        process = self._process
        if process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        for pump in self._pumps:
            pump.join(timeout=1)
        if self._api_started:  # stopping a server that never served would block
            self.api.stop()

    def _pump(self, stream: IO[bytes]) -> None:
        # The function's stdout/stderr are its CloudWatch log; here they go to the twin's log.
        with stream:
            for line in iter(stream.readline, b""):
                text = line.decode("utf-8", "replace").rstrip("\n")
                self._log(f"[{self.env_id}] {text}")


def _init_error(body: bytes, header: Callable[[str], str | None]) -> InitFailure:
    error_type = header("lambda-runtime-function-error-type") or "Runtime.Unknown"
    message = "init error"
    with contextlib.suppress(ValueError, AttributeError):
        data = json.loads(body)
        error_type = str(data.get("errorType") or error_type)
        message = str(data.get("errorMessage") or message)
    return InitFailure(error_type, message, body or None)
