"""Issue 4's functional tests through the local twin: the real function, over real HTTP.

The function runs from lambda_src through its bootstrap and the streaming runtime in twin
environments, behind the local Function URL, calling the local Bedrock (docs/API.md §9). Every
assertion is on what an HTTP client receives, and where useful on what Bedrock was sent.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from infra.settings import APP_SETTINGS
from local.lambda_env.overrides import LOCAL_MODELS
from tests.e2e.chat.twin import ChatTwin, running_twin
from tests.e2e.conftest import Received, fetch
from tests.e2e.handler_twin.exchange import FAST, echo, envs_of, post, request_record
from tests.e2e.handler_twin.wire import (
    Sse,
    log_records,
    parse_ndjson,
    parse_sse,
    strings_in,
)

# One above the stack's MAX_TOKENS_LIMIT, which the twin's function runs with.
OVER_LIMIT = int(APP_SETTINGS["MAX_TOKENS_LIMIT"]) + 1

DEFAULT_MODEL = LOCAL_MODELS[0]
CONTENT_TYPES = {
    "sse": "text/event-stream; charset=utf-8",
    "ndjson": "application/x-ndjson",
    "text": "text/plain; charset=utf-8",
}
# Answers that a careless encoder or client would break.
ECHO_TEXTS = {
    "multiline": "first line\nsecond line\n\nfourth, after a blank line\n",
    "unicode": "Grüße, naïve café, 日本語のテキスト, Ελληνικά, עברית; "
    "sep\u2028line\u2029para\x85nel",
    "emoji": "Emoji: 👩\u200d👩\u200d👧\u200d👦 family, 🇯🇵 flag, 👍🏽 thumbs, 🐍🐍🐍",
    "sse_lookalike": 'data: {"fake": true}\n\nevent: done\ndata: not the end\n\n: comment\nid: 7\n',
    "crlf": "line one\r\nline two\r\n\r\ndata: four\rlone CR\r\n",
}
# Timings of the twin that tests stalls, keepalives and the deadline.
TIMED_ENV = {
    "STALL_TIMEOUT_S": "2",
    "KEEPALIVE_S": "0.25",
    "DEADLINE_MARGIN_S": "2",
    "FUNCTION_TIMEOUT_S": "6",
}


@pytest.fixture(scope="module")
def twin() -> Iterator[ChatTwin]:
    """The stack's settings (INFO logs, as the stack sets them), local allow-list."""
    with running_twin("none", environ={"POWERTOOLS_LOG_LEVEL": "INFO"}) as running:
        yield running


@pytest.fixture(scope="module")
def timed_twin() -> Iterator[ChatTwin]:
    """Short stall timeout, keepalive interval and function timeout."""
    with running_twin("none", environ=TIMED_ENV) as running:
        yield running


def sse_stream(received: Received) -> Sse:
    """The SSE body of a 200 streaming response, checked for the §3 shape up to its terminal."""
    assert received.status == 200, received.body[:500]
    assert received.complete, "the chunked body was cut"
    assert received.header("Content-Type") == CONTENT_TYPES["sse"]
    sse = parse_sse(received)
    assert sse.leftover == b"", f"bytes after the last event: {sse.leftover!r}"
    names = sse.names
    assert names[0] == "start", names
    assert set(names[1:-1]) <= {"delta"}, names
    assert names[-1] in {"done", "error"}, names
    return sse


def check_done(sse: Sse, received: Received, model: str = DEFAULT_MODEL) -> None:
    """start with id and model, deltas, exactly one terminal `done` with usage and metrics."""
    start = sse.events[0].data
    assert start == {"id": received.header("X-Request-Id"), "model": model}
    assert sse.names.count("done") == 1
    assert "error" not in sse.names
    done = sse.events[-1]
    assert done.name == "done"
    assert done.data["stop_reason"] == "end_turn"
    usage = done.data["usage"]
    assert isinstance(usage["input_tokens"], int)
    assert usage["input_tokens"] > 0
    assert usage["output_tokens"] == sse.names.count("delta")  # one local token per delta
    metrics = done.data["metrics"]
    assert set(metrics) == {"ttft_ms", "duration_ms", "output_tokens_per_s"}
    assert 0 <= metrics["ttft_ms"] <= metrics["duration_ms"]
    assert metrics["output_tokens_per_s"] > 0


