"""One connection to the local Runtime API: read each request, route it, answer it.

The routes and answers follow AWS's docs and its Runtime Interface Emulator
(https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html; docs/PROTOCOLS.md §1-§2);
the state they read and change is the server's (server.py).
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import socketserver
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from local.runtime_api.invocation import Invocation
from local.runtime_api.wire import (
    IncompleteRequest,
    MalformedRequest,
    RecordedRequest,
    read_body,
    read_head,
    response_bytes,
)

if TYPE_CHECKING:
    from local.runtime_api.server import RuntimeApiServer

PREFIX = "/2018-06-01/runtime"
_INVOCATION_PATH = re.compile(rf"^{PREFIX}/invocation/(?P<id>[^/]+)/(?P<kind>response|error)$")
_SERVER_ERROR = {"errorType": "InternalServerError", "errorMessage": "Internal Server Error"}


class TcpServer(socketserver.ThreadingTCPServer):
    """The listening socket: one thread per connection, each tracked so stop() can end it."""

    daemon_threads = True
    allow_reuse_address = True
    api: RuntimeApiServer

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connections: set[socket.socket] = set()

    def close_connections(self) -> None:
        """Shut every open connection down (a runtime waiting in GET /next sees it close)."""
        for conn in list(self.connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class ConnectionHandler(socketserver.StreamRequestHandler):
    """Serves the requests of one runtime connection, one after the other."""

    server: TcpServer

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
_ROUTES: dict[tuple[str, str], Callable[[ConnectionHandler, RecordedRequest], bool]] = {
    ("GET", f"{PREFIX}/invocation/next"): ConnectionHandler._next_invocation,
    ("POST", f"{PREFIX}/init/error"): ConnectionHandler._init_error,
    ("GET", f"{PREFIX}/restore/next"): ConnectionHandler._restore_next,
    ("POST", f"{PREFIX}/restore/error"): ConnectionHandler._restore_error,
}


class _Dropped(Exception):
    """The server cut the response on purpose (``drop_after_chunks``, ``fail_after_chunks``)."""


def _abort(conn: socket.socket) -> None:
    """Make the close that follows a TCP reset (SO_LINGER 0): the peer's sends then fail."""
    with contextlib.suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
