"""Streaming through the local Function URL: incremental chunks, prelude, events, errors."""

from __future__ import annotations

import base64
import json

from local.function_url import UrlConfig
from tests.e2e.conftest import MakeTwin, fetch, json_body


def test_chunks_arrive_as_the_function_writes_them(make_twin: MakeTwin) -> None:
    # Given a function that writes 5 chunks 300 ms apart
    twin = make_twin()
    # When a client reads the response as it arrives
    got = fetch(twin.base_url, "/chunks?n=5&delay_ms=300")
    # Then every chunk arrives on its own, spread over the function's run, not all at the end
    assert got.status == 200
    assert got.complete
    lines = got.body.decode().splitlines()
    assert [line.split()[1] for line in lines] == ["0", "1", "2", "3", "4"]
    assert len(got.chunks) == 5
    first, last = got.chunks[0][0], got.chunks[-1][0]
    assert last - first > 0.8  # 4 gaps of 0.3 s: generous lower bound
    written = [float(line.split()[2]) for line in lines]  # time.monotonic(): one clock
    assert [data.decode() for _, data in got.chunks] == [line + "\n" for line in lines]
    # Each chunk reached the client before the function wrote its last one (1.2 s later
    # for the first): streamed, not buffered to the end.
    assert all(arrived < written[-1] for arrived, _ in got.chunks[:-1])
    latencies = sorted(arrived - w for (arrived, _), w in zip(got.chunks, written, strict=True))
    assert 0 <= latencies[len(latencies) // 2] < 0.25


def test_prelude_sets_status_headers_and_cookies(make_twin: MakeTwin) -> None:
    twin = make_twin()
    got = fetch(twin.base_url, "/chunks?n=1")
    assert got.header("content-type") == "text/plain"
    assert got.header("transfer-encoding") == "chunked"
    assert got.header("x-amzn-requestid")
    assert got.all("set-cookie") == ["session=abc; Path=/", "theme=dark"]


def test_event_is_payload_format_2(make_twin: MakeTwin) -> None:
    twin = make_twin()
    got = fetch(
        twin.base_url,
        "/echo?a=1&b=x%20y&a=2",
        method="POST",
        body=b'{"prompt": "hi"}',
        headers={
            "Content-Type": "application/json",
            "Cookie": "c1=v1; c2=v2",
            "X-Custom": "one",
            "User-Agent": "twin-test/1.0",
        },
    )
    event = json_body(got)
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/echo"
    assert event["rawQueryString"] == "a=1&b=x%20y&a=2"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x y"}
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-custom"] == "one"
    assert event["headers"]["x-amzn-trace-id"].startswith("Root=1-")
    assert event["headers"]["x-amzn-trace-id"] == got.header("x-amzn-trace-id")
    assert event["headers"]["content-type"] == "application/json"
    assert all(name == name.lower() for name in event["headers"])
    assert event["body"] == '{"prompt": "hi"}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/echo",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "twin-test/1.0",
    }
    assert context["requestId"] == got.header("x-amzn-requestid")
    assert context["routeKey"] == context["stage"] == "$default"
    assert context["domainName"] == "127.0.0.1"
    assert isinstance(context["timeEpoch"], int)
    assert context["time"].endswith("+0000")
    assert "authorizer" not in context  # AuthType NONE


