"""A Lambda Runtime API (2018-06-01) for one execution environment, on loopback, recording all.

Behaviour follows AWS's docs and its Runtime Interface Emulator
(https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html; docs/PROTOCOLS.md §1-§2).
"""

from __future__ import annotations

import queue
import threading
import time
import uuid
from typing import Any

from local.runtime_api.connection import ConnectionHandler, TcpServer
from local.runtime_api.invocation import Invocation
from local.runtime_api.restore import RestoreState
from local.runtime_api.wire import RecordedRequest

DEFAULT_ARN = "arn:aws:lambda:us-east-1:123456789012:function:local"
_STOP = object()


class RuntimeApiServer:
    """One execution environment's Runtime API; tests and the twin submit events to it."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, snap_start: bool = False) -> None:
        """snap_start: the environment is started for SnapStart, so restore/next is allowed."""
        self._tcp = TcpServer((host, port), ConnectionHandler)
        self._tcp.api = self
        self.address = f"{host}:{self._tcp.server_address[1]}"
        self.requests: list[RecordedRequest] = []
        # Request lines that were not HTTP: what a runtime sent on a connection where the
        # server expected a new request (e.g. the rest of a response it had cut off).
        self.malformed: list[bytes] = []
        self.init_error: RecordedRequest | None = None
        self.restore = RestoreState(snap_start)
        self._pending: queue.Queue[Any] = queue.Queue()
        self._invocations: dict[str, Invocation] = {}
        self._ready = threading.Event()
        self._init_failed = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> RuntimeApiServer:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self._tcp.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release any runtime blocked in ``GET /next``; safe if never started."""
        self._pending.put(_STOP)
        self.restore.release()
        if self._thread is not None:
            # shutdown() waits for serve_forever, so it would block forever without a thread.
            self._tcp.shutdown()
            self._thread = None
        self._tcp.server_close()
        self._tcp.close_connections()

    def submit(
        self,
        event: bytes,
        *,
        request_id: str | None = None,
        deadline_ms: int | None = None,
        function_arn: str = DEFAULT_ARN,
        trace_id: str | None = None,
        client_context: str | None = None,
        cognito_identity: str | None = None,
        drop_after_chunks: int | None = None,
        fail_after_chunks: int | None = None,
    ) -> Invocation:
        """Queue an event; the runtime gets it on its next ``GET /next``.

        drop_after_chunks: reset the connection once that many body chunks of the response
        arrived, as a failing network would, to test what the runtime does next.
        fail_after_chunks: answer ``500`` (the emulator's InternalServerError, "the runtime
        should exit") once that many body chunks arrived, and close the connection.
        """
        request_id = request_id or str(uuid.uuid4())
        if deadline_ms is None:
            deadline_ms = int(time.time() * 1000) + 3000
        headers = {
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": function_arn,
            "Lambda-Runtime-Trace-Id": trace_id,
            "Lambda-Runtime-Client-Context": client_context,
            "Lambda-Runtime-Cognito-Identity": cognito_identity,
        }
        # The emulator omits headers whose value is empty (docs/PROTOCOLS.md §1.2).
        invocation = Invocation(request_id, event, {k: v for k, v in headers.items() if v})
        invocation.drop_after_chunks = drop_after_chunks
        invocation.fail_after_chunks = fail_after_chunks
        with self._lock:
            self._invocations[request_id] = invocation
        self._pending.put(invocation)
        return invocation

    def wait_ready(self, timeout: float) -> bool:
        """True once the runtime is blocked in ``GET /next``."""
        return self._ready.wait(timeout)

    def wait_init_error(self, timeout: float) -> RecordedRequest | None:
        """The init error the runtime reported, waiting up to ``timeout``."""
        self._init_failed.wait(timeout)
        return self.init_error

    # The methods below run on the connection threads (connection.py).

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next(self) -> Invocation | None:
        self._ready.set()
        item = self._pending.get()
        self._ready.clear()
        if item is _STOP:
            self._pending.put(_STOP)
            return None
        assert isinstance(item, Invocation)
        item.delivered_at = time.monotonic()
        return item

    def _lookup(self, request_id: str) -> Invocation | None:
        with self._lock:
            return self._invocations.get(request_id)

    def _record_malformed(self, line: bytes) -> None:
        with self._lock:
            self.malformed.append(line)
