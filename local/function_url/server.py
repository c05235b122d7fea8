"""The Function URL's HTTP/1.1 front: requests in, streamed chunked responses out."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase

from local.function_url.event import HttpRequest
from local.function_url.front import MAX_REQUEST, FunctionUrl, StreamedResult
from local.function_url.results import TOO_LARGE, HttpResult, json_result

# Framing headers are the URL's business, never the function's.
# Bodies over the limit but under this are read and dropped, so the 413 reaches the client.
_DRAIN_LIMIT = 64 * 1024 * 1024
_HOP_BY_HOP = frozenset({"connection", "content-length", "transfer-encoding", "keep-alive"})
_MAX_CHUNK_LINE = 64 * 1024
_HEX = frozenset(b"0123456789abcdefABCDEF")


class _BadRequest(Exception):
    """The body's framing is broken (chunk sizes, Content-Length, a body cut short)."""


class _LastLine:
    """The handler's input, remembering the last line read (to see how the header block ended)."""

    def __init__(self, rfile: BufferedIOBase) -> None:
        self._rfile = rfile
        self.last = b""

    def readline(self, size: int = -1) -> bytes:
        self.last = self._rfile.readline(size)
        return self.last


class FunctionUrlServer(ThreadingHTTPServer):
    """A local Function URL on ``host:port`` in front of one function."""

    daemon_threads = True
    # Many concurrent streams connect at once in the benchmark.
    request_queue_size = 128

    def __init__(
        self,
        url: FunctionUrl,
        host: str = "127.0.0.1",
        port: int = 0,
        log: Callable[[str], None] = print,
    ) -> None:
        super().__init__((host, port), _Handler)
        self.url = url
        self.log = log
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://host:port`` of this URL."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        """Serve in a background thread."""
        # A short poll interval keeps stop() (and so Ctrl-C on the demo) quick.
        self._thread = threading.Thread(target=self.serve_forever, args=(0.1,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting requests and close the listening socket."""
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Errors for unparsable request lines get a status line (HTTP/0.9 answers have none).
    default_request_version = "HTTP/1.1"
    raw_requestline: bytes  # set by handle_one_request (not in the type stubs)
    disable_nagle_algorithm = True  # each chunk leaves at once (TCP_NODELAY)
    server: FunctionUrlServer

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_GET

    def log_message(self, format: str, *args: object) -> None:
        self.server.log(f"[url] {self.address_string()} {format % args}")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The access line names query parameters but not their values: `GET /chat?prompt=`
        # carries the prompt, and prompts stay out of logs unless LOG_CONTENT (docs/API.md §5).
        # self.path is unset (or the previous request's) when the request line did not parse;
        # then only its method and target are left out (it may hold a prompt).
        words = self.requestline.split()
        path, sep, query = (words[1] if self.command and len(words) > 1 else "-").partition("?")
        if sep:
            names = (pair.partition("=")[0] for pair in query.split("&") if pair)
            path += "?" + "&".join(f"{name}=..." for name in names)
        code_text = code.value if isinstance(code, HTTPStatus) else code
        self.log_message(
            '"%s %s %s" %s %s', self.command or "-", path, self.request_version, code_text, size
        )

    def version_string(self) -> str:
        return "local-function-url"

    def parse_request(self) -> bool:
        """The standard parse, refusing a request whose line or header block was cut off.

        http.server takes the end of the connection as the end of the headers; a client that
        gave up halfway through must not get its partial request run by the function.
        """
        if not self.raw_requestline.endswith(b"\n"):
            self.close_connection = True
            return False
        rfile, recorder = self.rfile, _LastLine(self.rfile)
        self.rfile = recorder  # type: ignore[assignment]
        try:
            parsed = super().parse_request()
        finally:
            self.rfile = rfile
        if parsed and recorder.last not in (b"\r\n", b"\n"):
            self.close_connection = True
            return False
        return parsed

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except _BadRequest as exc:
            # Answered, never passed on: the function sees only complete requests.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._send_result(json_result(400, {"Message": f"Bad Request: {exc}"}))
            return
        if body is None:
            self._send_result(TOO_LARGE)
            return
        request = HttpRequest(
            method=self.command,
            target=self.path,
            headers=[*self.headers.items(), *self._forwarded()],
            body=body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        answer = self.server.url.handle(request)
        if isinstance(answer, HttpResult):
            self._send_result(answer)
        else:
            self._send_stream(answer)

    def _forwarded(self) -> list[tuple[str, str]]:
        # Added by the Function URL front end in front of every function.
        port = str(self.server.server_address[1])
        return [
            ("X-Forwarded-For", self.client_address[0]),
            ("X-Forwarded-Proto", "http"),
            ("X-Forwarded-Port", port),
        ]

    def _read_exactly(self, length: int) -> bytes:
        data = self.rfile.read(length)
        if len(data) < length:
            raise _BadRequest("the body ended before its announced length")
        return data

    def _chunk_size(self) -> int:
        line = self.rfile.readline(_MAX_CHUNK_LINE + 1)
        if not line.endswith(b"\n"):
            raise _BadRequest("the chunked body was cut short")
        digits = line.split(b";")[0].strip()
        if not digits or not set(digits) <= _HEX:
            raise _BadRequest("invalid chunk size")
        return int(digits, 16)

    def _content_length(self) -> int:
        value = (self.headers.get("Content-Length") or "0").strip()
        if not (value.isascii() and value.isdigit()):
            raise _BadRequest("invalid Content-Length")
        return int(value)

    def _read_body(self) -> bytes | None:
        """The request body; None when it is over the limit (read and dropped, up to a bound).

        Raises _BadRequest for broken framing, so that no partial body reaches the function.
        """
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            parts: list[bytes] = []
            size = 0
            while True:
                length = self._chunk_size()
                if length == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers of the request are dropped
                    return b"".join(parts) if size <= MAX_REQUEST else None
                size += length
                if size > _DRAIN_LIMIT:
                    self.close_connection = True
                    return None
                data = self._read_exactly(length)
                if size <= MAX_REQUEST:
                    parts.append(data)
                if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                    raise _BadRequest("a chunk is longer than its size")
        length = self._content_length()
        if length <= MAX_REQUEST:
            return self._read_exactly(length)
        if length > _DRAIN_LIMIT:
            self.close_connection = True
            return None
        # Read what the client sends, so that it gets to read the 413 instead of a reset.
        while length > 0:
            data = self.rfile.read(min(length, 1 << 20))
            if not data:
                break
            length -= len(data)
        return None

    def _head(
        self,
        status: int,
        headers: tuple[tuple[str, str], ...] | list[tuple[str, str]],
        cookies: tuple[str, ...],
    ) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        for cookie in cookies:
            self.send_header("Set-Cookie", cookie)

    def _send_result(self, result: HttpResult) -> None:
        self._head(result.status, result.headers, result.cookies)
        self.send_header("Content-Length", str(len(result.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(result.body)

    def _send_stream(self, stream: StreamedResult) -> None:
        self._head(stream.status, stream.headers, stream.cookies)
        self.send_header("Transfer-Encoding", "chunked")
        client_gone = False
        try:
            self.end_headers()
        except OSError:
            client_gone = True
        for piece in stream.body:
            if client_gone or not piece or self.command == "HEAD":
                # A client that left is not signalled to the function: it runs on
                # (docs/PROTOCOLS.md §3.2), so its output is read and dropped.
                continue
            try:
                self.wfile.write(b"%X\r\n%s\r\n" % (len(piece), piece))
            except OSError:
                client_gone = True
        ending, error_type = stream.ending()
        if ending == "error":
            self.server.log(f"[url] stream ended with error trailer {error_type}")
        if ending == "truncated":
            # A cut stream: the connection closes without the last chunk, so HTTP clients
            # report an incomplete body (curl: "transfer closed with outstanding read data").
            self.server.log(f"[url] stream cut: {error_type}")
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if not client_gone and self.command != "HEAD":
            with contextlib.suppress(OSError):
                self.wfile.write(b"0\r\n\r\n")