def check_headers(received: Received, fmt: str) -> None:
    assert received.status == 200, received.body[:500]
    assert received.complete
    assert received.header("Content-Type") == CONTENT_TYPES[fmt]
    assert received.header("Cache-Control") == "no-cache"
    request_id = received.header("X-Request-Id")
    assert request_id
    assert request_id == received.header("x-amzn-RequestId")
    assert received.header("Transfer-Encoding") == "chunked"


def text_of(received: Received, fmt: str) -> str:
    """The answer's text in any format, with the format's own framing checked."""
    if fmt == "sse":
        sse = sse_stream(received)
        check_done(sse, received)
        return sse.text()
    if fmt == "ndjson":
        records = parse_ndjson(received)
        types = [r["type"] for r in records]
        assert types[0] == "start"
        assert set(types[1:-1]) == {"delta"}
        assert types[-1] == "done"
        assert records[0] == {
            "type": "start",
            "id": received.header("X-Request-Id"),
            "model": DEFAULT_MODEL,
        }
        assert records[-1]["stop_reason"] == "end_turn"
        assert set(records[-1]) == {"type", "stop_reason", "usage", "metrics"}
        return "".join(r["text"] for r in records if r["type"] == "delta")
    return received.body.decode("utf-8")


def error_json(received: Received) -> dict[str, Any]:
    """The §4 error body, checked for its exact shape."""
    assert received.complete
    assert received.header("Content-Type") == "application/json"
    doc = json.loads(received.body)
    assert set(doc) == {"error"}
    assert set(doc["error"]) == {"code", "message", "retryable"}
    assert isinstance(doc["error"]["message"], str)
    assert doc["error"]["message"]
    error: dict[str, Any] = doc["error"]
    return error


def attempts(twin: ChatTwin, marker: str) -> int:
    """How many Converse calls the local Bedrock received whose last user text has marker."""
    return sum(
        1 for messages in twin.bedrock_messages() if marker in messages[-1]["content"][0]["text"]
    )


def assert_healthy(twin: ChatTwin) -> None:
    """The twin still answers a normal request with the exact text."""
    text = f"still healthy {uuid.uuid4().hex}"
    received = post(twin, {"prompt": echo(text)})
    assert text_of(received, "sse") == text


# 1. Exact text, every format ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["sse", "ndjson", "text"])
@pytest.mark.parametrize("case", list(ECHO_TEXTS))
def test_echo_text_is_exact_in_every_format(twin: ChatTwin, case: str, fmt: str) -> None:
    expected = ECHO_TEXTS[case]
    received = post(twin, {"prompt": echo(expected), "format": fmt})
    check_headers(received, fmt)
    assert text_of(received, fmt) == expected
    # Bedrock was sent the user's text unchanged.
    assert twin.bedrock_messages()[-1] == [{"role": "user", "content": [{"text": echo(expected)}]}]


def test_long_answer_is_exact(twin: ChatTwin) -> None:
    # Thousands of deltas: more than the writer's queue and many socket writes.
    expected = "".join(f"{i} ünïcode 🐍\n" if i % 7 == 0 else f"word{i} " for i in range(3_000))
    received = post(twin, {"prompt": echo(expected, "rate=100000 ttft_ms=0")})
    check_headers(received, "sse")
    sse = sse_stream(received)
    check_done(sse, received)
    assert sse.names.count("delta") > 4 * 64  # several times the writer's queue
    assert sse.text() == expected


def test_base64_request_body_is_decoded(twin: ChatTwin) -> None:
    # A binary content type makes the Function URL deliver the body base64-encoded.
    expected = ECHO_TEXTS["unicode"]
    received = post(
        twin,
        {"prompt": echo(expected), "format": "ndjson"},
        headers={"Content-Type": "application/octet-stream"},
    )
    check_headers(received, "ndjson")
    assert text_of(received, "ndjson") == expected


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/event-stream", "sse"),
        ("application/x-ndjson", "ndjson"),
        ("text/plain", "text"),
        ("*/*", "sse"),
        (None, "sse"),
        ("application/json", "sse"),
        ("text/html, application/x-ndjson;q=0.9", "ndjson"),
        ("text/plain;q=0.5, application/x-ndjson", "ndjson"),
    ],
)
def test_format_chosen_by_accept(twin: ChatTwin, accept: str | None, fmt: str) -> None:
    expected = ECHO_TEXTS["multiline"]
    headers = {"Accept": accept} if accept is not None else {}
    received = post(twin, {"prompt": echo(expected)}, headers=headers)
    check_headers(received, fmt)
    assert text_of(received, fmt) == expected


