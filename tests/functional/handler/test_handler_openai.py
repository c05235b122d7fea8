"""The OpenAI-compatible surface, driven by the official openai client (in-process transport)."""

from __future__ import annotations

import base64

import openai
import pytest

from tests.functional.handler.handler_fakes import (
    FakeBedrock,
    Raise,
    client_error,
    converse_events,
    make_config,
    make_event,
    stream_error,
)
from tests.functional.handler.handler_run import handle_once
from tests.functional.handler.openai_support import (
    HAIKU3,
    HAIKU45,
    call,
    chunks,
    openai_client,
)
from tests.unit.media_samples import GIF, JPEG, PNG, WEBP

PIECES = ["Hel", "lo,\n", "wor", "ld 🙂"]


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
    config = make_config(auth_mode="api_key", api_key="k-123")
    event = make_event("GET", "/v1/models", headers={"authorization": "Bearer nope"})
    stream = handle_once(event, FakeBedrock([]), config=config)
    assert stream.status == 403
    assert stream.json()["error"]["type"] == "permission_error"


# --- usage, finish reasons --------------------------------------------------------------------


def _with_usage(**usage: int) -> list:
    events = converse_events(["ok"])
    events[-1]["metadata"]["usage"] = usage
    return events


def test_usage_chunk_counts_cache_tokens_as_openai_does():
    cached = _with_usage(
        inputTokens=5, outputTokens=3, cacheReadInputTokens=100, cacheWriteInputTokens=20
    )
    body = {"model": HAIKU45, "stream": True, "stream_options": {"include_usage": True}}
    body["messages"] = [{"role": "user", "content": "x"}]
    stream = call(body, FakeBedrock([cached]))
    last = chunks(stream)[-1]
    assert last["choices"] == []
    assert last["usage"] == {
        "prompt_tokens": 125,
        "completion_tokens": 3,
        "total_tokens": 128,
        "prompt_tokens_details": {"cached_tokens": 100},
    }
    assert all(c["usage"] is None for c in chunks(stream)[:-1])  # as OpenAI sends them
    plain = call(
        {**body, "stream": False}, FakeBedrock([_with_usage(inputTokens=5, outputTokens=3)])
    )
    assert plain.json()["usage"] == {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}


def test_a_full_context_window_is_length():
    body = {"model": HAIKU45, "stream": True, "messages": [{"role": "user", "content": "x"}]}
    stream = call(body, FakeBedrock([converse_events(["a"], "model_context_window_exceeded")]))
    assert chunks(stream)[-1]["choices"][0]["finish_reason"] == "length"


# --- images -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("media", "data", "fmt"),
    [
        ("png", PNG, "png"),
        ("jpeg", JPEG, "jpeg"),
        ("jpg", JPEG, "jpeg"),
        ("GIF", GIF, "gif"),
        ("webp", WEBP, "webp"),
    ],
)
def test_an_image_data_url_reaches_bedrock_as_its_bytes(media, data, fmt):
    bedrock = FakeBedrock([converse_events(["a cat"])])
    url = f"data:image/{media};base64,{base64.b64encode(data).decode()}"
    content = [
        {"type": "text", "text": "What is it?"},
        {"type": "image_url", "image_url": {"url": url, "detail": "low"}},
    ]
    stream = call({"model": HAIKU3, "messages": [{"role": "user", "content": content}]}, bedrock)
    assert stream.status == 200
    assert bedrock.calls[0][1]["messages"][0]["content"] == [
        {"text": "What is it?"},
        {"image": {"format": fmt, "source": {"bytes": data}}},
    ]
