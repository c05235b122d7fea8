"""Execution environments on demand: reuse a warm one, start one per concurrent request.

Mirrors Lambda's scaling (https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html):
one invocation per environment at a time, a new environment when all are busy, throttling
beyond the concurrency limit, and an environment discarded when it times out or crashes.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from local.lambda_env.config import FunctionConfig, trace_id
from local.lambda_env.environment import (
    EnvironmentStopped,
    ExecutionEnvironment,
    InitFailure,
    LogSink,
)
from local.lambda_env.faults import FaultPlan, InvocationFaults, start_killer
from local.runtime_api import Invocation

# The twin's concurrency unless told otherwise. A function without reserved concurrency may
# scale to the account's limit (1000 by default); 100 environments is already far more than
# one machine runs, and well past any client the demo serves. The stack's reserved
# concurrency, when set, is the limit instead (local/template.py), as in Lambda.
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
DEFAULT_MAX_CONCURRENCY = 100


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
    init_ms: float = 0.0
    started_at: float = field(default_factory=time.monotonic)
    timed_out: bool = False
    crashed: bool = False
    keep_after_cut: bool = False  # a fault hook: the environment outlives a cut response
    done: threading.Event = field(default_factory=threading.Event)  # back in the pool, or out

    def settle(self, timeout: float = 5.0) -> None:
        """Wait until the invocation is over and its environment is free again or discarded."""
        self.done.wait(timeout)


class EnvironmentPool:
    """The environments of one function, started as requests need them."""

    def __init__(
        self,
        config: FunctionConfig,
        *,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
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
        # Tests only: the faults to inject into an invocation, chosen from its event.
        self.faults: FaultPlan | None = None

    def invoke(self, event: bytes, *, request_id: str, trace: str | None = None) -> Run:
        """Hand ``event`` to a free environment; raises Throttled or InitFailed."""
        env, cold = self._acquire()
        init_started = time.monotonic()
        if cold:
            failure = env.wait_initialized(self.config.timeout_s)
            if failure is not None:
                self._log(f"[{env.env_id}] init failed: {failure.error_type}: {failure.message}")
                self._discard(env)
                raise InitFailed(failure)
        deadline = time.time() + self.config.timeout_s
        faults = (self.faults(event) if self.faults is not None else None) or InvocationFaults()
        invocation = env.api.submit(
            event,
            request_id=request_id,
            deadline_ms=int(deadline * 1000),
            function_arn=self.config.arn,
            trace_id=trace or trace_id(),
            drop_after_chunks=faults.drop_after_chunks,
            fail_after_chunks=faults.fail_after_chunks,
        )
        start_killer(env, invocation, faults)
        init_ms = (time.monotonic() - init_started) * 1000 if cold else 0.0
        run = Run(env, invocation, cold, self.config.timeout_s, init_ms)
        run.keep_after_cut = faults.keep_environment
        self._log(f"[{env.env_id}] START RequestId: {request_id} Version: {self.config.version}")
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
        if self.config.snap_start:
            self._log(f"[{env.env_id}] SnapStart: init runs now; no snapshot is taken locally")
        try:
            env.start()
        except EnvironmentStopped as exc:
            raise Throttled("the twin is shutting down") from exc
        except OSError as exc:
            # Lambda's name for a runtime it cannot start (missing or non-executable bootstrap).
            self._discard(env)
            raise InitFailed(InitFailure("Runtime.InvalidEntrypoint", str(exc))) from exc
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
                run.env.terminate()
                invocation.fail("Sandbox.Timedout")
            elif not run.env.alive:
                run.crashed = True
                invocation.fail("Runtime.ExitError")
        self._report(run)
        cut = invocation.outcome == "truncated" and not run.keep_after_cut
        broken = run.timed_out or run.crashed or cut
        with self._lock:
            self._busy.discard(run.env)
            if not broken:
                self._idle.append(run.env)
        # Settled before the client sees the end, so its next request finds this one free.
        run.done.set()
        if broken:
            run.env.kill()

    def _report(self, run: Run) -> None:
        # The platform's END and REPORT lines, as Lambda writes them to the function's log.
        request_id, env = run.invocation.request_id, run.env
        duration = (time.monotonic() - run.started_at) * 1000
        fields = [
            f"REPORT RequestId: {request_id}",
            f"Duration: {duration:.2f} ms",
            f"Billed Duration: {math.ceil(duration)} ms",
            f"Memory Size: {self.config.memory_mb} MB",
        ]
        memory = env.max_memory_mb()
        if memory is not None:
            fields.append(f"Max Memory Used: {memory} MB")
        if run.cold:
            fields.append(f"Init Duration: {run.init_ms:.2f} ms")
        if run.timed_out:
            fields.append("Status: timeout")
        self._log(f"[{env.env_id}] END RequestId: {request_id}")
        self._log(f"[{env.env_id}] " + "\t".join(fields))

    def _discard(self, env: ExecutionEnvironment) -> None:
        with self._lock:
            self._busy.discard(env)
        env.kill()
