"""Pure encoder for the AWS event-stream binary format (application/vnd.amazon.eventstream)."""

from __future__ import annotations

import binascii
import json
import struct
from collections.abc import Mapping, Sequence

# Layout and rules: docs/PROTOCOLS.md §6, checked against
# botocore/eventstream.py (EventStreamBuffer, _validate_prelude, _validate_checksum).
# https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream

CONTENT_TYPE = "application/vnd.amazon.eventstream"
_STRING = 7  # header value type "string": uint16 length + UTF-8 bytes
_PRELUDE = struct.Struct("!II")
_CRC = struct.Struct("!I")
MAX_HEADERS_LENGTH = 128 * 1024  # botocore: InvalidHeadersLength above this
MAX_PAYLOAD_LENGTH = 16 * 1024 * 1024  # the AWS spec's 16 MB message limit (botocore allows 24 MiB)


def crc32(data: bytes, start: int = 0) -> int:
    """CRC-32 (IEEE, as zlib) masked to 32 bits."""
    return binascii.crc32(data, start) & 0xFFFFFFFF


def encode_headers(headers: Sequence[tuple[str, str]]) -> bytes:
    """Encode string headers in order; names must be unique (botocore rejects duplicates)."""
    names = [name for name, _ in headers]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate event-stream header in {names}")
    out = bytearray()
    for name, value in headers:
        raw_name, raw_value = name.encode(), value.encode()
        if len(raw_name) > 255 or len(raw_value) > 0xFFFF:
            raise ValueError(f"event-stream header {name!r} is too long")
        out += struct.pack("!B", len(raw_name)) + raw_name
        out += struct.pack("!BH", _STRING, len(raw_value)) + raw_value
    return bytes(out)


def encode_message(headers: Sequence[tuple[str, str]], payload: bytes) -> bytes:
    """One message: prelude (total, headers length), prelude CRC, headers, payload, message CRC."""
    raw_headers = encode_headers(headers)
    if len(raw_headers) > MAX_HEADERS_LENGTH or len(payload) > MAX_PAYLOAD_LENGTH:
        raise ValueError("event-stream message too large")
    total = _PRELUDE.size + _CRC.size + len(raw_headers) + len(payload) + _CRC.size
    prelude = _PRELUDE.pack(total, len(raw_headers))
    head = prelude + _CRC.pack(crc32(prelude))
    body = head + raw_headers + payload
    # The message CRC covers everything before it, the prelude CRC included.
    return body + _CRC.pack(crc32(body))


def json_payload(document: Mapping[str, object]) -> bytes:
    """Compact JSON, as the service sends it."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def event_message(event_type: str, payload: Mapping[str, object]) -> bytes:
    """A JSON event with the three headers Bedrock sets, in Bedrock's order."""
    headers = [
        (":event-type", event_type),
        (":content-type", "application/json"),
        (":message-type", "event"),
    ]
    return encode_message(headers, json_payload(payload))


def exception_message(exception_type: str, payload: Mapping[str, object]) -> bytes:
    """An in-stream modeled exception; botocore raises EventStreamError with this code."""
    headers = [
        (":exception-type", exception_type),
        (":content-type", "application/json"),
        (":message-type", "exception"),
    ]
    return encode_message(headers, json_payload(payload))
