"""The decorated handler fed arbitrary requests: a valid stream or a 4xx JSON error, nothing else.

Each example runs the real entry point (Powertools decorators included) with a fake stream,
a fake context and a scripted Bedrock. Whatever the event, the handler must not raise, must
not answer a client's input with a 5xx, and must keep the planted prompt out of error
messages and logs (LOG_CONTENT is off).
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bedrock_stream.errors import HTTP_CODES
from tests import fuzz_support
from tests.functional.handler.handler_fakes import (
    TEST_MODELS,
    FakeBedrock,
    FakeStream,
    converse_events,
    make_config,
    make_event,
)
from tests.functional.handler.handler_run import captured_log, handle_once

SECRET = fuzz_support.SECRET
ANSWER = "fixed answer"
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# §4 statuses a client's own input may be answered with.
CLIENT_STATUSES = {s for s, _ in HTTP_CODES.values() if 400 <= s < 500}

json_values = fuzz_support.json_values(text_size=12, container_size=3, leaves=10)
FIELDS = fuzz_support.CHAT_FIELDS


def serve(event: Any, capsys: pytest.CaptureFixture[str], **config: Any) -> tuple[FakeStream, str]:
    client = FakeBedrock([converse_events([ANSWER])], repeat_last=True)
    capsys.readouterr()
    with captured_log() as buffer:
        stream = handle_once(event, client, config=make_config(max_body_bytes=20_000, **config))
    captured = capsys.readouterr()
    return stream, buffer.getvalue() + captured.out + captured.err


def check_answer(stream: FakeStream, logs: str, *, openai: bool = False) -> int:
    """The response is a full stream or a 4xx error in its route's shape; no prompt leaks."""
    assert stream.calls, "nothing was sent"
    assert stream.calls[0].kind == "start"
    assert [c.kind for c in stream.calls].count("start") == 1
    assert '"message":"request"' in logs.replace(
        " ", ""
    )  # the request log was captured (and checked)
    assert SECRET not in logs
    status = stream.status
    if status == 200:
        check_stream(stream)
        return status
    assert status in CLIENT_STATUSES, stream.body[:300]
    error = stream.json()["error"]
    if openai:
        assert set(error) == {"message", "type", "param", "code"}
    else:
        assert set(error) == {"code", "message", "retryable"}
        assert error["retryable"] is False
    assert HTTP_CODES[error["code"]][0] == status
    assert SECRET not in error["message"]
    return status


def check_stream(stream: FakeStream) -> None:
    kind = stream.headers["Content-Type"].split(";")[0]
    body = stream.body.decode()
    if kind == "text/event-stream" and body.startswith("data: "):  # OpenAI chunks
        assert body.endswith(("data: [DONE]\n\n", "}\n\n"))
    elif kind == "text/event-stream":
        names = [name for name, _ in stream.sse()]
        assert names[0] == "start"
        assert names[-1] in {"done", "error"}
        assert all(n == "delta" for n in names[1:-1])
    elif kind == "application/x-ndjson":
        types = [json.loads(line)["type"] for line in body.splitlines()]
        assert types[0] == "start"
        assert types[-1] in {"done", "error"}
    elif kind == "text/plain":
        assert body
    else:
        assert kind == "application/json", kind  # a complete OpenAI answer


def chat_bodies() -> st.SearchStrategy[dict[str, Any]]:
    """Mostly valid bodies with the secret as the prompt, then one field set to anything."""
    base = st.sampled_from(
        [
            {"prompt": SECRET},
            {"messages": [{"role": "user", "content": SECRET}]},
            {"prompt": SECRET, "system": SECRET, "stop": [SECRET]},
            {
                "model": TEST_MODELS[0],
                "native": {"messages": [{"role": "user", "content": SECRET}]},
            },
            {"model": TEST_MODELS[3], "native": {"inputText": SECRET}},
        ]
    )
    return st.builds(
        lambda body, key, value, change: {**body, key: value} if change else body,
        base,
        st.sampled_from([*FIELDS, "bogus"]),
        json_values,
        st.booleans(),
    )


@FUZZ
@given(
    chat_bodies(),
    st.sampled_from(["POST /chat", "POST /", "GET /chat", "POST /models", "PUT /chat", "GET /x"]),
    st.sampled_from([None, "text/event-stream", "application/x-ndjson", "text/plain", "*/*"]),
    st.booleans(),
)
@example({"prompt": SECRET, "temperature": 7}, "POST /chat", None, False)
@example({"prompt": SECRET, "model": "meta.llama3-70b"}, "POST /chat", None, True)
def test_any_chat_body_streams_or_is_a_4xx(capsys, body, route, accept, b64):
    method, path = route.split(" ")
    headers = {"accept": accept} if accept else {}
    event = make_event(method, path, body, headers=headers, b64=b64)
    check_answer(*serve(event, capsys))


@FUZZ
@given(st.binary(max_size=300), st.booleans())
@example(b"[" * 5000 + b"]" * 5000, False)
@example(b'{"prompt": "' + SECRET.encode() + b'", "max_tokens": ' + b"9" * 5000 + b"}", False)
@example(b'{"prompt": "' + SECRET.encode() + b'", "temperature": NaN}', True)
@example(b'{"prompt": "' + SECRET.encode() + b'\xff"}', True)
def test_any_bytes_body_is_a_4xx_or_a_stream(capsys, raw, b64):
    text = base64.b64encode(raw).decode() if b64 else raw.decode("utf-8", "surrogateescape")
    event = make_event("POST", "/chat", headers={"content-type": "application/json"})
    event["body"] = text
    event["isBase64Encoded"] = b64
    check_answer(*serve(event, capsys))


