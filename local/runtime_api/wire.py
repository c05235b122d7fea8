"""HTTP/1.1 request reading for the local Runtime API: head, sized and chunked bodies, trailers."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

MAX_LINE = 65536


class Reader(Protocol):
    """The buffered socket file a request is read from."""

    def readline(self, size: int = ..., /) -> bytes: ...

    def read(self, size: int = ..., /) -> bytes: ...


class IncompleteRequest(Exception):
    """The peer closed the connection before the request was complete."""


class MalformedRequest(Exception):
    """A request line that is not ``METHOD PATH VERSION`` (for example a stray body chunk)."""

    def __init__(self, line: bytes) -> None:
        super().__init__(f"malformed request line {line!r}")
        self.line = line


@dataclass
class RecordedRequest:
    """One request as the Runtime API received it, kept for assertions."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    trailers: list[tuple[str, str]] = field(default_factory=list)
    received_at: float = field(default_factory=time.monotonic)
    complete: bool = False

    def header(self, name: str) -> str | None:
        """The first header of that name, case-insensitive."""
        return _find(self.headers, name)

    def trailer(self, name: str) -> str | None:
        """The first trailer of that name, case-insensitive."""
        return _find(self.trailers, name)

    @property
    def xray_cause(self) -> Any:
        """The decoded ``Lambda-Runtime-Function-XRay-Error-Cause`` header, or None."""
        raw = self.header("lambda-runtime-function-xray-error-cause")
        return None if raw is None else json.loads(raw)


def _find(pairs: list[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in pairs if key.lower() == wanted), None)


def _readline(rfile: Reader) -> bytes:
    line = rfile.readline(MAX_LINE + 1)
    if not line.endswith(b"\n"):
        raise IncompleteRequest("connection closed inside a line")
    return line


def _read_fields(rfile: Reader) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    while True:
        line = _readline(rfile).rstrip(b"\r\n")
        if not line:
            return fields
        name, _, value = line.decode("latin-1").partition(":")
        fields.append((name.strip(), value.strip()))


def read_head(rfile: Reader) -> RecordedRequest | None:
    """Read a request line and headers; None when the peer closed an idle connection."""
    line = rfile.readline(MAX_LINE + 1)
    if not line:
        return None
    if not line.endswith(b"\n"):
        raise IncompleteRequest("connection closed inside the request line")
    parts = line.decode("latin-1").rstrip("\r\n").split(" ")
    if len(parts) != 3 or not parts[0].isalpha() or not parts[2].startswith("HTTP/"):
        raise MalformedRequest(line)
    method, path, _version = parts
    return RecordedRequest(method=method, path=path, headers=_read_fields(rfile))


def read_body(
    rfile: Reader,
    request: RecordedRequest,
    on_chunk: Callable[[bytes], None] = lambda _data: None,
) -> None:
    """Read the body into ``request``, calling ``on_chunk`` as each chunk arrives."""
    if (request.header("transfer-encoding") or "").lower() == "chunked":
        _read_chunked(rfile, request, on_chunk)
    else:
        length = int(request.header("content-length") or 0)
        data = rfile.read(length)
        if len(data) < length:
            request.body = data
            raise IncompleteRequest("connection closed inside the body")
        request.body = data
        if data:
            request.chunks.append((time.monotonic(), data))
            on_chunk(data)
    request.complete = True


def _read_chunked(
    rfile: Reader, request: RecordedRequest, on_chunk: Callable[[bytes], None]
) -> None:
    parts: list[bytes] = []
    try:
        while True:
            size_line = _readline(rfile).split(b";", 1)[0].strip()
            size = int(size_line, 16)
            if size == 0:
                request.trailers = _read_fields(rfile)
                return
            data = rfile.read(size)
            if len(data) < size or rfile.read(2) != b"\r\n":
                raise IncompleteRequest("connection closed inside a chunk")
            parts.append(data)
            request.chunks.append((time.monotonic(), data))
            on_chunk(data)
    finally:
        request.body = b"".join(parts)


def response_bytes(status: int, reason: str, body: bytes, content_type: str) -> bytes:
    """A complete HTTP/1.1 response with a sized body, for a keep-alive connection."""
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body
