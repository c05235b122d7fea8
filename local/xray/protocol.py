"""The X-Ray daemon's UDP protocol: a JSON header line, then one segment document."""

from __future__ import annotations

import json
from typing import Any

# A datagram to the daemon is the header {"format": "json", "version": 1}, a newline, and one
# segment document of at most 64 KB; the Python SDK writes the header without spaces
# (aws_xray_sdk/core/emitters/udp_emitter.py), so it is compared as JSON, not as text.
# https://docs.aws.amazon.com/xray/latest/devguide/xray-api-sendingdata.html#xray-api-daemon
HEADER = {"format": "json", "version": 1}
MAX_DATAGRAM = 65_535


class DatagramError(ValueError):
    """A datagram that is not a header line and a segment document."""


def parse_datagram(data: bytes) -> dict[str, Any]:
    """The segment document of one datagram; DatagramError names what is wrong."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DatagramError("not UTF-8") from exc
    header_line, newline, body = text.partition("\n")
    if not newline:
        raise DatagramError("no header line")
    try:
        header = json.loads(header_line)
    except ValueError as exc:
        raise DatagramError(f"header is not JSON: {header_line[:80]!r}") from exc
    if header != HEADER:
        raise DatagramError(f"unexpected header {header!r}, want {HEADER!r}")
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise DatagramError("segment document is not JSON") from exc
    if not isinstance(document, dict):
        raise DatagramError("segment document is not a JSON object")
    for field in ("trace_id", "id", "name"):
        if not isinstance(document.get(field), str):
            raise DatagramError(f"segment document lacks a string {field!r}")
    return document


def encode_datagram(document: dict[str, Any]) -> bytes:
    """A datagram as the SDK sends it (for tests and local senders)."""
    return (json.dumps(HEADER, separators=(",", ":")) + "\n" + json.dumps(document)).encode()
