"""Pure byte framing: HTTP/1.1 request heads, chunks, trailers, the Function URL prelude.

References: RFC 9112 §7.1 (chunked transfer coding and trailers); AWS "Implementing response
streaming in a custom runtime" and protocols.md §2.2-§2.4 (prelude, 8 NUL bytes, error trailers).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence

from streaming_runtime.types import ErrorPayload, Prelude

HTTP_INTEGRATION_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response"
DEFAULT_BODY_CONTENT_TYPE = "application/octet-stream"
PRELUDE_DELIMITER = b"\0" * 8
ERROR_TYPE_TRAILER = "Lambda-Runtime-Function-Error-Type"
ERROR_BODY_TRAILER = "Lambda-Runtime-Function-Error-Body"
LAST_CHUNK = b"0\r\n\r\n"


def request_head(method: str, path: str, headers: Iterable[tuple[str, str]]) -> bytes:
    """The request line and header block, ending with the blank line."""
    lines = [f"{method} {path} HTTP/1.1"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def frame_chunk(data: bytes) -> bytes:
    """One chunk of a chunked body; ``data`` must not be empty (that is the last chunk)."""
    return b"%x\r\n%b\r\n" % (len(data), data)


def last_chunk(trailers: Sequence[tuple[str, str]] = ()) -> bytes:
    """The zero-length chunk that ends a chunked body, with optional trailer fields."""
    fields = "".join(f"{name}: {value}\r\n" for name, value in trailers)
    return b"0\r\n" + fields.encode("latin-1") + b"\r\n"


def make_prelude(
    status: int, headers: Mapping[str, str] | None, cookies: Sequence[str] | None
) -> Prelude:
    """The prelude, with ``Set-Cookie`` headers moved to ``cookies`` as Function URLs expect."""
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError(f"invalid HTTP status {status!r}")
    out_headers: dict[str, str] = {}
    out_cookies = [str(cookie) for cookie in cookies or ()]
    for name, value in (headers or {}).items():
        if name.lower() == "set-cookie":
            out_cookies.append(str(value))
        else:
            out_headers[str(name)] = str(value)
    return {"statusCode": status, "headers": out_headers, "cookies": out_cookies}


def encode_prelude(prelude: Prelude) -> bytes:
    """Prelude JSON then the 8 NUL delimiter; JSON escapes any NUL inside, so none leaks."""
    return json.dumps(prelude, separators=(",", ":")).encode() + PRELUDE_DELIMITER


def error_trailers(payload: ErrorPayload) -> list[tuple[str, str]]:
    """The two error trailers: the type, and standard base64 of the error JSON."""
    body = base64.b64encode(json.dumps(payload).encode()).decode("ascii")
    return [(ERROR_TYPE_TRAILER, header_safe(payload["errorType"])), (ERROR_BODY_TRAILER, body)]


def header_safe(value: str) -> str:
    """Keep a header value on one line and in latin-1, whatever an exception name holds."""
    cleaned = "".join(ch if " " <= ch <= "~" else "?" for ch in value)
    return cleaned or "Unhandled"