def test_repeated_headers_are_comma_joined(make_twin: MakeTwin) -> None:
    twin = make_twin()
    raw = [("X-Multi", "a"), ("X-Multi", "b")]
    # http.client's putheader keeps duplicates when given one by one.
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(twin.base_url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    conn.putrequest("GET", "/echo")
    for name, value in raw:
        conn.putheader(name, value)
    conn.endheaders()
    event = json.loads(conn.getresponse().read())
    conn.close()
    assert event["headers"]["x-multi"] == "a,b"
    assert "body" not in event


def test_binary_bodies_are_base64_both_ways(make_twin: MakeTwin) -> None:
    twin = make_twin()
    payload = bytes(range(256))
    echoed = json_body(
        fetch(
            twin.base_url,
            "/echo",
            method="POST",
            body=payload,
            headers={"Content-Type": "application/octet-stream"},
        )
    )
    assert echoed["isBase64Encoded"] is True
    assert base64.b64decode(echoed["body"]) == payload
    # Text content type but not UTF-8: still base64.
    not_utf8 = json_body(
        fetch(
            twin.base_url,
            "/echo",
            method="POST",
            body=b"\xff\xfe",
            headers={"Content-Type": "text/plain"},
        )
    )
    assert not_utf8["isBase64Encoded"] is True
    # And the function gets the bytes back intact: the streamed body is passed unchanged.
    got = fetch(
        twin.base_url, "/binary", method="POST", body=payload, headers={"Content-Type": "image/png"}
    )
    assert got.body == payload
    assert got.header("content-type") == "application/octet-stream"


def test_error_before_first_byte_is_502_with_lambda_error(make_twin: MakeTwin) -> None:
    twin = make_twin()
    got = fetch(twin.base_url, "/fail-early")
    assert got.status == 502
    error = json_body(got)
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "failed before the first byte"
    # The environment survives a handled error and serves the next request.
    assert fetch(twin.base_url, "/chunks?n=1").status == 200
    assert len(twin.pool.started) == 1


def test_error_after_first_byte_ends_the_body(make_twin: MakeTwin) -> None:
    twin = make_twin()
    got = fetch(twin.base_url, "/fail-late")
    assert got.status == 200
    assert got.body == b"partial\n"
    assert got.complete  # the trailers end the stream cleanly; the client keeps the text
    assert any("error trailer ValueError" in line for line in twin.server.log.lines)  # type: ignore[attr-defined]


def test_buffered_function_result(make_twin: MakeTwin) -> None:
    twin = make_twin("buffered.handler")
    got = fetch(twin.base_url, "/")
    assert got.status == 201
    assert got.body == b"buffered body"
    assert got.header("content-type") == "text/plain"
    assert got.header("content-length") == str(len(b"buffered body"))
    assert got.all("set-cookie") == ["flavour=buffered"]
    bare = fetch(twin.base_url, "/bare")
    assert (bare.status, json_body(bare)) == (200, {"hello": "world"})
    assert bare.header("content-type") == "application/json"
    assert fetch(twin.base_url, "/binary").body == bytes(range(256))


def test_buffered_invoke_mode_delivers_the_stream_at_once(make_twin: MakeTwin) -> None:
    twin = make_twin(url=UrlConfig(invoke_mode="BUFFERED"))
    got = fetch(twin.base_url, "/chunks?n=3&delay_ms=100")
    assert got.status == 200
    assert got.header("content-length") == str(len(got.body))
    assert len(got.body.splitlines()) == 3
    assert got.all("set-cookie") == ["session=abc; Path=/", "theme=dark"]


def test_init_failure_is_502_and_the_environment_is_discarded(make_twin: MakeTwin) -> None:
    twin = make_twin("broken.handler")
    got = fetch(twin.base_url, "/")
    assert got.status == 502
    error = json_body(got)
    assert "this function cannot start" in error["errorMessage"]
    assert twin.pool.active == 0
    assert not twin.pool.started[0].alive
    assert twin.pool.started[0].api.init_error is not None


def test_missing_handler_module_is_an_init_error(make_twin: MakeTwin) -> None:
    twin = make_twin("no_such_module.handler")
    got = fetch(twin.base_url, "/")
    assert got.status == 502
    assert json_body(got)["errorType"] == "Runtime.ImportModuleError"


def test_chunked_request_bodies_and_the_size_limit(make_twin: MakeTwin) -> None:
    import http.client
    from urllib.parse import urlsplit

    twin = make_twin()
    parts = urlsplit(twin.base_url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    conn.request(
        "POST",
        "/echo",
        body=iter([b'{"a": ', b"1}"]),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        encode_chunked=True,
    )
    event = json.loads(conn.getresponse().read())
    conn.close()
    assert event["body"] == '{"a": 1}'
    # Over Lambda's 6 MB invocation payload: refused by the URL, the function never runs.
    started = len(twin.pool.started)
    too_big = fetch(twin.base_url, "/echo", method="POST", body=b"x" * (6 * 1024 * 1024 + 1))
    assert too_big.status == 413
    assert len(twin.pool.started) == started
