"""A loopback Bedrock Runtime that replays recordings and records what it was sent.

POST /model/{modelId}/converse-stream and /model/{modelId}/invoke-with-response-stream are
answered with the recording named by a `replay:<name>` marker anywhere in the request body
(a prompt, a native body's text), framed by frames.py and sent as HTTP chunks.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import unquote

from local.bedrock.eventstream import CONTENT_TYPE
from tests.e2e.replay.frames import Pause, Replay, wire

_PATH = re.compile(r"^/model/(?P<model>[^/]+)/(?P<op>converse-stream|invoke-with-response-stream)$")
_MARKER = re.compile(rb"replay:([a-z0-9_]+)")


@dataclass(frozen=True)
class Received:
    """One request as the replay server saw it."""

    operation: str
    model: str
    body: bytes


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    replay: ReplayBedrock


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # chunked transfer, as Bedrock answers
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        route = _PATH.match(self.path)
        marker = _MARKER.search(body)
        replay = self.server.replay
        recording = replay.recordings.get(marker.group(1).decode()) if marker else None
        if route is None or recording is None or route["op"] != recording.operation:
            self._refuse(body)
            return
        replay.record(Received(route["op"], unquote(route["model"]), body))
        self.send_response(200)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-amzn-RequestId", "replay-0001")
        if recording.operation == "invoke-with-response-stream":
            self.send_header("X-Amzn-Bedrock-Content-Type", "application/json")
        self.end_headers()
        try:
            for piece in wire(recording):
                if isinstance(piece, Pause):
                    if replay.stopping.wait(piece.seconds):
                        return
                    continue
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _refuse(self, body: bytes) -> None:
        # What Bedrock answers for a request it cannot serve: a 400 ValidationException.
        message = b'{"message":"no recording for this request"}'
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("x-amzn-ErrorType", "ValidationException")
        self.send_header("Content-Length", str(len(message)))
        self.end_headers()
        self.wfile.write(message)


class ReplayBedrock:
    """Serves the named recordings on 127.0.0.1 until closed; `.received` lists the calls."""

    def __init__(self, recordings: Mapping[str, Replay]) -> None:
        self.recordings = dict(recordings)
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.replay = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The endpoint, for AWS_ENDPOINT_URL_BEDROCK_RUNTIME."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def received(self) -> list[Received]:
        """Every request answered with a recording, oldest first."""
        with self._lock:
            return list(self._received)

    def record(self, request: Received) -> None:
        """Keep one answered request."""
        with self._lock:
            self._received.append(request)

    def __enter__(self) -> ReplayBedrock:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self._server.shutdown()
        with contextlib.suppress(OSError):
            self._server.server_close()
        self._thread.join(timeout=5)
