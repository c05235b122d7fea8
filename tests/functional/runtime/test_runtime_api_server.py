"""The local Runtime API's own contract: what it answers and what it records."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time

import pytest

from local.runtime_api import RuntimeApiServer

NEXT = "/2018-06-01/runtime/invocation/next"


def _connect(api: RuntimeApiServer) -> http.client.HTTPConnection:
    host, port = api.address.split(":")
    return http.client.HTTPConnection(host, int(port), timeout=5)


def _next(conn: http.client.HTTPConnection) -> http.client.HTTPResponse:
    conn.request("GET", NEXT)
    response = conn.getresponse()
    response.read()
    return response


def test_next_hands_out_the_event_with_invocation_headers() -> None:
    with RuntimeApiServer() as api:
        invocation = api.submit(b'{"k": 1}', request_id="rid-1", deadline_ms=123, trace_id="Root=1")
        conn = _connect(api)
        conn.request("GET", NEXT)
        response = conn.getresponse()
        assert response.read() == b'{"k": 1}'
        assert response.getheader("Lambda-Runtime-Aws-Request-Id") == "rid-1"
        assert response.getheader("Lambda-Runtime-Deadline-Ms") == "123"
        assert response.getheader("Lambda-Runtime-Trace-Id") == "Root=1"
        # Empty optional headers are omitted, as the emulator does.
        assert response.getheader("Lambda-Runtime-Client-Context") is None
        assert invocation.delivered_at is not None
        assert api.requests[0].method == "GET"


@pytest.mark.parametrize(
    ("path_id", "headers", "status", "error_type"),
    [
        ("unknown", {}, 400, "InvalidRequestID"),
        (
            "rid",
            {"Lambda-Runtime-Function-Response-Mode": "bogus"},
            400,
            "InvalidFunctionResponseMode",
        ),
    ],
)
def test_bad_responses_are_refused(
    path_id: str, headers: dict[str, str], status: int, error_type: str
) -> None:
    with RuntimeApiServer() as api:
        api.submit(b"{}", request_id="rid")
        conn = _connect(api)
        _next(conn)
        conn.request("POST", f"/2018-06-01/runtime/invocation/{path_id}/response", b"x", headers)
        response = conn.getresponse()
        assert response.status == status
        assert json.loads(response.read())["errorType"] == error_type


def test_a_second_response_is_an_invalid_state_transition() -> None:
    with RuntimeApiServer() as api:
        invocation = api.submit(b"{}", request_id="rid")
        conn = _connect(api)
        _next(conn)
        path = "/2018-06-01/runtime/invocation/rid/response"
        conn.request("POST", path, b'"first"')
        first = conn.getresponse()
        first.read()
        assert first.status == 202
        conn.request("POST", path, b'"second"')
        response = conn.getresponse()
        assert response.status == 403
        assert invocation.outcome == "buffered"
        assert invocation.response is not None
        assert invocation.response.body == b'"first"'


def test_init_error_is_recorded() -> None:
    with RuntimeApiServer() as api:
        conn = _connect(api)
        conn.request("POST", "/2018-06-01/runtime/init/error", b'{"errorType": "X"}')
        assert conn.getresponse().status == 202
        recorded = api.wait_init_error(1)
        assert recorded is not None
        assert recorded.body == b'{"errorType": "X"}'


def test_a_body_cut_mid_chunk_is_truncated() -> None:
    with RuntimeApiServer() as api:
        invocation = api.submit(b"{}", request_id="rid")
        host, port = api.address.split(":")
        sock = socket.create_connection((host, int(port)))
        sock.sendall(f"GET {NEXT} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert b"200 OK" in sock.recv(4096)
        sock.sendall(
            b"POST /2018-06-01/runtime/invocation/rid/response HTTP/1.1\r\nHost: x\r\n"
            b"Lambda-Runtime-Function-Response-Mode: streaming\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n9\r\npart"
        )
        assert next(iter(invocation.iter_body(timeout=5))) == b"hello"
        sock.close()
        assert invocation.wait(5)
        assert invocation.outcome == "truncated"
        assert invocation.failure == "Runtime.TruncatedResponse"


def test_stop_is_prompt_and_safe_without_start() -> None:
    api = RuntimeApiServer()
    began = time.monotonic()
    api.stop()
    assert time.monotonic() - began < 1


def test_stop_releases_a_runtime_blocked_in_next() -> None:
    api = RuntimeApiServer()
    api.start()
    conn = _connect(api)
    outcome: list[BaseException | int] = []

    def wait_next() -> None:
        try:
            outcome.append(_next(conn).status)
        except (OSError, http.client.HTTPException) as exc:
            outcome.append(exc)

    thread = threading.Thread(target=wait_next)
    thread.start()
    assert api.wait_ready(5)
    api.stop()
    thread.join(5)
    assert not thread.is_alive()
    assert outcome
    assert isinstance(outcome[0], BaseException)