def test_format_field_wins_over_accept(twin: ChatTwin) -> None:
    expected = ECHO_TEXTS["crlf"]
    received = post(
        twin,
        {"prompt": echo(expected), "format": "text"},
        headers={"Accept": "application/x-ndjson"},
    )
    check_headers(received, "text")
    assert received.body.decode() == expected


# 2. Fault directives -----------------------------------------------------------------------


def test_throttle_is_429_with_retry_after_after_retries(twin: ChatTwin) -> None:
    marker = f"throttled-{uuid.uuid4().hex}"
    received = post(twin, {"prompt": f"#! fault=throttle\n{marker}"})
    assert received.status == 429
    error = error_json(received)
    assert (error["code"], error["retryable"]) == ("throttled", True)
    retry_after = received.header("Retry-After")
    assert retry_after is not None
    assert retry_after.isdigit()
    assert int(retry_after) >= 1
    assert attempts(twin, marker) >= 2  # retried before giving up


def test_throttle_that_clears_within_the_retries_streams_normally(twin: ChatTwin) -> None:
    text = f"cleared after two throttles {uuid.uuid4().hex}"
    received = post(twin, {"prompt": echo(text, f"fault=throttle after=2 {FAST}")})
    check_headers(received, "sse")
    assert text_of(received, "sse") == text
    assert attempts(twin, text) == 3  # two refused, the third answered


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [("access_denied", 403, "model_access_denied"), ("validation", 400, "invalid_request")],
)
def test_refusals_map_to_their_status_without_retries(
    twin: ChatTwin, fault: str, status: int, code: str
) -> None:
    marker = f"{fault}-{uuid.uuid4().hex}"
    received = post(twin, {"prompt": f"#! fault={fault}\n{marker}"})
    assert received.status == status
    error = error_json(received)
    assert (error["code"], error["retryable"]) == (code, False)
    assert received.header("Retry-After") is None
    assert attempts(twin, marker) == 1


MIDSTREAM_TEXT = "alpha beta gamma delta epsilon zeta"


def test_midstream_fault_keeps_the_text_before_one_terminal_error(twin: ChatTwin) -> None:
    received = post(twin, {"prompt": echo(MIDSTREAM_TEXT, f"fault=midstream after=3 {FAST}")})
    check_headers(received, "sse")
    sse = sse_stream(received)
    assert sse.names == ["start", "delta", "delta", "delta", "error"]
    assert sse.text() == "alpha beta gamma"
    error = sse.events[-1].data
    assert set(error) == {"code", "message", "retryable"}
    assert (error["code"], error["retryable"]) == ("model_stream_error", True)


def test_midstream_fault_in_text_appends_the_error_line(twin: ChatTwin) -> None:
    received = post(
        twin,
        {"prompt": echo(MIDSTREAM_TEXT, f"fault=midstream after=3 {FAST}"), "format": "text"},
    )
    check_headers(received, "text")
    body = received.body.decode()
    assert body.startswith("alpha beta gamma\n[error model_stream_error: ")
    assert body.endswith("]\n")
    assert body.count("[error") == 1


def test_midstream_fault_in_ndjson_ends_with_one_error_record(twin: ChatTwin) -> None:
    received = post(
        twin,
        {"prompt": echo(MIDSTREAM_TEXT, f"fault=midstream after=3 {FAST}"), "format": "ndjson"},
    )
    check_headers(received, "ndjson")
    records = parse_ndjson(received)
    assert [r["type"] for r in records] == ["start", "delta", "delta", "delta", "error"]
    assert records[-1]["code"] == "model_stream_error"


