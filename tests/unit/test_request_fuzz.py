"""Property-based tests of the request layer: any input is a request or a clear 4xx AppError.

The parser and validator (request.py, schema.py) are fed arbitrary JSON values and bytes,
wrong types at every field, non-finite and huge numbers, deep nesting, odd query strings and
malformed events. The only outcomes allowed are a value or an AppError with a 4xx code whose
message never quotes a submitted prompt.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from bedrock_stream.config import Config
from bedrock_stream.encoders import choose_format
from bedrock_stream.errors import AppError
from bedrock_stream.request import (
    ChatRequest,
    HttpRequest,
    decode_json,
    parse_chat,
    parse_event,
    query_to_body,
)
from tests import fuzz_support

MODELS = ("anthropic.claude-3-haiku-20240307-v1:0", "amazon.titan-text-express-v1")
CONFIG = Config(
    allowed_models=MODELS, default_model=MODELS[0], max_tokens_limit=1000, max_body_bytes=4000
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# What a client's mistake may be answered with before the stream (docs/API.md §4).
CLIENT_CODES = {"invalid_request", "model_not_allowed", "payload_too_large"}

SECRET = fuzz_support.SECRET

json_values = fuzz_support.json_values(text_size=20, container_size=4, leaves=12)
FIELDS = fuzz_support.CHAT_FIELDS


def _client_error(exc: AppError, code: str | None = None) -> None:
    assert exc.code in CLIENT_CODES, exc.code
    assert code is None or exc.code == code
    assert 400 <= exc.status < 500
    assert isinstance(exc.message, str)
    assert exc.message
    assert SECRET not in exc.message


def _parse(doc: Any) -> ChatRequest | None:
    try:
        return parse_chat(doc, CONFIG)
    except AppError as exc:
        _client_error(exc)
        return None


def _check_accepted(req: ChatRequest) -> None:
    assert req.model in MODELS
    for value in (req.temperature, req.top_p):
        assert value is None or (math.isfinite(value) and 0 <= value <= 1)
    assert req.max_tokens is None or 1 <= req.max_tokens <= CONFIG.max_tokens_limit
    assert (req.native is None) == (len(req.messages) > 0)
    roles = [m.role for m in req.messages]
    assert roles == [("user", "assistant")[i % 2] for i in range(len(roles))]
    assert all(isinstance(m.content, str) and m.content for m in req.messages)


# --- bytes and JSON --------------------------------------------------------------------------


@FAST
@given(st.binary(max_size=200))
@example(b"\xff\xfe{}")
@example(b'{"prompt": "a", "temperature": NaN}')
@example(b'{"prompt": "a", "temperature": -Infinity}')
@example(b"[" * 50_000 + b"]" * 50_000)
@example(b'{"max_tokens": ' + b"9" * 5000 + b"}")
@example(b"\x00")
def test_any_bytes_decode_or_are_a_400(body):
    try:
        decode_json(body)
    except AppError as exc:
        _client_error(exc, "invalid_request")


@FAST
@given(json_values)
def test_any_json_text_decodes_to_itself(value):
    assert decode_json(json.dumps(value).encode()) == value


@pytest.mark.parametrize(
    "text",
    [
        '{"prompt": "a", "temperature": NaN}',
        '{"prompt": "a", "top_p": Infinity}',
        '{"prompt": "a", "top_p": -Infinity}',
        '{"prompt": "a", "max_tokens": ' + "1" * 4301 + "}",
        '{"prompt": "a", "native": ' + '{"a": ' * 20_000 + "1" + "}" * 20_000 + "}",
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_non_finite_huge_and_deep_json_is_a_400(text):
    with pytest.raises(AppError) as info:
        decode_json(text.encode())
    assert info.value.code == "invalid_request"
    assert info.value.message.startswith("body is not valid JSON")


def test_float_overflow_is_out_of_range_not_a_crash():
    # 1e400 parses as infinity: the range check refuses it.
    for field in ("temperature", "top_p"):
        for literal in ("1e400", "-1e400"):
            doc = decode_json(f'{{"prompt": "a", "{field}": {literal}}}'.encode())
            assert _parse(doc) is None
    assert _parse(decode_json(b'{"prompt": "a", "max_tokens": 1e400}')) is None


def test_duplicate_keys_take_the_last_value_and_are_validated():
    doc = decode_json(b'{"prompt": "a", "prompt": 5}')
    assert _parse(doc) is None
    req = _parse(decode_json(b'{"prompt": 5, "prompt": "b"}'))
    assert req is not None
    assert req.messages[0].content == "b"


# --- parse_chat ------------------------------------------------------------------------------


@FAST
@given(json_values)
def test_any_json_value_is_a_request_or_a_400(doc):
    req = _parse(doc)
    if req is not None:
        _check_accepted(req)


def _valid_bodies() -> st.SearchStrategy[dict[str, Any]]:
    message_lists = st.integers(1, 4).map(
        lambda n: [
            {"role": "user" if i % 2 == 0 else "assistant", "content": f"{SECRET} {i}"}
            for i in range(n)
        ]
    )
    common = st.fixed_dictionaries(
        {},
        optional={
            "system": st.just(SECRET),
            "model": st.sampled_from(MODELS),
            "max_tokens": st.integers(1, 1000),
            "temperature": st.floats(0, 1),
            "top_p": st.floats(0, 1),
            "stop": st.lists(st.just(SECRET), max_size=4),
            "format": st.sampled_from(["sse", "ndjson", "text"]),
        },
    )
    prompt = st.builds(lambda c: {**c, "prompt": SECRET}, common)
    messages = st.builds(lambda c, m: {**c, "messages": m}, common, message_lists)
    native = st.builds(
        lambda m: {"model": m, "native": {"inputText": SECRET}}, st.sampled_from(MODELS)
    )
    return prompt | messages | native


@FAST
@given(_valid_bodies())
def test_valid_bodies_are_accepted(doc):
    req = _parse(doc)
    assert req is not None
    _check_accepted(req)


# Wrong values: anything JSON, plus the values most likely to slip through a check.
wrong_values = json_values | st.sampled_from(
    [True, False, 0, -1, 1.5, 2, 10**30, -(10**30), 1e308, "", [], {}, [SECRET], {"x": SECRET}]
)


@FAST
@given(_valid_bodies(), st.data())
def test_a_wrong_value_at_any_field_is_a_400_that_does_not_echo_it(doc, data):
    places: list[tuple[Any, Any]] = [(doc, key) for key in [*FIELDS, "bogus"]]
    for i, message in enumerate(doc.get("messages", [])):
        places += [(message, "role"), (message, "content"), (message, "bogus")]
        places.append((doc["messages"], i))
    if "native" in doc:
        places += [(doc["native"], "inputText"), (doc["native"], "bogus")]
    for i in range(len(doc.get("stop", []))):
        places.append((doc["stop"], i))
    container, key = data.draw(st.sampled_from(places))
    container[key] = data.draw(wrong_values)
    req = _parse(doc)
    if req is not None:
        _check_accepted(req)


@FAST
@given(st.text(min_size=65, max_size=5000))
def test_unknown_field_names_are_quoted_bounded(name):
    assume(name not in FIELDS)
    with pytest.raises(AppError) as info:
        parse_chat({"prompt": "a", name: 1}, CONFIG)
    assert info.value.code == "invalid_request"
    assert len(info.value.message) < 300


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 200_000))
def test_long_strings_are_not_echoed(size):
    text = (SECRET * (size // len(SECRET) + 1))[:size]
    for doc in (
        {"prompt": text, "temperature": 2},
        {"messages": [{"role": "user", "content": text}, {"role": "user", "content": text}]},
        {"prompt": text, "model": "meta.llama3-70b-instruct-v1:0"},
        {"native": {"x": text}, "model": MODELS[0], "prompt": text},
        {"native": {"x": text}, "model": MODELS[0], "system": text},
    ):
        assert _parse(doc) is None


# --- GET /chat query ---------------------------------------------------------------------------

QUERY_NAMES = ["prompt", "model", "system", "max_tokens", "temperature", "top_p", "format"]
number_like = st.sampled_from(
    [
        "nan",
        "NaN",
        "-nan",
        "inf",
        "-inf",
        "Infinity",
        "1e400",
        "-1e400",
        "1_0",
        "٣",
        " 5",
        "0x10",
        "1e-400",
        "",
        "+0.5",
        ".5",
        "5.",
        "1" * 5000,
        "0.5\n",
    ]
)


@FAST
@given(
    st.dictionaries(
        st.sampled_from(QUERY_NAMES) | st.text(max_size=10),
        st.text(max_size=30) | number_like,
        max_size=6,
    )
)
@example({"prompt": "a", "temperature": "nan"})
@example({"prompt": "a", "top_p": "NaN"})
@example({"prompt": "a", "max_tokens": "1_0"})
def test_any_query_is_a_request_or_a_400(query):
    try:
        body = query_to_body(query)
    except AppError as exc:
        _client_error(exc)
        return
    req = _parse(body)
    if req is not None:
        _check_accepted(req)


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-Infinity", "1_0", "٣", "0x1"])
def test_query_numbers_are_plain_decimals(value):
    for name in ("max_tokens", "temperature", "top_p"):
        with pytest.raises(AppError) as info:
            query_to_body({"prompt": "a", name: value})
        assert info.value.message.startswith(f"{name} must be a")


def test_query_nan_never_reaches_a_request():
    # NaN passes every range check (all comparisons are false), so it must stop at conversion.
    with pytest.raises(AppError):
        parse_chat(query_to_body({"prompt": "a", "temperature": "nan"}), CONFIG)


# --- events ----------------------------------------------------------------------------------


def _base_event() -> dict[str, Any]:
    return {
        "version": "2.0",
        "rawPath": "/chat",
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {"http": {"method": "POST", "path": "/chat"}},
        "body": '{"prompt": "a"}',
        "isBase64Encoded": False,
    }


EVENT_PATHS: list[tuple[str, ...]] = [
    ("rawPath",),
    ("headers",),
    ("queryStringParameters",),
    ("requestContext",),
    ("requestContext", "http"),
    ("requestContext", "http", "method"),
    ("requestContext", "http", "path"),
    ("body",),
    ("isBase64Encoded",),
]


def _parse_event(event: Any) -> HttpRequest | None:
    try:
        return parse_event(event, CONFIG.max_body_bytes)
    except AppError as exc:
        _client_error(exc)
        return None


@FAST
@given(
    st.lists(
        st.tuples(st.sampled_from(EVENT_PATHS), st.just(None) | json_values | st.just("<drop>")),
        max_size=3,
    )
)
def test_events_with_missing_or_mistyped_fields_are_requests_or_400(changes):
    event = _base_event()
    for path, value in changes:
        target: Any = event
        for key in path[:-1]:
            target = target.get(key) if isinstance(target, dict) else None
        if not isinstance(target, dict):
            continue
        if value == "<drop>":
            target.pop(path[-1], None)
        else:
            target[path[-1]] = value
    req = _parse_event(event)
    if req is not None:
        assert isinstance(req.method, str)
        assert isinstance(req.path, str)
        assert isinstance(req.body, bytes)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in req.headers.items())


@pytest.mark.parametrize("event", [{}, [], "x", None, 5, {"requestContext": {}}])
def test_events_without_the_function_url_shape_are_400(event):
    assert _parse_event(event) is None


@FAST
@given(st.text(max_size=200))
@example("!!!notbase64")
@example("YQ")  # missing padding
@example("YQ==\n")
@example("Y Q = =")
def test_any_base64_flagged_body_decodes_or_is_a_400(text):
    event = {**_base_event(), "body": text, "isBase64Encoded": True}
    req = _parse_event(event)
    if req is not None:
        assert req.body == base64.b64decode(text, validate=True)


@FAST
@given(st.binary(max_size=200))
def test_base64_of_any_bytes_roundtrips_then_decodes_or_is_a_400(raw):
    event = {**_base_event(), "body": base64.b64encode(raw).decode(), "isBase64Encoded": True}
    req = _parse_event(event)
    assert req is not None
    assert req.body == raw
    try:
        decode_json(req.body)
    except AppError as exc:
        _client_error(exc)


@FAST
@given(st.text(max_size=200))
def test_any_text_body_including_lone_surrogates_is_bytes_or_400(text):
    req = _parse_event({**_base_event(), "body": text})
    assert req is not None
    try:
        decode_json(req.body)
    except AppError as exc:
        _client_error(exc)


@FAST
@given(st.integers(0, 20_000), st.booleans())
def test_body_size_limit_holds_for_plain_and_base64_bodies(size, b64):
    raw = b"x" * size
    body = base64.b64encode(raw).decode() if b64 else raw.decode()
    try:
        req = parse_event(
            {**_base_event(), "body": body, "isBase64Encoded": b64}, CONFIG.max_body_bytes
        )
    except AppError as exc:
        _client_error(exc, "payload_too_large")
        too_large = True
    else:
        too_large = False
        assert req.body == raw
    assert too_large == (size > CONFIG.max_body_bytes)


@FAST
@given(st.text(max_size=300))
@example("text/plain;q=nan, application/x-ndjson;q=inf")
@example(",,,;;;q=,q=1e400")
@example("x" * 100_000)
def test_any_accept_header_chooses_a_format(accept):
    assert choose_format(None, {"accept": accept}) in {"sse", "ndjson", "text"}
