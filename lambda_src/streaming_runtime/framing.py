"""Pure byte framing: HTTP/1.1 request heads, chunks, trailers, the Function URL prelude.

References: RFC 9112 §7.1 (chunked transfer coding and trailers); AWS "Implementing response
streaming in a custom runtime" and docs/PROTOCOLS.md §2.2-§2.4 (prelude, 8 NUL bytes, error
trailers).
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


# The error JSON carried in a trailer, at most: its base64 (4/3 larger) must stay one header
# line well under HTTP servers' line limits (the Runtime API emulator's is 64 KiB).
MAX_TRAILER_ERROR_BYTES = 16 * 1024
_TRUNCATED = " ... [truncated]"


def error_trailers(payload: ErrorPayload) -> list[tuple[str, str]]:
    """The two error trailers: the type, and standard base64 of the error JSON (bounded)."""
    body = base64.b64encode(_bounded_error_json(payload)).decode("ascii")
    return [(ERROR_TYPE_TRAILER, header_safe(payload["errorType"])), (ERROR_BODY_TRAILER, body)]


def _bounded_error_json(payload: ErrorPayload) -> bytes:
    """The error JSON; a huge message or trace is cut (trace frames nearest the error kept).

    The whole error still goes to the function's log; only the trailer is shortened.
    """
    data = json.dumps(payload).encode()
    if len(data) <= MAX_TRAILER_ERROR_BYTES:
        return data
    # JSON escapes a character in at most 12 bytes (a surrogate pair), so type and message
    # together take at most 12 KiB, leaving room for the trace.
    budget = MAX_TRAILER_ERROR_BYTES // 32
    short: ErrorPayload = {
        "errorType": payload["errorType"][:budget],
        "errorMessage": payload["errorMessage"][:budget] + _TRUNCATED,
        "stackTrace": [frame[:budget] for frame in payload["stackTrace"]],
    }
    # Keep the innermost frames that fit (", " before each is counted for all: a bound).
    room = MAX_TRAILER_ERROR_BYTES - len(json.dumps({**short, "stackTrace": []}).encode())
    kept: list[str] = []
    for frame in reversed(short["stackTrace"]):
        room -= len(json.dumps(frame).encode()) + 2
        if room < 0:
            break
        kept.append(frame)
    short["stackTrace"] = kept[::-1]
    return json.dumps(short).encode()


def header_safe(value: str) -> str:
    """Keep a header value on one line and in latin-1, whatever an exception name holds."""
    cleaned = "".join(ch if " " <= ch <= "~" else "?" for ch in value[:1024])
    return cleaned or "Unhandled"
