"""The response stream's bytes and states, against a client that records what it sends."""

from __future__ import annotations

import base64
import json

import pytest

from streaming_runtime.stream import ResponseStream, StreamStateError

HEAD = (
    b"POST /2018-06-01/runtime/invocation/rid/response HTTP/1.1\r\n"
    b"Host: api\r\n"
    b"Lambda-Runtime-Function-Response-Mode: streaming\r\n"
    b"Transfer-Encoding: chunked\r\n"
    b"Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n"
    b"Content-Type: application/vnd.awslambda.http-integration-response\r\n\r\n"
)


class RecordingConnection:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send(self, data: bytes) -> None:
        self.sent.append(data)


class RecordingClient:
    host = "api"

    def __init__(self) -> None:
        self.connection = RecordingConnection()
        self.finished = 0

    def finish_stream(self) -> None:
        self.finished += 1


@pytest.fixture
def client() -> RecordingClient:
    return RecordingClient()


@pytest.fixture
def stream(client: RecordingClient) -> ResponseStream:
    return ResponseStream(client, "rid")  # type: ignore[arg-type]


def _prelude_chunk(json_text: bytes) -> bytes:
    data = json_text + b"\0" * 8
    return b"%x\r\n%b\r\n" % (len(data), data)


def test_start_sends_head_and_prelude_then_each_write_is_one_send(
    stream: ResponseStream, client: RecordingClient
) -> None:
    stream.start(200, {"content-type": "text/event-stream"})
    stream.write("event: a\n\n")
    stream.write(b"\xf0\x9f\x98\x80")
    stream.close()
    assert client.connection.sent == [
        HEAD
        + _prelude_chunk(
            b'{"statusCode":200,"headers":{"content-type":"text/event-stream"},"cookies":[]}'
        ),
        b"a\r\nevent: a\n\n\r\n",
        b"4\r\n\xf0\x9f\x98\x80\r\n",
        b"0\r\n\r\n",
    ]
    assert client.finished == 1


def test_write_without_start_sends_a_default_200_first(
    stream: ResponseStream, client: RecordingClient
) -> None:
    stream.write("x")
    assert client.connection.sent[0].endswith(
        _prelude_chunk(
            b'{"statusCode":200,"headers":{"content-type":"application/octet-stream"},"cookies":[]}'
        )
    )
    assert client.connection.sent[1] == b"1\r\nx\r\n"


def test_empty_write_sends_nothing_and_close_without_writes_still_ends(
    stream: ResponseStream, client: RecordingClient
) -> None:
    stream.start(204)
    stream.write(b"")
    stream.write("")
    stream.close()
    stream.close()
    assert client.connection.sent[1:] == [b"0\r\n\r\n"]
    assert client.finished == 1


def test_close_before_start_sends_prelude_and_end(
    stream: ResponseStream, client: RecordingClient
) -> None:
    stream.close()
    assert len(client.connection.sent) == 2
    assert client.connection.sent[0].startswith(HEAD)
    assert client.connection.sent[1] == b"0\r\n\r\n"


def test_fail_ends_with_error_trailers(stream: ResponseStream, client: RecordingClient) -> None:
    stream.write("kept")
    stream.fail({"errorMessage": "m", "errorType": "E", "stackTrace": []})
    last = client.connection.sent[-1]
    body = base64.b64encode(
        json.dumps({"errorMessage": "m", "errorType": "E", "stackTrace": []}).encode()
    )
    assert last == (
        b"0\r\nLambda-Runtime-Function-Error-Type: E\r\n"
        b"Lambda-Runtime-Function-Error-Body: " + body + b"\r\n\r\n"
    )
    assert client.finished == 1


def test_misuse_is_refused(stream: ResponseStream) -> None:
    with pytest.raises(StreamStateError):
        stream.fail({"errorMessage": "m", "errorType": "E", "stackTrace": []})
    stream.start()
    with pytest.raises(StreamStateError):
        stream.start()
    with pytest.raises(TypeError):
        stream.write(123)  # type: ignore[arg-type]
    stream.close()
    with pytest.raises(StreamStateError):
        stream.write("late")