def test_stall_ends_with_upstream_stalled_and_the_next_request_is_served(
    timed_twin: ChatTwin,
) -> None:
    text = "one two three four five"
    received = post(timed_twin, {"prompt": echo(text, f"fault=stall after=2 stall_s=20 {FAST}")})
    elapsed = received.chunks[-1][0] - received.sent_at
    sse = sse_stream(received)
    assert sse.names == ["start", "delta", "delta", "error"]
    assert sse.text() == "one two"
    error = sse.events[-1].data
    assert (error["code"], error["retryable"]) == ("upstream_stalled", True)
    # STALL_TIMEOUT_S=2 after the second delta; nowhere near the 20 s stall or the timeout.
    assert 1.5 <= sse.events[-1].at - sse.events[-2].at < 5
    assert elapsed < 5.5
    # The same environment answers the next request at once: nothing was left hanging.
    started = time.monotonic()
    follow = post(timed_twin, {"prompt": echo("after the stall")})
    assert time.monotonic() - started < 2
    assert text_of(follow, "sse") == "after the stall"
    envs = envs_of(timed_twin)
    assert envs[follow.header("X-Request-Id") or ""] == envs[received.header("X-Request-Id") or ""]
    assert not [line for line in timed_twin.logs if "reader thread did not end" in line]


# 3. Deadline -------------------------------------------------------------------------------


def test_deadline_ends_the_stream_before_the_timeout_and_the_environment_stays(
    timed_twin: ChatTwin,
) -> None:
    assert_healthy(timed_twin)  # a warm environment, so the timeout counts from the request
    before = len(timed_twin.function_url.pool.started)
    words = " ".join(f"slow{i}" for i in range(100))
    # 100 tokens at 10/s is 10 s: longer than FUNCTION_TIMEOUT_S=6.
    received = post(timed_twin, {"prompt": echo(words, "rate=10 ttft_ms=0")})
    check_headers(received, "sse")
    sse = sse_stream(received)
    ended = sse.events[-1].at - received.sent_at
    assert sse.names.count("error") == 1
    assert sse.events[-1].name == "error"
    error = sse.events[-1].data
    assert (error["code"], error["retryable"]) == ("deadline", True)
    assert sse.names.count("delta") >= 5
    assert words.startswith(sse.text())
    # Stops DEADLINE_MARGIN_S=2 before the 6 s timeout: at about 4 s, surely before 6 s.
    assert 3.0 <= ended < 5.8
    assert received.chunks[-1][0] - received.sent_at < 5.8
    request_id = received.header("X-Request-Id")
    assert request_id
    assert not [line for line in timed_twin.logs if "Task timed out" in line]
    report = [line for line in timed_twin.logs if f"REPORT RequestId: {request_id}" in line]
    assert len(report) == 1
    assert "Status: timeout" not in report[0]
    # The same warm environment serves the next request, at once.
    started = time.monotonic()
    follow = post(timed_twin, {"prompt": echo("after the deadline")})
    assert time.monotonic() - started < 2
    assert text_of(follow, "sse") == "after the deadline"
    envs = envs_of(timed_twin)
    assert envs[follow.header("X-Request-Id") or ""] == envs[request_id]
    assert len(timed_twin.function_url.pool.started) == before
    assert not [line for line in timed_twin.logs if "reader thread did not end" in line]


# 4. Keepalives -----------------------------------------------------------------------------


def test_keepalives_in_sse_before_the_first_delta(timed_twin: ChatTwin) -> None:
    text = "late but whole"
    received = post(timed_twin, {"prompt": echo(text, "rate=20000 ttft_ms=1200")})
    check_headers(received, "sse")
    sse = sse_stream(received)
    check_done(sse, received)
    assert sse.text() == text
    first_delta = sse.names.index("delta")
    early = [c for at, c in sse.comments if at <= first_delta]
    assert len(early) >= 2  # 1.2 s of silence at KEEPALIVE_S=0.25
    assert {c for _, c in sse.comments} == {"keepalive"}
    assert received.body.count(b": keepalive\n\n") == len(sse.comments)
    assert sse.first("delta").at - received.sent_at >= 1.0


@pytest.mark.parametrize("fmt", ["ndjson", "text"])
def test_no_keepalives_outside_sse(timed_twin: ChatTwin, fmt: str) -> None:
    text = "late but whole"
    received = post(timed_twin, {"prompt": echo(text, "rate=20000 ttft_ms=1200"), "format": fmt})
    check_headers(received, fmt)
    assert b"keepalive" not in received.body
    assert text_of(received, fmt) == text


