"""Malformed HTTP and rude clients against the local Function URL twin.

Whatever a client sends (a bad request line, huge headers, broken chunked framing, a wrong
Content-Length, a request that never finishes) or does (leaving mid-stream), the twin answers
what it can with a 4xx, keeps serving, starts no environment for a request that never reached
the function, and leaves none behind. A client that leaves mid-stream does not stop the
function: it runs to completion, as in Lambda, and its environment is then reused.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from local.function_url.twin import LocalFunctionUrl
from tests.e2e.chat.twin import ChatTwin, running_twin
from tests.e2e.conftest import MakeTwin, Received, fetch

IO_TIMEOUT_S = 10.0


def _address(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    return parts.hostname or "127.0.0.1", parts.port or 80


@contextlib.contextmanager
def _connect(base_url: str) -> Iterator[socket.socket]:
    sock = socket.create_connection(_address(base_url), timeout=IO_TIMEOUT_S)
    try:
        yield sock
    finally:
        sock.close()


def _read_all(sock: socket.socket, limit_s: float = IO_TIMEOUT_S) -> bytes:
    """Everything until the server closes (or limit_s passes)."""
    deadline = time.monotonic() + limit_s
    data = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            piece = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            break
        if not piece:
            break
        data += piece
    return data


def _exchange(base_url: str, raw: bytes, *, half_close: bool = True) -> bytes:
    """Send raw bytes, then read what comes back until the server closes."""
    with _connect(base_url) as sock:
        sock.sendall(raw)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        return _read_all(sock)


def _status(response: bytes) -> int:
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", response)
    assert match, f"no HTTP status line in {response[:200]!r}"
    return int(match[1])


def _eventually(check: Callable[[], bool], timeout: float = IO_TIMEOUT_S) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def _healthy(twin: LocalFunctionUrl) -> str:
    """A normal request still works; returns the pid of the environment that served it."""
    got = fetch(twin.base_url, "/chunks?n=2&delay_ms=0", timeout=IO_TIMEOUT_S)
    assert got.status == 200
    assert got.complete
    assert got.body.count(b"chunk ") == 2
    return got.header("x-pid") or ""


# --- malformed requests: answered (4xx) or dropped, never reaching the function ----------------

CHUNKED = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
MALFORMED: list[tuple[str, bytes, set[int]]] = [
    ("garbage request line", b"GARBAGE\r\n\r\n", {400}),
    ("three-word garbage", b"GET / HTTP/9.9x\r\n\r\n", {400, 505}),
    ("binary junk", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)), {400}),
    ("request line too long", b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", {414}),
    (
        "header line too long",
        b"GET /chunks HTTP/1.1\r\nHost: x\r\nX-Big: " + b"h" * 70_000 + b"\r\n\r\n",
        {431, 400},
    ),
    (
        "too many headers",
        b"GET /chunks HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-H%d: v\r\n" % i for i in range(200))
        + b"\r\n",
        {431, 400},
    ),
    (
        "bad chunk size",
        CHUNKED + b"zz\r\nhello\r\n0\r\n\r\n",
        {400},
    ),
    (
        "negative chunk size",
        CHUNKED + b"-5\r\nhello\r\n0\r\n\r\n",
        {400},
    ),
    (
        "chunked body cut short",
        CHUNKED + b"100\r\nshort",
        {400},
    ),
    (
        "non-numeric content-length",
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
        {400},
    ),
    (
        "negative content-length",
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}",
        {400},
    ),
    (
        "content-length over what is sent",
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly this",
        {400},
    ),
]


@pytest.mark.parametrize(
    ("raw", "statuses"), [(raw, s) for _, raw, s in MALFORMED], ids=[n for n, _, _ in MALFORMED]
)
def test_malformed_requests_get_a_4xx_and_never_reach_the_function(
    make_twin: MakeTwin, raw: bytes, statuses: set[int]
) -> None:
    twin = make_twin()
    response = _exchange(twin.base_url, raw)
    if response:  # a server may also just close; an answer, if any, is a client error
        assert _status(response) in statuses, response[:300]
    assert response, "the twin closed without answering"
    assert twin.pool.started == [], "an environment was started for a malformed request"
    _healthy(twin)
    assert len(twin.pool.started) == 1


def test_content_length_shorter_than_the_body_leaves_the_rest_as_garbage(
    make_twin: MakeTwin,
) -> None:
    twin = make_twin()
    body = b'{"a": 1}EXTRA BYTES THAT ARE NOT A REQUEST\r\n\r\n'
    head = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    response = _exchange(twin.base_url, head + b"Content-Length: 8\r\n\r\n" + body)
    assert _status(response) == 200
    first, _, rest = response.partition(b"\r\n0\r\n\r\n")
    assert b'"body": "{\\"a\\": 1}"' in first
    assert b"EXTRA" not in first
    # The bytes after the body are read as the next request on the connection: a 400.
    if rest:
        assert _status(rest) == 400
    _healthy(twin)
    assert len(twin.pool.started) == 1


def test_headers_up_to_the_limits_are_served(make_twin: MakeTwin) -> None:
    twin = make_twin()
    headers = {f"X-Header-{i}": "v" * 8000 for i in range(50)}
    got = fetch(twin.base_url, "/echo", headers=headers, timeout=IO_TIMEOUT_S)
    assert got.status < 500
    if got.status == 200:
        assert json.loads(got.body)["headers"]["x-header-0"] == "v" * 8000
    _healthy(twin)


def test_slow_partial_requests_do_not_block_others(make_twin: MakeTwin) -> None:
    twin = make_twin()
    partial = [
        b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"a":',
        b"GET /chunks HTTP/1.1\r\nHost: x\r\nX-Slow: ",
        b"GET /chu",
    ]
    socks = [
        socket.create_connection(_address(twin.base_url), timeout=IO_TIMEOUT_S) for _ in partial
    ]
    try:
        for sock, data in zip(socks, partial, strict=True):
            sock.sendall(data)
        for _ in range(3):  # trickle a byte now and then, as slowloris does
            time.sleep(0.1)
            socks[1].sendall(b"x")
        started = time.monotonic()
        _healthy(twin)
        assert time.monotonic() - started < 5
    finally:
        for sock in socks:
            sock.close()
    assert len(twin.pool.started) == 1  # none for the requests that never completed
    _healthy(twin)
    assert len(twin.pool.started) == 1


def test_a_client_that_leaves_mid_stream_lets_the_function_finish(make_twin: MakeTwin) -> None:
    twin = make_twin()
    lines: list[str] = twin.server.log.lines  # type: ignore[attr-defined]
    with _connect(twin.base_url) as sock:
        sock.sendall(b"GET /chunks?n=6&delay_ms=150 HTTP/1.1\r\nHost: x\r\n\r\n")
        first = sock.recv(65536)
        assert _status(first) == 200
        pid = re.search(rb"x-pid: (\d+)", first, re.IGNORECASE)
        assert pid
        left_at = time.monotonic()
    # The function runs on to its end (about 5 x 150 ms), then reports and its environment
    # goes back to the pool.
    assert _eventually(lambda: any(" END RequestId: " in line for line in lines))
    assert time.monotonic() - left_at > 0.4
    reports = [line for line in lines if " REPORT RequestId: " in line]
    assert _eventually(lambda: bool([ln for ln in lines if " REPORT RequestId: " in ln]))
    reports = [line for line in lines if " REPORT RequestId: " in line]
    duration_ms = float(re.search(r"Duration: ([\d.]+) ms", reports[0])[1])  # type: ignore[index]
    assert duration_ms >= 5 * 150 * 0.9
    assert _healthy(twin) == pid[1].decode()
    assert len(twin.pool.started) == 1


def test_many_clients_leaving_at_once_leave_no_environment_busy(make_twin: MakeTwin) -> None:
    twin = make_twin(max_concurrency=4)
    socks = []
    try:
        for _ in range(4):
            sock = socket.create_connection(_address(twin.base_url), timeout=IO_TIMEOUT_S)
            sock.sendall(b"GET /chunks?n=3&delay_ms=100 HTTP/1.1\r\nHost: x\r\n\r\n")
            socks.append(sock)
        for sock in socks:
            assert _status(sock.recv(65536)) == 200
    finally:
        for sock in socks:
            sock.close()
    assert _eventually(lambda: twin.pool.active == len(twin.pool.started) and _idle(twin) == 4)
    for _ in range(4):
        _healthy(twin)
    assert len(twin.pool.started) == 4


def _idle(twin: LocalFunctionUrl) -> int:
    pool = twin.pool
    with pool._lock:  # the twin's own pool, read for the test
        return len(pool._idle)


def test_a_function_exiting_is_a_502_and_the_next_request_gets_a_fresh_environment(
    make_twin: MakeTwin,
) -> None:
    # sys.exit() in a handler ends the runtime process, as in Lambda: Runtime.ExitError.
    twin = make_twin()
    got = fetch(twin.base_url, "/exit", timeout=IO_TIMEOUT_S)
    assert got.status == 502
    assert got.header("x-amzn-ErrorType") == "Runtime.ExitError"
    _healthy(twin)
    assert len(twin.pool.started) == 2
    assert not twin.pool.started[0].alive


# --- the real function through the twin ---------------------------------------------------------


@pytest.fixture(scope="module")
def chat_twin() -> Iterator[ChatTwin]:
    with running_twin("none", environ={"POWERTOOLS_LOG_LEVEL": "INFO"}) as running:
        yield running


def _echo_chat(twin: ChatTwin, text: str) -> Received:
    """A normal chat request the real function answers with exactly ``text``."""
    return fetch(
        twin.url,
        "/chat",
        method="POST",
        body=json.dumps({"prompt": f"#! echo\n{text}"}).encode(),
        headers={"Content-Type": "application/json"},
        timeout=IO_TIMEOUT_S,
    )


def _chat_raw(prompt: str, extra_headers: bytes = b"") -> bytes:
    body = json.dumps({"prompt": prompt}).encode()
    return (
        b"POST /chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + extra_headers
        + b"Content-Length: %d\r\n\r\n" % len(body)
        + body
    )


def test_real_function_finishes_an_answer_whose_client_left(chat_twin: ChatTwin) -> None:
    before = len(chat_twin.function_url.pool.started)
    with _connect(chat_twin.url) as sock:
        # 30 tokens at 30/s: about a second of streaming, of which the client sees the start.
        sock.sendall(_chat_raw("#! tokens=30 rate=30\nhello"))
        head = sock.recv(65536)
        assert _status(head) == 200
    logs = chat_twin.logs
    assert _eventually(
        lambda: any('"outcome":"done"' in line.replace(" ", "") for line in logs), 15
    ), "the function did not finish the answer"
    assert _eventually(lambda: any(" REPORT RequestId: " in line for line in logs))
    got = _echo_chat(chat_twin, "again")
    assert got.status == 200
    assert b"event: done" in got.body
    assert len(chat_twin.function_url.pool.started) == max(before, 1)


@pytest.mark.parametrize(
    "raw",
    [
        b"POST /chat HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n",
        b"POST /chat HTTP/1.1\r\nHost: x\r\nContent-Length: -7\r\n\r\n{}",
        b'POST /chat HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{"prompt":',
        b"\x00\x01\x02 / HTTP/1.1\r\n\r\n",
    ],
)
def test_real_function_twin_survives_malformed_http(chat_twin: ChatTwin, raw: bytes) -> None:
    response = _exchange(chat_twin.url, raw)
    assert response
    assert _status(response) in {400, 501}  # 501: a method the server does not know
    got = _echo_chat(chat_twin, "still fine")
    assert got.status == 200
    assert got.body.startswith(b"event: start")
    assert b"event: done" in got.body


ECHO = "%23!%20echo%20rate=20000%20ttft_ms=0%0A"  # "#! echo ...": answered at once, as sent


@pytest.mark.parametrize(
    "query",
    [
        f"prompt={ECHO}a&prompt=b",  # repeated: the URL joins the values with commas
        "prompt=%zz&max_tokens=%",  # bad percent-encoding is left as it is
        f"prompt={ECHO}%FF%FE&system=%C3",  # percent-encoded bytes that are not UTF-8
        "prompt=hi&temperature=nan",
        "prompt=hi&max_tokens=1e400",
        f"prompt={ECHO}hi&prompt=" + "x" * 5000,
        "=&&&=x&prompt",
        f"prompt={ECHO}%00%0d%0a",
    ],
)
def test_real_function_answers_odd_get_chat_queries_with_a_stream_or_a_4xx(
    chat_twin: ChatTwin, query: str
) -> None:
    got = fetch(chat_twin.url, f"/chat?{query}", timeout=IO_TIMEOUT_S)
    assert got.complete
    if got.status == 200:
        assert got.body.startswith(b"event: start")
        assert (
            got.body.rstrip().rsplit(b"\n\n", 1)[-1].startswith((b"event: done", b"event: error"))
        )
    else:
        assert 400 <= got.status < 500, got.body[:300]
        error = json.loads(got.body)["error"]
        assert set(error) == {"code", "message", "retryable"}
    logs = "\n".join(chat_twin.logs)
    assert "x" * 100 not in logs  # prompt text never reaches the log


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"prompt": "\xff\xfe"}', "application/json"),  # not UTF-8
        (b'{"prompt": "\xed\xa0\x80"}', "application/json"),  # an encoded lone surrogate
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (b'{"prompt": "a", "max_tokens": ' + b"9" * 5000 + b"}", "application/json"),
        (
            b'{"prompt": "#! echo ttft_ms=0\\na"}',
            "",
        ),  # no content type: the URL base64-encodes the body
        (b"\x00\x01\x02", "application/octet-stream"),
    ],
)
def test_real_function_answers_odd_bodies_with_a_stream_or_a_4xx(
    chat_twin: ChatTwin, body: bytes, content_type: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    got = fetch(chat_twin.url, "/chat", method="POST", body=body, headers=headers)
    assert got.complete
    if got.status != 200:
        assert 400 <= got.status < 500, got.body[:300]
        assert set(json.loads(got.body)["error"]) == {"code", "message", "retryable"}
    else:
        assert b"event: start" in got.body
