"""The Function URL's HTTP/1.1 front: requests in, streamed chunked responses out."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from local.function_url.event import HttpRequest
from local.function_url.front import MAX_REQUEST, FunctionUrl, StreamedResult
from local.function_url.results import TOO_LARGE, HttpResult

# Framing headers are the URL's business, never the function's.
# Bodies over the limit but under this are read and dropped, so the 413 reaches the client.
_DRAIN_LIMIT = 64 * 1024 * 1024
_HOP_BY_HOP = frozenset({"connection", "content-length", "transfer-encoding", "keep-alive"})


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
    disable_nagle_algorithm = True  # each chunk leaves at once (TCP_NODELAY)
    server: FunctionUrlServer

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_GET

    def log_message(self, format: str, *args: object) -> None:
        self.server.log(f"[url] {self.address_string()} {format % args}")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The access line names query parameters but not their values: `GET /chat?prompt=`
        # carries the prompt, and prompts stay out of logs unless LOG_CONTENT (API.md §5).
        path, sep, query = self.path.partition("?")
        if sep:
            names = (pair.partition("=")[0] for pair in query.split("&") if pair)
            path += "?" + "&".join(f"{name}=..." for name in names)
        code_text = code.value if isinstance(code, HTTPStatus) else code
        self.log_message(
            '"%s %s %s" %s %s', self.command, path, self.request_version, code_text, size
        )

    def version_string(self) -> str:
        return "local-function-url"

    def _handle(self) -> None:
        body = self._read_body()
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

    def _read_body(self) -> bytes | None:
        """The request body; None when it is over the limit (read and dropped, up to a bound)."""
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            parts: list[bytes] = []
            size = 0
            while True:
                length = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if length == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers of the request are dropped
                    return b"".join(parts) if size <= MAX_REQUEST else None
                size += length
                if size > _DRAIN_LIMIT:
                    self.close_connection = True
                    return None
                data = self.rfile.read(length)
                if size <= MAX_REQUEST:
                    parts.append(data)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length <= MAX_REQUEST:
            return self.rfile.read(length)
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
                # (protocols.md §3.2), so its output is read and dropped.
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
