"""Execution environments on demand: reuse a warm one, start one per concurrent request.

Mirrors Lambda's scaling (https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html):
one invocation per environment at a time, a new environment when all are busy, throttling
beyond the concurrency limit, and an environment discarded when it times out or crashes.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from local.lambda_env.config import FunctionConfig, trace_id
from local.lambda_env.environment import ExecutionEnvironment, InitFailure, LogSink
from local.runtime_api import Invocation


class Throttled(Exception):
    """Every environment is busy and the concurrency limit is reached."""


class InitFailed(Exception):
    """A new environment failed to initialize; Lambda answers 502."""

    def __init__(self, failure: InitFailure) -> None:
        super().__init__(f"{failure.error_type}: {failure.message}")
        self.failure = failure


@dataclass
class Run:
    """One invocation in one environment, watched until it ends."""

    env: ExecutionEnvironment
    invocation: Invocation
    cold: bool
    timeout_s: float
    timed_out: bool = False
    crashed: bool = False
    done: threading.Event = field(default_factory=threading.Event)


class EnvironmentPool:
    """The environments of one function, started as requests need them."""

    def __init__(
        self,
        config: FunctionConfig,
        *,
        max_concurrency: int = 10,
        bedrock_endpoint: str | None = None,
        caller_env: Mapping[str, str] | None = None,
        log: LogSink = print,
    ) -> None:
        self.config = config
        self.max_concurrency = max_concurrency
        self.started: list[ExecutionEnvironment] = []
        self._bedrock_endpoint = bedrock_endpoint
        self._caller_env = caller_env
        self._log = log
        self._idle: list[ExecutionEnvironment] = []
        self._busy: set[ExecutionEnvironment] = set()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._closed = False

    def invoke(self, event: bytes, *, request_id: str) -> Run:
        """Hand ``event`` to a free environment; raises Throttled or InitFailed."""
        env, cold = self._acquire()
        if cold:
            failure = env.wait_initialized(self.config.timeout_s)
            if failure is not None:
                self._log(f"[{env.env_id}] init failed: {failure.error_type}: {failure.message}")
                self._discard(env)
                raise InitFailed(failure)
        deadline = time.time() + self.config.timeout_s
        invocation = env.api.submit(
            event,
            request_id=request_id,
            deadline_ms=int(deadline * 1000),
            function_arn=self.config.arn,
            trace_id=trace_id(),
        )
        run = Run(env, invocation, cold, self.config.timeout_s)
        threading.Thread(target=self._watch, args=(run, deadline), daemon=True).start()
        return run

    def close(self) -> None:
        """Kill every environment; later invokes are throttled."""
        with self._lock:
            self._closed = True
            envs = list(self._idle) + list(self._busy)
            self._idle.clear()
            self._busy.clear()
        killers = [threading.Thread(target=env.kill) for env in envs]
        for killer in killers:
            killer.start()
        for killer in killers:
            killer.join()

    @property
    def active(self) -> int:
        """Environments alive now, busy or idle."""
        with self._lock:
            return len(self._idle) + len(self._busy)

    def _acquire(self) -> tuple[ExecutionEnvironment, bool]:
        with self._lock:
            if self._closed:
                raise Throttled("the twin is shutting down")
            while self._idle:
                env = self._idle.pop()  # the most recently used is the warmest
                if env.alive:
                    self._busy.add(env)
                    return env, False
                threading.Thread(target=env.kill, daemon=True).start()
            if len(self._busy) >= self.max_concurrency:
                raise Throttled(f"{len(self._busy)} environments busy")
            env = ExecutionEnvironment(
                f"env-{next(self._ids)}",
                self.config,
                bedrock_endpoint=self._bedrock_endpoint,
                caller_env=self._caller_env,
                log=self._log,
            )
            self._busy.add(env)
            self.started.append(env)
        self._log(f"[{env.env_id}] starting {' '.join(self.config.launch_command())}")
        env.start()
        return env, True

    def _watch(self, run: Run, deadline: float) -> None:
        # Lambda stops the environment at the deadline whatever the runtime is doing.
        invocation = run.invocation
        while not invocation.wait(0.02):
            if time.time() >= deadline:
                run.timed_out = True
                self._log(
                    f"[{run.env.env_id}] {invocation.request_id} Task timed out after "
                    f"{self.config.timeout_s:.2f} seconds"
                )
                run.env.kill()
                invocation.fail("Sandbox.Timedout")
            elif not run.env.alive:
                run.crashed = True
                invocation.fail("Runtime.ExitError")
        if run.timed_out or run.crashed or invocation.outcome == "truncated":
            self._discard(run.env)
        else:
            self._release(run.env)
        run.done.set()

    def _release(self, env: ExecutionEnvironment) -> None:
        with self._lock:
            if env in self._busy:
                self._busy.discard(env)
                self._idle.append(env)

    def _discard(self, env: ExecutionEnvironment) -> None:
        with self._lock:
            self._busy.discard(env)
        env.kill()
