"""docs/API.md sentences found broken by a black-box audit of the twin, pinned at the handler."""

from __future__ import annotations

import json

import pytest

from tests.functional.handler.handler_fakes import (
    FakeBedrock,
    Raise,
    converse_events,
    make_config,
    make_event,
    stream_error,
)

SSE = "text/event-stream; charset=utf-8"
NDJSON = "application/x-ndjson"
TEXT = "text/plain; charset=utf-8"


# docs/API.md §3: "`format` in the body or query wins; else the Accept header".
@pytest.mark.parametrize(
    ("path", "query", "given", "content_type"),
    [
        ("/chat", {"format": "text"}, {}, TEXT),
        ("/chat", {"format": "ndjson"}, {"accept": "text/plain"}, NDJSON),
        ("/", {"format": "text"}, {"accept": "text/event-stream"}, TEXT),
        # Both given: the body's own format wins over the URL's.
        ("/chat", {"format": "text"}, {"format": "ndjson"}, NDJSON),
        ("/chat", {"format": "sse"}, {"format": "text"}, TEXT),
    ],
)
def test_post_takes_format_from_the_query(run, path, query, given, content_type):
    body = {"prompt": "hi", **({"format": given["format"]} if "format" in given else {})}
    headers = {"accept": given["accept"]} if "accept" in given else {}
    event = make_event("POST", path, body, query=query, headers=headers)
    stream = run(event, FakeBedrock([converse_events(["a\nb"])]))
    assert stream.status == 200
    assert stream.headers["Content-Type"] == content_type
    if content_type == TEXT:
        assert stream.body == b"a\nb"


def test_post_with_a_native_body_takes_format_from_the_query(run):
    client = FakeBedrock([converse_events(["x"])])
    event = make_event(
        "POST",
        "/chat",
        {"model": "anthropic.claude-3-haiku-20240307-v1:0", "native": {"messages": []}},
        query={"format": "ndjson"},
    )
    stream = run(event, client)
    assert stream.headers["Content-Type"] == NDJSON


@pytest.mark.parametrize("body_format", [None, "text"])
def test_post_refuses_a_query_format_that_is_not_one(run, body_format):
    client = FakeBedrock([converse_events(["x"])])
    body = {"prompt": "hi", **({"format": body_format} if body_format else {})}
    stream = run(make_event("POST", "/chat", body, query={"format": "xml"}), client)
    assert stream.status == 400
    assert stream.json()["error"]["code"] == "invalid_request"
    assert "format" in stream.json()["error"]["message"]
    assert client.calls == []


# docs/API.md §6: "accepts the OpenAI chat-completions request (... `stream` ...)"; a value of
# the wrong type must not switch streaming on (OpenAI itself refuses it).
@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"stream": "false"}, "stream"),
        ({"stream": 1}, "stream"),
        ({"stream": True, "stream_options": "include_usage"}, "stream_options"),
        ({"stream": True, "stream_options": {"include_usage": "yes"}}, "include_usage"),
        ({"n": True}, "n"),
        ({"user": 5}, "user"),
    ],
)
def test_openai_fields_of_the_wrong_type_are_refused(run, extra, field):
    client = FakeBedrock([converse_events(["x"])])
    body = {
        "model": "anthropic.claude-3-haiku-20240307-v1:0",
        "messages": [{"role": "user", "content": "hi"}],
    }
    stream = run(make_event("POST", "/v1/chat/completions", {**body, **extra}), client)
    assert stream.status == 400
    error = stream.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert field in error["message"]
    assert client.calls == []


@pytest.mark.parametrize("extra", [{"stream": None}, {"n": None}, {"n": 1}, {"stream": False}])
def test_openai_nulls_and_defaults_answer_one_completion(run, extra):
    body = {
        "model": "anthropic.claude-3-haiku-20240307-v1:0",
        "messages": [{"role": "user", "content": "hi"}],
    }
    stream = run(
        make_event("POST", "/v1/chat/completions", {**body, **extra}),
        FakeBedrock([converse_events(["x"])]),
    )
    assert stream.status == 200
    assert stream.json()["object"] == "chat.completion"


def test_openai_null_max_completion_tokens_leaves_max_tokens_in_force(run):
    client = FakeBedrock([converse_events(["x"])])
    body = {
        "model": "anthropic.claude-3-haiku-20240307-v1:0",
        "messages": [{"role": "user", "content": "hi"}],
        "max_completion_tokens": None,
        "max_tokens": 7,
    }
    stream = run(make_event("POST", "/v1/chat/completions", body), client)
    assert stream.status == 200
    assert client.calls[0][1]["inferenceConfig"] == {"maxTokens": 7}
    assert json.loads(stream.body)["choices"][0]["message"]["content"] == "x"


# docs/API.md §6: the OpenAI surface answers "errors in OpenAI's error shape", also those found
# before its route runs: a body over MAX_BODY_BYTES, a wrong method on its paths.
@pytest.mark.parametrize(
    ("request_line", "body", "status", "code"),
    [
        ("POST /v1/chat/completions", "x" * 2000, 413, "payload_too_large"),
        ("GET /v1/chat/completions", None, 405, "method_not_allowed"),
        ("DELETE /v1/models", None, 405, "method_not_allowed"),
    ],
)
def test_openai_surface_errors_before_the_route_are_in_openai_shape(
    run, request_line, body, status, code
):
    method, path = request_line.split()
    config = make_config(max_body_bytes=1000)
    stream = run(make_event(method, path, raw_body=body), FakeBedrock([]), config=config)
    assert stream.status == status
    assert stream.json() == {
        "error": {
            "message": stream.json()["error"]["message"],
            "type": "invalid_request_error",
            "param": None,
            "code": code,
        }
    }


