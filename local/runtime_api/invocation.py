"""One invocation handed to a runtime, and what the runtime answered, observable as it arrives."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Literal

from local.runtime_api.wire import RecordedRequest

Outcome = Literal["streaming", "buffered", "error", "truncated"]


class Invocation:
    """An event queued for ``GET /next`` and the response the runtime gives it."""

    def __init__(self, request_id: str, event: bytes, headers: dict[str, str]) -> None:
        self.request_id = request_id
        self.event = event
        self.headers = headers
        self.outcome: Outcome | None = None
        self.response: RecordedRequest | None = None
        self.failure: str | None = None
        self.delivered_at: float | None = None
        self.drop_after_chunks: int | None = None  # see RuntimeApiServer.submit
        self.fail_after_chunks: int | None = None  # see RuntimeApiServer.submit
        self._parts: list[bytes] = []
        self._cond = threading.Condition()

    @property
    def content_type(self) -> str | None:
        """The Content-Type the runtime sent with its response."""
        return self.response.header("content-type") if self.response else None

    def _append(self, data: bytes) -> None:
        with self._cond:
            self._parts.append(data)
            self._cond.notify_all()

    def _finish(self, outcome: Outcome, response: RecordedRequest | None) -> bool:
        """Record the outcome once; False when one was already recorded."""
        with self._cond:
            if self.outcome is not None:
                return False
            self.outcome = outcome
            if response is not None:
                self.response = response
            self._cond.notify_all()
            return True

    def fail(self, reason: str) -> None:
        """Mark the response cut off (the environment died); ends ``iter_body``."""
        with self._cond:
            self.failure = reason
        self._finish("truncated", None)

    @property
    def answered(self) -> bool:
        """True once /response or /error was opened for this invocation."""
        return self.response is not None

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the outcome is final; True when it is."""
        with self._cond:
            return self._cond.wait_for(lambda: self.outcome is not None, timeout)

    def iter_body(self, timeout: float | None = None) -> Iterator[bytes]:
        """Yield the response body chunk by chunk as it arrives; ends with the body."""
        deadline = None if timeout is None else time.monotonic() + timeout
        index = 0
        while True:
            with self._cond:
                while index >= len(self._parts) and self.outcome is None:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        raise TimeoutError(f"no body from invocation {self.request_id}")
                    self._cond.wait(remaining)
                pending = self._parts[index:]
                index = len(self._parts)
                finished = self.outcome is not None
            yield from pending
            if finished and index >= len(self._parts):
                return
