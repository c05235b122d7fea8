"""Opening the Bedrock stream, retrying throttling and 5xx with backoff before the first byte."""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from bedrock_stream.errors import AppError, classify

T = TypeVar("T")

# Below this much time left, another attempt is not worth starting.
MIN_ATTEMPT_S = 0.5


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts and how long to wait between them."""

    max_attempts: int = 4
    base_s: float = 0.25
    cap_s: float = 4.0

    def backoff(self, attempt: int, rand: float) -> float:
        """Equal-jitter exponential backoff after the given (1-based) failed attempt."""
        ceiling = min(self.cap_s, self.base_s * 2.0 ** (attempt - 1))
        return ceiling / 2 + rand * ceiling / 2

    def retry_after_s(self, attempt: int) -> int:
        """The Retry-After a client should honour after our last attempt failed."""
        return max(1, math.ceil(min(self.cap_s, self.base_s * 2.0 ** (attempt - 1))))


@dataclass(frozen=True)
class Attempts:
    """What happened while opening: the attempts made (for logs and traces)."""

    count: int


def with_retries(
    call: Callable[[], T],
    policy: RetryPolicy,
    time_left_s: Callable[[], float],
    *,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
    on_retry: Callable[[int, AppError, float], None] | None = None,
) -> tuple[T, Attempts]:
    """Run call(); retry errors marked retryable while attempts and the time left allow."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return call(), Attempts(attempt)
        except Exception as exc:
            err = classify(exc)
            delay = policy.backoff(attempt, rand())
            retry = (
                err.retry
                and attempt < policy.max_attempts
                and time_left_s() > delay + MIN_ATTEMPT_S
            )
            if not retry:
                if err.code == "throttled":
                    err = err.with_retry_after(policy.retry_after_s(attempt))
                raise err from (None if err is exc else exc)
            if on_retry is not None:
                on_retry(attempt, err, delay)
            sleep(delay)


class _Pending:
    """The state shared by call_within() and its helper thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.abandoned = False
        self.value: object = None
        self.error: BaseException | None = None


def call_within(call: Callable[[], T], timeout_s: float, on_late: Callable[[T], None]) -> T:
    """Run call() but wait at most timeout_s; a result that arrives later goes to on_late().

    botocore's read timeout covers the wait for Bedrock's response headers, and it is sized
    for gaps between events (minutes), not for the function's remaining time; so the first
    call is bounded here, and a stream that opens too late is closed, not leaked.
    """
    if timeout_s <= 0:
        # No time left: a call started now could only end in a stream to close unread.
        raise AppError("upstream_timeout", "Bedrock did not answer before the deadline")
    pending = _Pending()

    def run() -> None:
        try:
            value = call()
        except BaseException as exc:  # handed to the waiting thread
            with pending.lock:
                pending.error = exc
                pending.done.set()
            return
        with pending.lock:
            pending.value = value
            pending.done.set()
            late = pending.abandoned
        if late:
            on_late(value)

    threading.Thread(target=run, name="bedrock-open", daemon=True).start()
    finished = pending.done.wait(timeout_s)
    with pending.lock:
        if not finished and not pending.done.is_set():
            pending.abandoned = True
            raise AppError("upstream_timeout", "Bedrock did not answer before the deadline")
    if pending.error is not None:
        raise pending.error
    return pending.value  # type: ignore[return-value]