def test_other_paths_keep_the_section_4_shape_for_the_same_errors(run):
    config = make_config(max_body_bytes=1000)
    stream = run(make_event("POST", "/chat", raw_body="x" * 2000), FakeBedrock([]), config=config)
    assert stream.status == 413
    assert set(stream.json()["error"]) == {"code", "message", "retryable"}


# docs/API.md §8: MAX_TOKENS_LIMIT is the ceiling for max_tokens; a native body (§2) names its
# provider's own limit, which must not get around the deployment's ceiling.
NATIVE_LIMITS = [
    ("anthropic.claude-3-haiku-20240307-v1:0", {"max_tokens": "N", "messages": []}, "max_tokens"),
    ("anthropic.claude-v2:1", {"prompt": "x", "max_tokens_to_sample": "N"}, "max_tokens_to_sample"),
    (
        "amazon.titan-text-express-v1",
        {"inputText": "x", "textGenerationConfig": {"maxTokenCount": "N"}},
        "textGenerationConfig.maxTokenCount",
    ),
    ("amazon.nova-lite-v1:0", {"inferenceConfig": {"maxTokens": "N"}}, "inferenceConfig.maxTokens"),
    ("us.anthropic.claude-3-5-haiku-20241022-v1:0", {"max_tokens": "N"}, "max_tokens"),
    ("meta.llama3-8b-instruct-v1:0", {"prompt": "x", "max_gen_len": "N"}, "max_gen_len"),
    ("cohere.command-text-v14", {"prompt": "x", "max_tokens": "N"}, "max_tokens"),
    ("cohere.command-r-v1:0", {"message": "x", "max_tokens": "N"}, "max_tokens"),
    ("mistral.mistral-7b-instruct-v0:2", {"prompt": "x", "max_tokens": "N"}, "max_tokens"),
    ("ai21.jamba-1-5-mini-v1:0", {"messages": [], "max_tokens": "N"}, "max_tokens"),
]


def _with_limit(doc, value):
    if isinstance(doc, dict):
        return {k: _with_limit(v, value) for k, v in doc.items()}
    return value if doc == "N" else doc


@pytest.mark.parametrize(("model", "native", "field"), NATIVE_LIMITS)
def test_native_length_limit_over_the_ceiling_is_refused(run, model, native, field):
    client = FakeBedrock([[]])
    body = {"model": model, "native": _with_limit(native, 101)}
    stream = run(make_event(body=body), client, config=make_config(max_tokens_limit=100))
    assert stream.status == 400
    error = stream.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"] == f"native.{field} must be smaller than or equal to 100"
    assert client.calls == []


@pytest.mark.parametrize(("model", "native", "field"), NATIVE_LIMITS)
def test_native_length_limit_at_the_ceiling_is_sent(run, model, native, field):
    client = FakeBedrock([[]])
    body = {"model": model, "native": _with_limit(native, 100)}
    run(make_event(body=body), client, config=make_config(max_tokens_limit=100))
    assert [op for op, _ in client.calls] == ["InvokeModelWithResponseStream"]
    assert json.loads(client.calls[0][1]["body"]) == body["native"]


@pytest.mark.parametrize("code", ["throttlingException", "serviceQuotaExceededException"])
def test_a_mid_stream_throttle_of_a_non_streamed_completion_is_429_with_retry_after(run, code):
    # docs/API.md §4: "429 throttled ... with Retry-After"; the OpenAI non-streamed answer turns an
    # in-stream throttle into that status, so it carries the header too.
    steps = [*converse_events(["partial"], stop_reason=None)[:2], Raise(stream_error(code))]
    body = {
        "model": "anthropic.claude-3-haiku-20240307-v1:0",
        "messages": [{"role": "user", "content": "hi"}],
    }
    stream = run(make_event("POST", "/v1/chat/completions", body), FakeBedrock([steps]))
    assert stream.status == 429
    assert stream.json()["error"]["code"] == "throttled"
    assert int(stream.headers["Retry-After"]) >= 1


# docs/API.md §6: the OpenAI request's messages (system/user/assistant, string content) as OpenAI
# takes them, which includes runs of one role; Bedrock wants alternation, so a run is one turn.
def test_openai_consecutive_messages_of_one_role_are_one_turn(run):
    client = FakeBedrock([converse_events(["ok"])])
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "First question."},
        {"role": "user", "content": "Second question."},
        {"role": "assistant", "content": "One"},
        {"role": "assistant", "content": "Two"},
        {"role": "user", "content": "Third."},
    ]
    body = {"model": "anthropic.claude-3-haiku-20240307-v1:0", "messages": messages}
    stream = run(make_event("POST", "/v1/chat/completions", body), client)
    assert stream.status == 200
    assert stream.json()["choices"][0]["message"]["content"] == "ok"
    sent = client.calls[0][1]["messages"]
    assert sent == [
        {"role": "user", "content": [{"text": "First question.\n\nSecond question."}]},
        {"role": "assistant", "content": [{"text": "One\n\nTwo"}]},
        {"role": "user", "content": [{"text": "Third."}]},
    ]


def test_openai_first_turn_from_the_assistant_names_its_own_index(run):
    client = FakeBedrock([converse_events(["ok"])])
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Hi"},
    ]
    body = {"model": "anthropic.claude-3-haiku-20240307-v1:0", "messages": messages}
    stream = run(make_event("POST", "/v1/chat/completions", body), client)
    assert stream.status == 400
    assert stream.json()["error"]["message"].startswith("messages[1]")
    assert client.calls == []
