"""Every request rule of docs/API.md §2 with its status and code (answered before Bedrock)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from bedrock_stream.app import App
from bedrock_stream.config import Config
from bedrock_stream.errors import AppError
from bedrock_stream.handler import handle
from bedrock_stream.request import (
    ChatRequest,
    Message,
    decode_json,
    parse_chat,
    parse_event,
    query_to_body,
)

MODELS = ("anthropic.claude-3-haiku-20240307-v1:0", "amazon.titan-text-express-v1")
CONFIG = Config(
    allowed_models=MODELS, default_model=MODELS[0], max_tokens_limit=1000, max_body_bytes=2000
)

U = {"role": "user", "content": "hi"}
A = {"role": "assistant", "content": "hello"}

# (name, body, status, code, a fragment of the message)
REJECTED: list[tuple[str, Any, int, str, str]] = [
    ("not an object", [1, 2], 400, "invalid_request", "must be object"),
    ("unknown field", {"prompt": "hi", "promt": "x"}, 400, "invalid_request", "promt"),
    ("none of prompt/messages/native", {"system": "s"}, 400, "invalid_request", "exactly one"),
    (
        "prompt and messages",
        {"prompt": "a", "messages": [U]},
        400,
        "invalid_request",
        "exactly one",
    ),
    ("prompt and native", {"prompt": "a", "native": {}}, 400, "invalid_request", "exactly one"),
    ("prompt not a string", {"prompt": 5}, 400, "invalid_request", "prompt must be string"),
    ("empty prompt", {"prompt": ""}, 400, "invalid_request", "prompt"),
    ("messages empty", {"messages": []}, 400, "invalid_request", "messages"),
    ("messages not a list", {"messages": "hi"}, 400, "invalid_request", "messages must be array"),
    (
        "bad role",
        {"messages": [{"role": "system", "content": "x"}]},
        400,
        "invalid_request",
        "role",
    ),
    ("unknown message field", {"messages": [{**U, "name": "x"}]}, 400, "invalid_request", "name"),
    ("missing content", {"messages": [{"role": "user"}]}, 400, "invalid_request", "content"),
    (
        "content not a string",
        {"messages": [{"role": "user", "content": [{"text": "x"}]}]},
        400,
        "invalid_request",
        "content",
    ),
    (
        "starts with assistant",
        {"messages": [A, U]},
        400,
        "invalid_request",
        "messages[0].role must be user",
    ),
    (
        "two users in a row",
        {"messages": [U, U]},
        400,
        "invalid_request",
        "messages[1].role must be assistant",
    ),
    (
        "two assistants in a row",
        {"messages": [U, A, A]},
        400,
        "invalid_request",
        "messages[2].role must be user",
    ),
    ("system not a string", {"prompt": "a", "system": ["x"]}, 400, "invalid_request", "system"),
    ("model not a string", {"prompt": "a", "model": 7}, 400, "invalid_request", "model"),
    (
        "model not allowed",
        {"prompt": "a", "model": "meta.llama3-70b-instruct-v1:0"},
        403,
        "model_not_allowed",
        "not allowed",
    ),
    ("max_tokens zero", {"prompt": "a", "max_tokens": 0}, 400, "invalid_request", "max_tokens"),
    (
        "max_tokens over ceiling",
        {"prompt": "a", "max_tokens": 1001},
        400,
        "invalid_request",
        "1000",
    ),
    (
        "max_tokens not integer",
        {"prompt": "a", "max_tokens": 10.5},
        400,
        "invalid_request",
        "max_tokens",
    ),
    (
        "max_tokens a string",
        {"prompt": "a", "max_tokens": "10"},
        400,
        "invalid_request",
        "max_tokens",
    ),
    (
        "max_tokens a boolean",
        {"prompt": "a", "max_tokens": True},
        400,
        "invalid_request",
        "max_tokens",
    ),
    (
        "temperature above 1",
        {"prompt": "a", "temperature": 1.5},
        400,
        "invalid_request",
        "temperature",
    ),
    (
        "temperature below 0",
        {"prompt": "a", "temperature": -0.1},
        400,
        "invalid_request",
        "temperature",
    ),
    ("top_p above 1", {"prompt": "a", "top_p": 2}, 400, "invalid_request", "top_p"),
    ("top_p a string", {"prompt": "a", "top_p": "0.5"}, 400, "invalid_request", "top_p"),
    ("stop not a list", {"prompt": "a", "stop": "END"}, 400, "invalid_request", "stop"),
    (
        "stop over 4",
        {"prompt": "a", "stop": ["a", "b", "c", "d", "e"]},
        400,
        "invalid_request",
        "stop",
    ),
    ("stop item empty", {"prompt": "a", "stop": [""]}, 400, "invalid_request", "stop"),
    ("stop item not a string", {"prompt": "a", "stop": [1]}, 400, "invalid_request", "stop"),
    ("format unknown", {"prompt": "a", "format": "xml"}, 400, "invalid_request", "format"),
    ("native not an object", {"native": "x"}, 400, "invalid_request", "native"),
    ("native with system", {"native": {}, "system": "s"}, 400, "invalid_request", "system"),
    (
        "native with max_tokens",
        {"native": {}, "max_tokens": 5},
        400,
        "invalid_request",
        "max_tokens",
    ),
    (
        "native model not allowed",
        {"native": {}, "model": "x.y"},
        403,
        "model_not_allowed",
        "not allowed",
    ),
]


@pytest.mark.parametrize(
    ("name", "body", "status", "code", "fragment"), REJECTED, ids=[r[0] for r in REJECTED]
)
def test_rejected_bodies(name, body, status, code, fragment):
    with pytest.raises(AppError) as info:
        parse_chat(body, CONFIG)
    assert (info.value.status, info.value.code) == (status, code), name
    assert fragment in info.value.message


# Without max_tokens, the model's default capped at MAX_TOKENS_LIMIT is sent (docs/API.md §12.1):
# Claude 3 Haiku's 4096, capped at this config's 1000.
ACCEPTED: list[tuple[Any, ChatRequest]] = [
    (
        {"prompt": "hi"},
        ChatRequest(model=MODELS[0], messages=(Message("user", "hi"),), max_tokens=1000),
    ),
    (
        {"prompt": "hi", "system": ""},
        ChatRequest(model=MODELS[0], messages=(Message("user", "hi"),), system="", max_tokens=1000),
    ),
    (
        {
            "messages": [U, A],
            "model": MODELS[1],
            "max_tokens": 1000,
            "temperature": 0,
            "top_p": 1,
            "stop": ["a", "b", "c", "d"],
            "format": "text",
            "system": "s",
        },
        ChatRequest(
            MODELS[1],
            (Message("user", "hi"), Message("assistant", "hello")),
            "s",
            1000,
            0,
            1,
            ("a", "b", "c", "d"),
            "text",
        ),
    ),
    (
        {"native": {"inputText": "x"}, "model": MODELS[1], "format": "sse"},
        ChatRequest(MODELS[1], (), format="sse", native={"inputText": "x"}),
    ),
]


@pytest.mark.parametrize(("body", "expected"), ACCEPTED)
def test_accepted_bodies(body, expected):
    assert parse_chat(body, CONFIG) == expected


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"prompt": "a", "max_tokens": "ten"}, "max_tokens must be a int"),
        ({"prompt": "a", "color": "red"}, "color"),
        ({"prompt": "a", "temperature": "hot"}, "temperature"),
    ],
)
def test_rejected_queries(query, fragment):
    with pytest.raises(AppError) as info:
        parse_chat(query_to_body(query), CONFIG)
    assert info.value.code == "invalid_request"
    assert fragment in info.value.message


def test_query_converts_types():
    body = query_to_body(
        {"prompt": "a", "max_tokens": "12", "temperature": "0.5", "top_p": "1", "format": "text"}
    )
    assert parse_chat(body, CONFIG) == ChatRequest(
        MODELS[0], (Message("user", "a"),), None, 12, 0.5, 1.0, (), "text"
    )


class _Stream:
    def __init__(self) -> None:
        self.started = False
        self.status = 0
        self.body = b""

    def start(self, status=200, headers=None, cookies=None):
        self.started, self.status = True, status

    def write(self, data):
        self.body += data.encode() if isinstance(data, str) else data

    def close(self):
        pass


class _Context:
    aws_request_id = "r1"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def _event(raw: str | None, *, b64: bool = False, method: str = "POST") -> dict[str, Any]:
    event: dict[str, Any] = {
        "version": "2.0",
        "rawPath": "/chat",
        "headers": {},
        "requestContext": {"http": {"method": method, "path": "/chat"}},
        "isBase64Encoded": b64,
    }
    if raw is not None:
        event["body"] = base64.b64encode(raw.encode()).decode() if b64 else raw
    return event


class _NoBedrock:
    def converse_stream(self, **kwargs: Any) -> Any:
        raise AssertionError("Bedrock must not be called for an invalid request")

    invoke_model_with_response_stream = converse_stream


@pytest.mark.parametrize(
    ("event", "status", "code"),
    [
        (_event(None), 400, "invalid_request"),
        (_event("   "), 400, "invalid_request"),
        (_event("{not json"), 400, "invalid_request"),
        (_event('{"prompt": "a", "temperature": NaN}'), 400, "invalid_request"),
        (_event('{"prompt": "a"}', b64=True) | {"body": "!!!notbase64"}, 400, "invalid_request"),
        (_event(json.dumps({"prompt": "x" * 3000})), 413, "payload_too_large"),
        (_event(json.dumps({"prompt": "x" * 3000}), b64=True), 413, "payload_too_large"),
        (_event(json.dumps({"prompt": "a", "bogus": 1}), b64=True), 400, "invalid_request"),
        (_event(json.dumps({"prompt": "a", "model": "nope"})), 403, "model_not_allowed"),
    ],
)
def test_handler_answers_rule_violations_with_status_and_json(event, status, code):
    app = App.from_config(CONFIG, _NoBedrock())
    stream = _Stream()
    handle(app, event, _Context(), stream)
    assert stream.status == status
    error = json.loads(stream.body)["error"]
    assert error["code"] == code
    assert error["retryable"] is False


def test_invalid_utf8_is_rejected():
    event = _event(None)
    event["body"] = base64.b64encode(b'{"prompt": "\xff"}').decode()
    event["isBase64Encoded"] = True
    body = parse_event(event, 1000).body
    with pytest.raises(AppError, match="UTF-8"):
        decode_json(body)


def test_base64_body_is_decoded():
    event = _event('{"prompt": "héllo"}', b64=True)
    assert parse_event(event, 1000).body == '{"prompt": "héllo"}'.encode()


def test_messages_of_rejected_values_do_not_echo_the_prompt():
    secret = "my secret prompt text"
    with pytest.raises(AppError) as info:
        parse_chat({"prompt": secret, "temperature": 7}, CONFIG)
    assert secret not in info.value.message
