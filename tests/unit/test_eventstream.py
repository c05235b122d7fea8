"""The event-stream encoder, byte for byte, and as botocore's own decoder reads it."""

from __future__ import annotations

import binascii
import json
import struct

import pytest
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer
from hypothesis import given
from hypothesis import strategies as st

from local.bedrock.eventstream import (
    crc32,
    encode_headers,
    encode_message,
    event_message,
    exception_message,
)

# docs/PROTOCOLS.md section 6.5: contentBlockDelta {"contentBlockIndex":0,"delta":{"text":"Hi"}}.
WORKED_PAYLOAD = b'{"contentBlockIndex":0,"delta":{"text":"Hi"}}'
WORKED_EXAMPLE = (
    bytes.fromhex("00000094 00000057 b4ab9aee")
    + b"\x0b:event-type\x07\x00\x11contentBlockDelta"
    + b"\x0d:content-type\x07\x00\x10application/json"
    + b"\x0d:message-type\x07\x00\x05event"
    + WORKED_PAYLOAD
    + bytes.fromhex("1f944657")
)


def decode_all(data: bytes) -> list[tuple[dict[str, object], bytes]]:
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    return [(dict(message.headers), message.payload) for message in buffer]


def test_worked_example_is_exact() -> None:
    # Given the documented event, when encoded, then every byte matches docs/PROTOCOLS.md 6.5.
    message = event_message("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hi"}})
    assert len(WORKED_PAYLOAD) == 45
    assert message == WORKED_EXAMPLE
    assert len(message) == 148


def test_prelude_and_message_crc_cover_the_right_bytes() -> None:
    message = encode_message([("a", "b")], b"xyz")
    total, headers_length = struct.unpack("!II", message[:8])
    assert headers_length == 1 + 1 + 1 + 2 + 1  # name length, "a", type 7, value length, "b"
    assert total == len(message) == 12 + headers_length + 3 + 4
    assert message[8:12] == struct.pack("!I", binascii.crc32(message[:8]))
    assert message[-4:] == struct.pack("!I", binascii.crc32(message[:-4]))


def test_string_header_encoding() -> None:
    assert encode_headers([(":event-type", "chunk")]) == b"\x0b:event-type\x07\x00\x05chunk"
    assert encode_headers([("k", "é")]) == b"\x01k\x07\x00\x02\xc3\xa9"


def test_duplicate_header_names_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        encode_headers([("a", "1"), ("a", "2")])


def test_crc32_is_masked_zlib_crc() -> None:
    assert crc32(b"123456789") == 0xCBF43926  # the CRC-32 check value


def test_exception_message_headers_are_what_botocore_routes_on() -> None:
    message = exception_message("modelStreamErrorException", {"message": "boom"})
    [(headers, payload)] = decode_all(message)
    assert headers == {
        ":exception-type": "modelStreamErrorException",
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    assert json.loads(payload) == {"message": "boom"}


def test_corrupted_message_crc_is_rejected_by_botocore() -> None:
    message = bytearray(WORKED_EXAMPLE)
    message[-1] ^= 0x01
    with pytest.raises(ChecksumMismatch):
        decode_all(bytes(message))


def test_corrupted_prelude_crc_is_rejected_by_botocore() -> None:
    message = bytearray(WORKED_EXAMPLE)
    message[9] ^= 0x01
    with pytest.raises(ChecksumMismatch):
        decode_all(bytes(message))


@given(
    event_type=st.text(st.characters(codec="utf-8"), min_size=1, max_size=40),
    document=st.dictionaries(st.text(max_size=10), st.text(max_size=50), max_size=5),
)
def test_any_event_round_trips_through_botocore(event_type: str, document: dict[str, str]) -> None:
    messages = event_message(event_type, document) + event_message("x", {})
    [(headers, payload), (second, _)] = decode_all(messages)
    assert headers[":event-type"] == event_type
    assert second[":event-type"] == "x"
    assert json.loads(payload) == document
