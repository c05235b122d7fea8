"""The OpenAI-compatible surface, driven by the official openai client (in-process transport)."""

from __future__ import annotations

import httpx2 as httpx
import openai
import pytest

from bedrock_stream.app import App
from bedrock_stream.handler import build_handler
from tests.functional.handler.handler_fakes import (
    FakeBedrock,
    FakeContext,
    FakeStream,
    Raise,
    client_error,
    converse_events,
    make_config,
    make_event,
    stream_error,
)

PIECES = ["Hel", "lo,\n", "wor", "ld 🙂"]


def openai_client(bedrock: FakeBedrock, **config) -> openai.OpenAI:
    """An OpenAI client whose HTTP requests become Function URL events for the handler."""
    app = App.from_config(make_config(**config), bedrock)
    handler = build_handler(lambda: app)

    def handle(request: httpx.Request) -> httpx.Response:
        body = request.content.decode() or None
        headers = {k.lower(): v for k, v in request.headers.items()}
        event = make_event(request.method, request.url.path, raw_body=body, headers=headers)
        stream = FakeStream()
        handler(event, FakeContext(), stream=stream)
        return httpx.Response(stream.status, headers=stream.headers, content=stream.body)

    return openai.OpenAI(
        base_url="http://function.local/v1",
        api_key=config.get("api_key") or "unused",
        http_client=httpx.Client(transport=httpx.MockTransport(handle)),
        max_retries=0,
    )


def test_streaming_completion():
    bedrock = FakeBedrock([converse_events(PIECES, usage=(11, 5))])
    client = openai_client(bedrock)
    chunks = list(
        client.chat.completions.create(
            model="anthropic.claude-3-haiku-20240307-v1:0",
            messages=[
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Say hello"},
            ],
            stream=True,
            stream_options={"include_usage": True},
            max_tokens=50,
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "".join(PIECES)
    finishes = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finishes == ["stop"]
    assert chunks[-1].usage.prompt_tokens == 11
    assert chunks[-1].usage.completion_tokens == 5
    sent = bedrock.calls[0][1]
    assert sent["system"] == [{"text": "Be brief."}]
    assert sent["inferenceConfig"] == {"maxTokens": 50}


def test_non_streaming_completion():
    client = openai_client(FakeBedrock([converse_events(PIECES, "max_tokens", usage=(3, 4))]))
    completion = client.chat.completions.create(
        model="anthropic.claude-3-haiku-20240307-v1:0",
        messages=[{"role": "user", "content": "Say hello"}],
    )
    assert completion.choices[0].message.content == "".join(PIECES)
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage.total_tokens == 7


def test_models_list():
    models = openai_client(FakeBedrock([])).models.list()
    assert [m.id for m in models.data] == list(make_config().allowed_models)


def test_throttling_is_a_rate_limit_error():
    client = openai_client(
        FakeBedrock([client_error("ThrottlingException", 429)], repeat_last=True), max_attempts=1
    )
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(
            model="anthropic.claude-3-haiku-20240307-v1:0",
            messages=[{"role": "user", "content": "x"}],
        )
    assert info.value.response.headers["Retry-After"]


def test_invalid_request_in_openai_shape():
    client = openai_client(FakeBedrock([]))
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(
            model="anthropic.claude-3-haiku-20240307-v1:0",
            messages=[{"role": "tool", "content": "x"}],
        )
    assert info.value.body["type"] == "invalid_request_error"
    assert info.value.body["code"] == "invalid_request"


def test_model_not_allowed_is_permission_error():
    client = openai_client(FakeBedrock([]))
    with pytest.raises(openai.PermissionDeniedError):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])


def test_midstream_error_raises_in_the_client_after_the_text():
    steps = [
        *converse_events(["partial "], stop_reason=None)[:2],
        Raise(stream_error("modelStreamErrorException")),
    ]
    client = openai_client(FakeBedrock([steps]))
    seen: list[str] = []

    def consume() -> None:
        for chunk in client.chat.completions.create(
            model="anthropic.claude-3-haiku-20240307-v1:0",
            messages=[{"role": "user", "content": "x"}],
            stream=True,
        ):
            seen.append(chunk.choices[0].delta.content or "")

    with pytest.raises(openai.APIError, match="modelStreamErrorException"):
        consume()
    assert "".join(seen) == "partial "


def test_midstream_error_without_streaming_is_an_http_error():
    steps = [
        *converse_events(["partial"], stop_reason=None)[:2],
        Raise(stream_error("internalServerException")),
    ]
    client = openai_client(FakeBedrock([steps]))
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(
            model="anthropic.claude-3-haiku-20240307-v1:0",
            messages=[{"role": "user", "content": "x"}],
        )
    assert info.value.status_code == 502


def test_api_key_mode_with_the_clients_bearer_token():
    ok = openai_client(FakeBedrock([converse_events(["ok"])]), auth_mode="api_key", api_key="k-123")
    reply = ok.chat.completions.create(
        model="anthropic.claude-3-haiku-20240307-v1:0", messages=[{"role": "user", "content": "x"}]
    )
    assert reply.choices[0].message.content == "ok"
    app = App.from_config(make_config(auth_mode="api_key", api_key="k-123"), FakeBedrock([]))
    stream = FakeStream()
    event = make_event("GET", "/v1/models", headers={"authorization": "Bearer nope"})
    build_handler(lambda: app)(event, FakeContext(), stream=stream)
    assert stream.status == 403
    assert stream.json()["error"]["type"] == "permission_error"
