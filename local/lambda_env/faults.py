"""Faults the twin can inject into one invocation, for the reliability tests (never by default).

A test gives the pool a plan: a function of the event that returns the faults for that
invocation (usually chosen by a marker in the request body), so that one request of many
meets a broken Runtime API connection or a dying process, at a known point of its response.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from local.lambda_env.environment import ExecutionEnvironment
from local.runtime_api import Invocation


@dataclass(frozen=True)
class InvocationFaults:
    """What goes wrong in one invocation; counts are response body chunks (prelude first)."""

    drop_after_chunks: int | None = None  # the Runtime API resets the response's connection
    fail_after_chunks: int | None = None  # the Runtime API answers 500 and closes it
    kill_after_chunks: int | None = None  # the environment's process is SIGKILLed
    kill_after_s: float | None = None  # the same, this long after the invocation was handed over
    # The twin discards an environment whose response was cut; with this it keeps it, so that
    # a test sees whether the runtime itself recovers (a new connection for the next /next).
    keep_environment: bool = False


FaultPlan = Callable[[bytes], InvocationFaults | None]


def start_killer(
    env: ExecutionEnvironment, invocation: Invocation, faults: InvocationFaults
) -> None:
    """Kill the environment's process at the planned point, unless the invocation ends first."""
    if faults.kill_after_chunks is None and faults.kill_after_s is None:
        return
    threading.Thread(
        target=_kill_when_due, args=(env, invocation, faults), name="fault-killer", daemon=True
    ).start()


def _kill_when_due(
    env: ExecutionEnvironment, invocation: Invocation, faults: InvocationFaults
) -> None:
    if faults.kill_after_s is not None:
        if not invocation.wait(faults.kill_after_s):
            env.terminate()
        return
    limit = faults.kill_after_chunks or 0
    seen = 0
    try:
        for _chunk in invocation.iter_body(timeout=env.config.timeout_s):
            seen += 1
            if seen >= limit:
                break
        else:
            return  # the response ended before the planned chunk
    except TimeoutError:
        return
    env.terminate()