# 5. Resume ---------------------------------------------------------------------------------

RESUME_TEXT = "The quick brown fox jumps over the lazy dog.\n\nThen it naps, 😴 in the sun."


@pytest.mark.parametrize(
    "cut",
    [
        pytest.param(len("The quick br"), id="mid-word"),
        pytest.param(len("The quick brown "), id="after-a-space"),
        pytest.param(len("The quick brown fox jumps over the lazy dog.\n\n"), id="paragraph"),
        pytest.param(len("The quick brown fox jumps over the lazy dog.\n"), id="inside-whitespace"),
        pytest.param(
            len("The quick brown fox jumps over the lazy dog.\n\nThen it naps, 😴"), id="emoji"
        ),
    ],
)
def test_resume_returns_only_the_continuation(twin: ChatTwin, cut: int) -> None:
    prompt = echo(RESUME_TEXT)
    first = post(twin, {"prompt": prompt})
    assert text_of(first, "sse") == RESUME_TEXT
    partial = RESUME_TEXT[:cut]
    second = post(
        twin,
        {
            "messages": [
                {"role": "user", "content": prompt},
                {"role": "assistant", "content": partial},
            ]
        },
    )
    continuation = text_of(second, "sse")
    assert continuation == RESUME_TEXT[cut:]
    assert partial + continuation == RESUME_TEXT
    # Bedrock got the partial answer to continue (without trailing whitespace, which it refuses).
    sent = twin.bedrock_messages()[-1]
    assert [m["role"] for m in sent] == ["user", "assistant"]
    assert sent[-1]["content"] == [{"text": partial.rstrip()}]


# 6. Concurrency ----------------------------------------------------------------------------


def test_concurrent_streams_do_not_mix(twin: ChatTwin) -> None:
    count = 4
    texts = [f"stream {i}: " + " ".join(f"s{i}w{j}" for j in range(24)) for i in range(count)]
    results: list[Received | BaseException | None] = [None] * count
    barrier = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            # About 50 tokens at 40/s: over a second each, so they surely overlap.
            results[i] = post(twin, {"prompt": echo(texts[i], "rate=40 ttft_ms=0")})
        except BaseException as exc:  # reported below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    received = [r for r in results if isinstance(r, Received)]
    assert len(received) == count, results
    for i, answer in enumerate(received):
        sse = sse_stream(answer)
        check_done(sse, answer)
        assert sse.text() == texts[i]
    ids = [r.header("X-Request-Id") or "" for r in received]
    assert len(set(ids)) == count
    envs = envs_of(twin)
    assert len({envs[request_id] for request_id in ids}) == count  # one environment each
    assert len(twin.function_url.pool.started) >= count


# 7. Bad input through the URL --------------------------------------------------------------

