"""A minimal keep-alive HTTP/1.1 connection to the Runtime API over one socket.

The standard library's http.client costs import time at every cold start and cannot send
trailers, so the runtime speaks the small subset of HTTP/1.1 it needs itself.
"""

from __future__ import annotations

import socket
from typing import NamedTuple

MAX_LINE = 65536


class TransportError(ConnectionError):
    """The Runtime API closed the connection or answered with malformed HTTP."""


class Response(NamedTuple):
    """A Runtime API response: status, lower-cased headers, body."""

    status: int
    headers: dict[str, str]
    body: bytes


class Connection:
    """One persistent connection; a broken one stays broken until reset().

    A request that fails half-way is never continued on a new connection: the server would
    read the rest of it (chunks of a streamed response) as a new, garbled request. So a send
    or read failure marks the connection broken, every later send fails at once, and only the
    invocation loop resets it, before it asks for the next invocation.
    """

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self.host_header = address
        # The host as bytes: getaddrinfo passes a str host through the idna codec, whose first
        # use imports encodings.idna, stringprep and unicodedata (about 5 ms of a cold start,
        # bench/results.md). The address Lambda gives is ASCII (an IP address and a port).
        self._target = ((host or "127.0.0.1").encode("ascii"), int(port))
        self._sock: socket.socket | None = None
        self._buffer = b""
        self.broken: str | None = None  # why it broke, until reset()

    def _connect(self) -> socket.socket:
        if self.broken is not None:
            raise TransportError(f"the Runtime API connection broke earlier: {self.broken}")
        if self._sock is None:
            # No timeout: GET /next blocks until an event arrives and the environment may be
            # frozen in between (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
            try:
                # typeshed types the host as str; getaddrinfo takes bytes as well.
                sock = socket.create_connection(self._target, timeout=None)  # type: ignore[arg-type]
            except OSError as exc:
                raise self._break(f"Runtime API connect failed: {exc}") from exc
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
            self._buffer = b""
        return self._sock

    def close(self) -> None:
        """Drop the connection; the next request opens a new one (unless it is broken)."""
        if self._sock is not None:
            self._sock.close()
        self._sock = None
        self._buffer = b""

    def reset(self) -> None:
        """Forget a failure: the next request, a whole new one, opens a fresh connection."""
        self.close()
        self.broken = None

    def _break(self, reason: str) -> TransportError:
        self.close()
        self.broken = reason
        return TransportError(reason)

    @property
    def is_open(self) -> bool:
        """Whether a socket is currently held."""
        return self._sock is not None

    def send(self, data: bytes) -> None:
        """Write all of ``data`` now; fails at once on a connection that broke before."""
        sock = self._connect()
        try:
            sock.sendall(data)
        except OSError as exc:
            raise self._break(f"Runtime API send failed: {exc}") from exc

    def _fill(self) -> None:
        if self._sock is None:
            raise self._break("no connection to read from")
        try:
            data = self._sock.recv(65536)
        except OSError as exc:
            raise self._break(f"Runtime API read failed: {exc}") from exc
        if not data:
            raise self._break("Runtime API closed the connection")
        self._buffer += data

    def _read_line(self) -> bytes:
        while (end := self._buffer.find(b"\r\n")) < 0:
            if len(self._buffer) > MAX_LINE:
                raise self._break("Runtime API sent an overlong line")
            self._fill()
        line, self._buffer = self._buffer[:end], self._buffer[end + 2 :]
        return line

    def _read_exact(self, size: int) -> bytes:
        while len(self._buffer) < size:
            self._fill()
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def read_response(self) -> Response:
        """Read one response: status line, headers, sized or chunked body."""
        if self._sock is None:
            raise TransportError("no request was sent")
        status_line = self._read_line().decode("latin-1")
        try:
            status = int(status_line.split(" ", 2)[1])
        except (IndexError, ValueError) as exc:
            raise self._break(f"malformed status line {status_line!r}") from exc
        headers: dict[str, str] = {}
        while line := self._read_line():
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = self._read_chunked()
        else:
            body = self._read_exact(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Response(status, headers, body)

    def _read_chunked(self) -> bytes:
        parts = []
        while size := int(self._read_line().split(b";", 1)[0], 16):
            parts.append(self._read_exact(size))
            self._read_exact(2)
        while self._read_line():  # trailers, unused
            pass
        return b"".join(parts)
