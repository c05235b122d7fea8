"""The local Bedrock Runtime endpoint: a threaded loopback HTTP server that records requests."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import socket
import threading
import traceback
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import unquote

from local.bedrock.cache import PromptCache
from local.bedrock.errors import INTERNAL, NOT_FOUND, BedrockError, ErrorKind, error_headers
from local.bedrock.jsonbody import JsonMap
from local.bedrock.script import Send
from local.bedrock.service import OPERATIONS, JsonReply, StreamReply, reply

_PATH = re.compile(r"^/model/(?P<model>[^/?]+)/(?P<op>[a-z-]+)(?:\?.*)?$")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator received it."""

    method: str
    path: str
    operation: str | None  # e.g. "ConverseStream"; None for unknown routes
    model_id: str | None  # URL-decoded
    headers: dict[str, str]
    body: JsonMap | None  # parsed JSON, None when the body is not a JSON object
    raw_body: bytes


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 resets bursts of concurrent boto3 connections.
    request_queue_size = socket.SOMAXCONN
    emulator: BedrockEmulator


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked transfer, as boto3 expects
    server: _Server

    def setup(self) -> None:
        super().setup()
        # One event per TCP segment, sent at once: boto3 yields each event as it arrives.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.emulator._track(self.connection, add=True)

    def finish(self) -> None:
        self.server.emulator._track(self.connection, add=False)
        super().finish()

    def log_message(self, format: str, *args: object) -> None:
        if self.server.emulator.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._record(b"", None, None)
        self._send_error(NOT_FOUND, f"No route for GET {self.path}", str(uuid.uuid4()))

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        match = _PATH.match(self.path)
        operation = OPERATIONS.get(match["op"]) if match else None
        model_id = unquote(match["model"]) if match else None
        self._record(raw, operation.name if operation else None, model_id)
        request_id = str(uuid.uuid4())
        if operation is None or model_id is None:
            self._send_error(NOT_FOUND, f"No route for POST {self.path}", request_id)
            return
        try:
            emulator = self.server.emulator
            attempt = emulator._attempt(operation.name, model_id, raw)
            answer = reply(
                operation,
                model_id,
                raw,
                request_id,
                attempt=attempt,
                corrupt=emulator.corrupt_crc,
                cache=emulator.cache,
            )
        except BedrockError as exc:
            self._send_error(exc.kind, exc.message, request_id)
            return
        except Exception:  # an emulator bug: answer like the service would, and show it
            traceback.print_exc()
            self._send_error(INTERNAL, INTERNAL.message, request_id)
            return
        headers = {**answer.headers, "x-amzn-RequestId": request_id}
        if isinstance(answer, JsonReply):
            if self._wait(answer.delay):
                self.close_connection = True  # emulator stopping
            else:
                self._send_json(200, answer.body, headers)
            return
        self._stream(answer, headers)

    def _stream(self, answer: StreamReply, headers: dict[str, str]) -> None:
        """Headers now, then each message as one HTTP chunk, written as its step comes."""
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for step in answer.steps:
                if isinstance(step, Send):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(step.data), step.data))
                elif self._wait(step.seconds):
                    self.close_connection = True  # emulator stopping: cut the stream
                    return
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):  # the client went away
            self.close_connection = True

    def _wait(self, seconds: float) -> bool:
        """Sleep unless the emulator stops; True when it is stopping."""
        return self.server.emulator._stopping.wait(seconds) if seconds > 0 else False

    def _record(self, raw: bytes, operation: str | None, model_id: str | None) -> None:
        try:
            parsed = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            parsed = None
        self.server.emulator._record(
            RecordedRequest(
                method=self.command,
                path=self.path,
                operation=operation,
                model_id=model_id,
                headers=dict(self.headers.items()),
                body=parsed if isinstance(parsed, dict) else None,
                raw_body=raw,
            )
        )

    def _send_json(self, status: int, body: object, headers: dict[str, str]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, kind: ErrorKind, message: str, request_id: str) -> None:
        # rest-json error: {"message"} plus x-amzn-ErrorType (protocols.md 5.5).
        headers = {**error_headers(kind), "x-amzn-RequestId": request_id}
        self._send_json(kind.status, {"message": message}, headers)


class BedrockEmulator:
    """Local Bedrock Runtime: Converse(Stream) and InvokeModel(WithResponseStream)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        corrupt_crc: bool = False,
        verbose: bool = False,
    ) -> None:
        self.host, self.port = host, port
        self.corrupt_crc = corrupt_crc  # test-only: every delta message gets a wrong CRC
        self.verbose = verbose
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._connections: set[socket.socket] = set()
        self._attempts: dict[str, int] = {}
        self.cache = PromptCache()  # prompt caching: prefixes written by earlier requests
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The endpoint URL, for `endpoint_url=` or AWS_ENDPOINT_URL_BEDROCK_RUNTIME."""
        if self._server is None:
            raise RuntimeError("BedrockEmulator is not started")
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear(self) -> None:
        """Forget the recorded requests and the prompt cache."""
        with self._lock:
            self._requests.clear()
            self._attempts.clear()
        self.cache.clear()

    def start(self) -> BedrockEmulator:
        """Bind and serve in a background thread."""
        self._stopping.clear()
        self._server = _Server((self.host, self.port), _Handler)
        self._server.emulator = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="bedrock-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: paused streams wake up and are cut, open connections are closed."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> BedrockEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _attempt(self, operation: str, model_id: str, raw: bytes) -> int:
        """How many times this exact request has arrived, this one included."""
        key = hashlib.sha256(b"\0".join([operation.encode(), model_id.encode(), raw])).hexdigest()
        with self._lock:
            self._attempts[key] = self._attempts.get(key, 0) + 1
            return self._attempts[key]

    def _track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)