@FUZZ
@given(st.text(max_size=100))
@example("prompt=a&temperature=nan")
@example("prompt=a&prompt=b")
@example("prompt=%zz&max_tokens=%")
@example("prompt=a&top_p=inf")
@example("prompt=a&max_tokens=1_0")
def test_any_get_chat_query_is_a_4xx_or_a_stream(capsys, raw_query):
    # The Function URL joins repeated keys with commas and leaves bad escapes as they are.
    query: dict[str, str] = {}
    for pair in raw_query.split("&"):
        name, _, value = pair.partition("=")
        if name:
            query[name] = f"{query[name]},{value}" if name in query else value
    event = make_event("GET", "/chat", query=query)
    check_answer(*serve(event, capsys))


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(
            ["prompt", "temperature", "top_p", "max_tokens", "model", "format", "system"]
        ),
        st.text(max_size=20) | st.sampled_from(["nan", "inf", "-1e400", "1e400"]),
        min_size=1,
    )
)
def test_secret_in_query_never_leaks(capsys, query):
    query = {**query, "prompt": SECRET}
    event = make_event("GET", "/chat", query={k: quote(v) for k, v in query.items()})
    event["queryStringParameters"] = query
    check_answer(*serve(event, capsys))


@FUZZ
@given(
    st.dictionaries(
        st.text(min_size=1, max_size=20).map(str.lower),
        st.text(max_size=50),
        max_size=5,
    ),
    st.text(max_size=200),
)
@example({"accept": "text/plain;q=nan, application/x-ndjson;q=inf"}, "")
@example({"accept": ",".join(["text/plain;q=0.1"] * 2000)}, "")
@example({"x-huge": "h" * 200_000}, "")
@example({}, "")
def test_odd_headers_never_break_the_answer(capsys, headers, accept):
    headers = {**headers, "accept": accept}
    headers.pop("content-type", None)
    event = make_event("POST", "/chat", {"prompt": SECRET}, headers=headers)
    assert check_answer(*serve(event, capsys)) == 200


EVENT_KEYS = [
    "requestContext",
    "headers",
    "body",
    "rawPath",
    "isBase64Encoded",
    "queryStringParameters",
    "rawQueryString",
    "cookies",
    "version",
]


@FUZZ
@given(
    st.lists(st.sampled_from(EVENT_KEYS), unique=True),
    st.dictionaries(st.sampled_from(EVENT_KEYS), json_values, max_size=2),
)
@example(["requestContext"], {})
@example(["headers", "body"], {})
@example([], {"requestContext": {"http": {}}})
@example([], {"headers": {"accept": None}})
@example([], {"body": 5})
def test_events_missing_or_mistyping_fields_are_4xx_or_a_stream(capsys, dropped, replaced):
    event = make_event("POST", "/chat", {"prompt": SECRET})
    for key in dropped:
        event.pop(key, None)
    event.update(replaced)
    check_answer(*serve(event, capsys))


@pytest.mark.parametrize("event", [{}, [], None, "x", 7])
def test_events_of_no_function_url_shape_are_400(capsys, event):
    stream, logs = serve(event, capsys)
    assert check_answer(stream, logs) == 400


@FUZZ
@given(json_values, st.booleans())
@example({"messages": [{"role": "user", "content": SECRET}], "n": 2}, False)
@example({"messages": [{"role": "tool", "content": SECRET}]}, False)
@example({"messages": [{"role": "user", "content": [{"type": "image"}]}]}, True)
def test_openai_route_streams_or_is_a_4xx_in_its_shape(capsys, doc, stream_flag):
    if isinstance(doc, dict):
        doc = {"messages": [{"role": "user", "content": SECRET}], **doc, "stream": stream_flag}
    event = make_event("POST", "/v1/chat/completions", doc)
    check_answer(*serve(event, capsys), openai=True)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(900, 1100))
def test_deeply_nested_native_bodies_are_a_4xx_or_a_stream(capsys, depth):
    nested = '{"a":' * depth + "1" + "}" * depth
    raw = f'{{"model": "{TEST_MODELS[0]}", "native": {nested}}}'
    event = make_event("POST", "/chat", headers={})
    event["body"] = raw
    check_answer(*serve(event, capsys))


API_KEY = "k3y-for-the-fuzz-test"


@FUZZ
@given(
    st.sampled_from(["x-api-key", "authorization"]),
    st.text(max_size=60) | st.sampled_from(["\ud800", "Bearer \udcff", "Bearer ", "bearer  "]),
)
@example("x-api-key", API_KEY)
@example("authorization", f"Bearer {API_KEY}")
def test_api_key_mode_answers_any_key_header_with_401_403_or_a_stream(capsys, name, value):
    event = make_event("POST", "/chat", {"prompt": SECRET}, headers={name: value})
    stream, logs = serve(event, capsys, auth_mode="api_key", api_key=API_KEY)
    status = check_answer(stream, logs)
    assert status in {200, 401, 403}
    assert API_KEY not in logs
    if status != 200:
        assert API_KEY not in stream.body.decode()