TOO_BIG = b'{"prompt": "' + b"x" * 1_048_576 + b'"}'


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        pytest.param("POST", "/chat", b"{not json", 400, "invalid_request", id="invalid-json"),
        pytest.param(
            "POST",
            "/chat",
            b'{"prompt": "hi", "temprature": 0.5}',
            400,
            "invalid_request",
            id="unknown-field",
        ),
        pytest.param(
            "POST",
            "/chat",
            b'{"messages": [{"role": "assistant", "content": "a"},'
            b' {"role": "user", "content": "b"}]}',
            400,
            "invalid_request",
            id="assistant-first",
        ),
        pytest.param(
            "POST",
            "/chat",
            b'{"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}',
            400,
            "invalid_request",
            id="two-user-turns",
        ),
        pytest.param(
            "POST",
            "/",
            b'{"prompt": "hi", "model": "acme.unlisted-v1"}',
            403,
            "model_not_allowed",
            id="model-not-allowed",
        ),
        pytest.param(
            "POST",
            "/chat",
            json.dumps({"prompt": "hi", "max_tokens": OVER_LIMIT}).encode(),
            400,
            "invalid_request",
            id="max-tokens-over-limit",
        ),
        pytest.param(
            "POST",
            "/chat",
            b'{"prompt": "hi", "messages": [{"role": "user", "content": "hi"}]}',
            400,
            "invalid_request",
            id="prompt-and-messages",
        ),
        pytest.param("POST", "/chat", b"{}", 400, "invalid_request", id="no-prompt"),
        pytest.param("POST", "/chat", b'"\xff"', 400, "invalid_request", id="not-utf8"),
        pytest.param("POST", "/chat", TOO_BIG, 413, "payload_too_large", id="too-large"),
        pytest.param("GET", "/nowhere", None, 404, "not_found", id="unknown-route"),
        pytest.param("DELETE", "/chat", None, 405, "method_not_allowed", id="wrong-method"),
        pytest.param("POST", "/models", b"{}", 405, "method_not_allowed", id="post-models"),
    ],
)
@pytest.mark.parametrize("content_type", ["application/json", "application/octet-stream"])
def test_bad_input_is_a_json_error_and_the_function_stays_healthy(
    twin: ChatTwin,
    *,
    content_type: str,
    method: str,
    path: str,
    body: bytes | None,
    status: int,
    code: str,
) -> None:
    twin.bedrock.clear()
    started = len(twin.function_url.pool.started)
    received = fetch(
        twin.url, path, method=method, body=body, headers={"Content-Type": content_type}
    )
    assert received.status == status, received.body[:300]
    error = error_json(received)
    assert (error["code"], error["retryable"]) == (code, False)
    if status == 405:
        assert received.header("Allow")
    assert twin.bedrock.requests == []  # refused before any Bedrock call
    assert_healthy(twin)
    assert len(twin.function_url.pool.started) == started  # nothing crashed


def test_get_models(twin: ChatTwin) -> None:
    received = fetch(twin.url, "/models")
    assert received.status == 200
    assert received.header("Content-Type") == "application/json"
    body = json.loads(received.body)
    assert (body["models"], body["default"]) == (list(LOCAL_MODELS), DEFAULT_MODEL)
    assert [d["id"] for d in body["details"]] == list(LOCAL_MODELS)  # docs/API.md §12.1


def test_get_chat_streams_sse(twin: ChatTwin) -> None:
    text = ECHO_TEXTS["emoji"] + "\n" + ECHO_TEXTS["sse_lookalike"]
    query = urlencode({"prompt": echo(text)})
    received = fetch(twin.url, f"/chat?{query}", headers={"Accept": "text/event-stream"})
    check_headers(received, "sse")
    assert text_of(received, "sse") == text
    ndjson = fetch(twin.url, f"/chat?{urlencode({'prompt': echo(text), 'format': 'ndjson'})}")
    check_headers(ndjson, "ndjson")
    assert text_of(ndjson, "ndjson") == text


# 8. Logs -----------------------------------------------------------------------------------


def _ask_secret(twin: ChatTwin) -> tuple[str, str, str]:
    """A request with a unique prompt and a non-echo answer; (request id, prompt, answer)."""
    marker = f"Zorblax{uuid.uuid4().hex[:12]}"
    prompt = f"#! tokens=40 {FAST}\nPlease describe {marker} in plain words."
    received = post(twin, {"prompt": prompt, "system": f"system-{marker}"})
    sse = sse_stream(received)
    check_done(sse, received)
    answer = sse.text()
    assert len(answer) > 100
    request_id = received.header("X-Request-Id") or ""
    return request_id, marker, answer


def test_logs_carry_no_prompt_or_answer_by_default(twin: ChatTwin) -> None:
    request_id, marker, answer = _ask_secret(twin)
    record = request_record(twin, request_id)  # logging is on: the request line is there
    assert record["outcome"] == "done"
    tail = answer[-40:]
    for line in list(twin.logs):
        assert marker not in line
        assert tail not in line
    for _, doc in log_records(list(twin.logs)):
        for text in strings_in(doc):
            assert marker not in text
            assert tail not in text


def test_logs_carry_prompt_and_answer_with_log_content() -> None:
    env = {"LOG_CONTENT": "true", "POWERTOOLS_LOG_LEVEL": "INFO"}
    with running_twin("none", environ=env) as twin:
        request_id, marker, answer = _ask_secret(twin)
        record = request_record(twin, request_id)
    logged = strings_in(record)
    assert any(marker in text and "Please describe" in text for text in logged)
    assert f"system-{marker}" in logged
    assert answer in logged
