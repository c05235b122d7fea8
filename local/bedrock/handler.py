"""The local Bedrock's HTTP handler: routes a request, answers it, and records how it ended."""

from __future__ import annotations

import contextlib
import json
import re
import select
import socket
import struct
import sys
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import unquote

from local.bedrock.errors import INTERNAL, NOT_FOUND, BedrockError, ErrorKind, error_headers
from local.bedrock.records import Ending, RecordedRequest
from local.bedrock.script import Reset, Send
from local.bedrock.service import OPERATIONS, JsonReply, Operation, StreamReply, reply

if TYPE_CHECKING:
    from local.bedrock.server import BedrockEmulator

_PATH = re.compile(r"^/model/(?P<model>[^/?]+)/(?P<op>[a-z-]+)(?:\?.*)?$")
# While a stream is silent, how often it looks whether the emulator is stopping.
_POLL_S = 0.05


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 resets bursts of concurrent boto3 connections.
    request_queue_size = socket.SOMAXCONN
    emulator: BedrockEmulator

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that resets a kept-alive connection (a killed function, a stream closed
        # before its last chunk was read) is routine here, not an error worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class EmulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked transfer, as boto3 expects
    server: EmulatorServer

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
        recorded = self._record(b"", None, None)
        self._send_error(NOT_FOUND, f"No route for GET {self.path}", str(uuid.uuid4()))
        self.server.emulator._end(recorded, "refused")

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        match = _PATH.match(self.path)
        operation = OPERATIONS.get(match["op"]) if match else None
        model_id = unquote(match["model"]) if match else None
        recorded = self._record(raw, operation.name if operation else None, model_id)
        ending: Ending = "refused"
        try:
            ending = self._answer(raw, operation, model_id)
        finally:  # also when the answer failed on a broken connection
            self.server.emulator._end(recorded, ending)

    def _answer(self, raw: bytes, operation: Operation | None, model_id: str | None) -> Ending:
        request_id = str(uuid.uuid4())
        if operation is None or model_id is None:
            self._send_error(NOT_FOUND, f"No route for POST {self.path}", request_id)
            return "refused"
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
            return "refused"
        except Exception:  # an emulator bug: answer like the service would, and show it
            traceback.print_exc()
            self._send_error(INTERNAL, INTERNAL.message, request_id)
            return "refused"
        headers = {**answer.headers, "x-amzn-RequestId": request_id}
        if isinstance(answer, JsonReply):
            if self.server.emulator._stopping.wait(answer.delay) if answer.delay > 0 else False:
                self.close_connection = True  # emulator stopping
                return "stopped"
            self._send_json(200, answer.body, headers)
            return "completed"
        return self._stream(answer, headers)

    def _stream(self, answer: StreamReply, headers: dict[str, str]) -> Ending:
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
                elif isinstance(step, Reset):
                    self._reset()
                    return "reset"
                elif (cut := self._pause(step.seconds)) is not None:
                    self.close_connection = True  # the client left, or the emulator stops
                    return cut
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):  # the client went away
            self.close_connection = True
            return "client_closed"
        return "completed"

    def _pause(self, seconds: float) -> Ending | None:
        """Stay silent for `seconds`, watching the connection: None once the time is up, else
        why the stream ends now (the client closed it, or the emulator is stopping).

        A client that stops reading closes its socket (botocore's EventStream.close(),
        docs/PROTOCOLS.md §7.2): the connection then turns readable with nothing to read.
        """
        stopping = self.server.emulator._stopping
        deadline = time.monotonic() + seconds
        while not stopping.is_set():
            remaining = deadline - time.monotonic()
            timeout = min(max(remaining, 0.0), _POLL_S)
            readable, _, _ = select.select([self.connection], [], [], timeout)
            if readable and self._peer_closed():
                return "stopped" if stopping.is_set() else "client_closed"
            if readable:  # bytes from a client mid-answer: not ours to read; just wait
                return "stopped" if stopping.wait(max(remaining, 0.0)) else None
            if remaining <= 0:
                return None
        return "stopped"

    def _peer_closed(self) -> bool:
        try:
            peeked: bytes = self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return False
        except OSError:  # reset by the peer
            return True
        return peeked == b""

    def _reset(self) -> None:
        """Close with SO_LINGER 0: the kernel sends RST instead of FIN, the client's read fails."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # Closed for real when finish() closes the reader made from it, before socketserver's
        # shutdown(SHUT_WR), which would send a FIN first (it fails on the closed socket).
        self.connection.close()

    def _record(self, raw: bytes, operation: str | None, model_id: str | None) -> RecordedRequest:
        try:
            parsed = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            parsed = None
        recorded = RecordedRequest(
            method=self.command,
            path=self.path,
            operation=operation,
            model_id=model_id,
            headers=dict(self.headers.items()),
            body=parsed if isinstance(parsed, dict) else None,
            raw_body=raw,
        )
        self.server.emulator._record(recorded)
        return recorded

    def _send_json(self, status: int, body: object, headers: dict[str, str]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, kind: ErrorKind, message: str, request_id: str) -> None:
        # rest-json error: {"message"} plus x-amzn-ErrorType (docs/PROTOCOLS.md 5.5).
        headers = {**error_headers(kind), "x-amzn-RequestId": request_id}
        self._send_json(kind.status, {"message": message}, headers)
