"""Byte-exact framing of requests, chunks, trailers and the Function URL prelude."""

from __future__ import annotations

import base64
import json

import pytest

from streaming_runtime.client import sized_request, streaming_head
from streaming_runtime.framing import (
    encode_prelude,
    error_trailers,
    frame_chunk,
    header_safe,
    last_chunk,
    make_prelude,
    request_head,
)


def test_chunk_is_hex_length_crlf_data_crlf() -> None:
    assert frame_chunk(b"hello") == b"5\r\nhello\r\n"
    assert frame_chunk(b"x" * 300) == b"12c\r\n" + b"x" * 300 + b"\r\n"
    assert frame_chunk("é".encode()) == b"2\r\n\xc3\xa9\r\n"


def test_last_chunk_without_and_with_trailers() -> None:
    assert last_chunk() == b"0\r\n\r\n"
    assert last_chunk([("A", "1"), ("B", "two")]) == b"0\r\nA: 1\r\nB: two\r\n\r\n"


def test_prelude_is_compact_json_then_eight_nul_bytes() -> None:
    prelude = make_prelude(201, {"content-type": "text/plain"}, ["a=b"])
    assert encode_prelude(prelude) == (
        b'{"statusCode":201,"headers":{"content-type":"text/plain"},"cookies":["a=b"]}' + b"\0" * 8
    )


def test_prelude_escapes_nul_so_the_delimiter_is_unambiguous() -> None:
    encoded = encode_prelude(make_prelude(200, {"x-loc": "mare\0tranquillitatis"}, None))
    assert encoded.index(b"\0") == len(encoded) - 8
    assert b'"mare\\u0000tranquillitatis"' in encoded


def test_set_cookie_headers_move_to_cookies() -> None:
    prelude = make_prelude(200, {"Set-Cookie": "s=1", "x-a": "b"}, ["t=2"])
    assert prelude == {"statusCode": 200, "headers": {"x-a": "b"}, "cookies": ["t=2", "s=1"]}


@pytest.mark.parametrize("status", [99, 600, True, "200", 200.0])
def test_invalid_status_is_refused(status: object) -> None:
    with pytest.raises(ValueError, match="invalid HTTP status"):
        make_prelude(status, None, None)  # type: ignore[arg-type]


def test_error_trailers_carry_type_and_base64_json_body() -> None:
    payload = {"errorMessage": "bad ✓", "errorType": "ValueError", "stackTrace": ["line 1"]}
    trailers = error_trailers(payload)  # type: ignore[arg-type]
    assert trailers[0] == ("Lambda-Runtime-Function-Error-Type", "ValueError")
    name, body = trailers[1]
    assert name == "Lambda-Runtime-Function-Error-Body"
    assert json.loads(base64.b64decode(body, validate=True)) == payload


def test_header_values_stay_on_one_latin1_line() -> None:
    assert header_safe("Bad\r\nInjected: 1") == "Bad??Injected: 1"
    assert header_safe("Ünïcode") == "?n?code"
    assert header_safe("") == "Unhandled"


def test_request_head() -> None:
    assert request_head("GET", "/p", [("Host", "h:1")]) == b"GET /p HTTP/1.1\r\nHost: h:1\r\n\r\n"


def test_streaming_response_head_announces_both_trailers() -> None:
    assert streaming_head("127.0.0.1:9001", "id-1") == (
        b"POST /2018-06-01/runtime/invocation/id-1/response HTTP/1.1\r\n"
        b"Host: 127.0.0.1:9001\r\n"
        b"Lambda-Runtime-Function-Response-Mode: streaming\r\n"
        b"Transfer-Encoding: chunked\r\n"
        b"Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n"
        b"Content-Type: application/vnd.awslambda.http-integration-response\r\n\r\n"
    )


def test_request_ids_are_percent_encoded_in_paths() -> None:
    assert b"/invocation/a%2Fb%20c/response " in streaming_head("h", "a/b c")


def test_error_request_has_type_header_and_sized_body() -> None:
    raw = sized_request("h", "POST", "/e", b'{"x":1}', "ValueError")
    assert raw == (
        b"POST /e HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
        b"Lambda-Runtime-Function-Error-Type: ValueError\r\nContent-Length: 7\r\n\r\n"
        b'{"x":1}'
    )
