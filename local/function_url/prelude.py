"""Split a Function URL http-integration stream into its prelude and body, incrementally.

Wire layout (docs/PROTOCOLS.md §2.2-§2.3): prelude JSON, 8 NUL bytes, then the body unchanged.
Chunk boundaries carry no meaning, so the parser works on the byte stream.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

HTTP_INTEGRATION = "application/vnd.awslambda.http-integration-response"
DELIMITER = b"\0" * 8
# API Gateway documents that the prelude must come within the first 16 KB; the Function
# URL limit is not documented, so the same bound is used (docs/PROTOCOLS.md §2.3).
MAX_PRELUDE = 16 * 1024


class PreludeError(ValueError):
    """The stream does not start with a valid prelude and delimiter."""


@dataclass(frozen=True)
class Prelude:
    """The HTTP status, headers and cookies a streaming function chose."""

    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    cookies: tuple[str, ...] = ()


def parse_prelude(raw: bytes) -> Prelude:
    """Decode the prelude JSON; header values may be strings or lists of strings."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PreludeError(f"prelude is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PreludeError("prelude is not a JSON object")
    status = data.get("statusCode", 200)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise PreludeError(f"bad statusCode {status!r}")
    headers: list[tuple[str, str]] = []
    for name, value in (data.get("headers") or {}).items():
        # Rust's lambda_http writes an array for a repeated header (docs/PROTOCOLS.md §2.3).
        values = value if isinstance(value, list) else [value]
        headers.extend((str(name), _text(item)) for item in values)
    cookies = tuple(str(cookie) for cookie in data.get("cookies") or ())
    return Prelude(status=status, headers=tuple(headers), cookies=cookies)


def _text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@dataclass
class PreludeParser:
    """Feed stream bytes in any chunking; get the prelude once complete, then body bytes."""

    prelude: Prelude | None = None
    _buffer: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> bytes:
        """Consume ``data``; return the body bytes it completes (empty while in the prelude)."""
        if self.prelude is not None:
            return data
        self._buffer += data
        # JSON never holds a raw NUL (it is escaped), so the first NUL starts the delimiter.
        start = self._buffer.find(b"\0")
        if start < 0:
            self._check_size(len(self._buffer))
            return b""
        self._check_size(start)
        if len(self._buffer) < start + len(DELIMITER):
            if self._buffer[start:] != DELIMITER[: len(self._buffer) - start]:
                raise PreludeError("NUL inside the prelude is not the 8-byte delimiter")
            return b""
        if self._buffer[start : start + len(DELIMITER)] != DELIMITER:
            raise PreludeError("NUL inside the prelude is not the 8-byte delimiter")
        self.prelude = parse_prelude(bytes(self._buffer[:start]))
        body = bytes(self._buffer[start + len(DELIMITER) :])
        self._buffer.clear()
        return body

    def finish(self) -> Prelude:
        """The prelude at the end of the stream.

        A stream with no bytes at all gets the default prelude: Node's RIC sends neither
        prelude nor delimiter when the handler never writes, and the URL answers 200
        (aws-lambda-nodejs-runtime-interface-client issue #97).
        """
        if self.prelude is not None:
            return self.prelude
        if self._buffer:
            raise PreludeError("stream ended inside the prelude")
        return Prelude()

    @staticmethod
    def _check_size(size: int) -> None:
        if size > MAX_PRELUDE:
            raise PreludeError(f"no delimiter within the first {MAX_PRELUDE} bytes")
