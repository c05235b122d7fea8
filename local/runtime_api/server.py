"""A Lambda Runtime API (2018-06-01) for one execution environment, on loopback, recording all.

Behaviour follows AWS's docs and its Runtime Interface Emulator
(https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html; docs/PROTOCOLS.md §1-§2).
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import socket
import socketserver
import struct
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from local.runtime_api.invocation import Invocation
from local.runtime_api.restore import RestoreState
from local.runtime_api.wire import (
    IncompleteRequest,
    MalformedRequest,
    RecordedRequest,
    read_body,
    read_head,
    response_bytes,
)

PREFIX = "/2018-06-01/runtime"
_INVOCATION_PATH = re.compile(rf"^{PREFIX}/invocation/(?P<id>[^/]+)/(?P<kind>response|error)$")
DEFAULT_ARN = "arn:aws:lambda:us-east-1:123456789012:function:local"
_SERVER_ERROR = {"errorType": "InternalServerError", "errorMessage": "Internal Server Error"}
_STOP = object()


class RuntimeApiServer:
    """One execution environment's Runtime API; tests and the twin submit events to it."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, snap_start: bool = False) -> None:
        """snap_start: the environment is started for SnapStart, so restore/next is allowed."""
        self._tcp = _TcpServer((host, port), _Connection)
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

    # The handlers below run on the connection threads.

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


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    api: RuntimeApiServer

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connections: set[socket.socket] = set()

    def close_connections(self) -> None:
        for conn in list(self.connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Connection(socketserver.StreamRequestHandler):
    server: _TcpServer

    def handle(self) -> None:
        self.server.connections.add(self.connection)
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while self._serve_one():
                pass
        except MalformedRequest as exc:
            self.server.api._record_malformed(exc.line)
            with contextlib.suppress(OSError):
                self._reply(400, "Bad Request", {"errorType": "MalformedRequest"})
        except (_Dropped, IncompleteRequest, OSError, ValueError):
            pass
        finally:
            self.server.connections.discard(self.connection)

    def _reply(
        self, status: int, reason: str, payload: Any, headers: dict[str, str] | None = None
    ) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        raw = response_bytes(status, reason, body, "application/json")
        if headers:
            extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode("latin-1")
            head, sep, rest = raw.partition(b"\r\n")
            raw = head + sep + extra + rest
        self.wfile.write(raw)

    def _serve_one(self) -> bool:
        request = read_head(self.rfile)
        if request is None:
            return False
        self.server.api._record(request)
        route = _ROUTES.get((request.method, request.path))
        if route is not None:
            read_body(self.rfile, request)
            return route(self, request)
        match = _INVOCATION_PATH.match(request.path)
        if request.method == "POST" and match:
            return self._invocation_result(request, match["id"], match["kind"])
        read_body(self.rfile, request)
        self._reply(404, "Not Found", {"errorType": "NotFound", "errorMessage": request.path})
        return True

    def _next_invocation(self, _request: RecordedRequest) -> bool:
        invocation = self.server.api._next()
        if invocation is None:
            return False
        self._reply(200, "OK", invocation.event, invocation.headers)
        return True

    def _init_error(self, request: RecordedRequest) -> bool:
        api = self.server.api
        api.init_error = request
        api._init_failed.set()
        self._reply(202, "Accepted", {"status": "OK"})
        return True

    def _restore_next(self, _request: RecordedRequest) -> bool:
        self._reply(*self.server.api.restore.next())
        return True

    def _restore_error(self, request: RecordedRequest) -> bool:
        self._reply(*self.server.api.restore.report_error(request))
        return True

    def _cutting(
        self, invocation: Invocation, limit: int, cut: Callable[[], None]
    ) -> Callable[[bytes], None]:
        """on_chunk for a response that ``cut()`` breaks off after ``limit`` chunks."""
        seen = [0]

        def on_chunk(data: bytes) -> None:
            invocation._append(data)
            seen[0] += 1
            if seen[0] >= limit:
                cut()
                raise _Dropped

        return on_chunk

    def _reset(self) -> None:
        _abort(self.connection)

    def _fail(self) -> None:
        # The Runtime Interface Emulator's answer to a container error (render_error.go,
        # RenderInternalServerError); the runtime API doc says a runtime should then exit.
        # https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
        self._reply(500, "Internal Server Error", _SERVER_ERROR, {"Connection": "close"})

    def _cut_for(self, invocation: Invocation) -> tuple[Callable[[bytes], None] | None, str]:
        """The on_chunk of an invocation with a fault planned (None without), and its name."""
        if invocation.drop_after_chunks is not None:
            cut = self._cutting(invocation, invocation.drop_after_chunks, self._reset)
            return cut, "dropped by the Runtime API"
        if invocation.fail_after_chunks is not None:
            cut = self._cutting(invocation, invocation.fail_after_chunks, self._fail)
            return cut, "Runtime API answered 500"
        return None, ""

    def _invocation_result(self, request: RecordedRequest, request_id: str, kind: str) -> bool:
        invocation = self.server.api._lookup(request_id)
        mode = request.header("lambda-runtime-function-response-mode")
        error: tuple[int, str, str] | None = None
        if invocation is None:
            error = (400, "InvalidRequestID", "Invalid request ID")
        elif invocation.answered:
            error = (403, "InvalidStateTransition", "State transition is not allowed")
        elif kind == "response" and mode and mode.lower() != "streaming":
            error = (400, "InvalidFunctionResponseMode", "Invalid response mode")
        if error is not None or invocation is None:
            read_body(self.rfile, request)
            status, error_type, message = error or (400, "InvalidRequestID", "")
            self._reply(status, "Error", {"errorType": error_type, "errorMessage": message})
            return True
        # Set before the first body byte is read: the twin relies on it while chunks arrive.
        invocation.response = request
        outcome = "error" if kind == "error" else ("streaming" if mode else "buffered")
        on_chunk = invocation._append if kind == "response" else (lambda _data: None)
        cutting, failure = self._cut_for(invocation)
        if cutting is not None:
            on_chunk = cutting
        try:
            read_body(self.rfile, request, on_chunk)
        except _Dropped:
            invocation.failure = failure
            invocation._finish("truncated", request)
            raise
        except IncompleteRequest:
            # Named like the Runtime Interface Emulator's own error type for a cut body.
            invocation.failure = "Runtime.TruncatedResponse"
            invocation._finish("truncated", request)
            raise
        invocation._finish(outcome, request)  # type: ignore[arg-type]
        self._reply(202, "Accepted", {"status": "OK"})
        return True


# The requests with a fixed path: (method, path) -> handler; restore/* is SnapStart's
# (local/runtime_api/restore.py). Each handler returns whether the connection stays open.
_ROUTES: dict[tuple[str, str], Callable[[_Connection, RecordedRequest], bool]] = {
    ("GET", f"{PREFIX}/invocation/next"): _Connection._next_invocation,
    ("POST", f"{PREFIX}/init/error"): _Connection._init_error,
    ("GET", f"{PREFIX}/restore/next"): _Connection._restore_next,
    ("POST", f"{PREFIX}/restore/error"): _Connection._restore_error,
}


class _Dropped(Exception):
    """The server cut the response on purpose (``drop_after_chunks``, ``fail_after_chunks``)."""


def _abort(conn: socket.socket) -> None:
    """Make the close that follows a TCP reset (SO_LINGER 0): the peer's sends then fail."""
    with contextlib.suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
