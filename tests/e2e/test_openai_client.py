"""The official openai client against the twin's OpenAI-compatible surface (API.md §6)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import openai
import pytest

from tests.e2e.chat.twin import ChatTwin, running_twin

ECHO = " ".join(f"token{i}" for i in range(20))


@pytest.fixture(scope="module")
def twin() -> Iterator[ChatTwin]:
    with running_twin("none") as running:
        yield running


@pytest.fixture
def client(twin: ChatTwin) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{twin.url}/v1", api_key="unused", max_retries=0) as made:
        yield made


def test_streaming_chat_completion_arrives_in_pieces(client: openai.OpenAI) -> None:
    started = time.monotonic()
    stream = client.chat.completions.create(
        model="anthropic.claude-3-haiku-20240307-v1:0",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": f"#! echo rate=20\n{ECHO}"},
        ],
        stream=True,
    )
    pieces: list[tuple[float, str]] = []
    finish = None
    for chunk in stream:
        assert chunk.object == "chat.completion.chunk"
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append((time.monotonic() - started, choice.delta.content))
            finish = choice.finish_reason or finish
    assert "".join(text for _, text in pieces) == ECHO
    assert len(pieces) >= 10
    assert pieces[-1][0] - pieces[0][0] > 0.5  # spread over the stream, not one lump
    assert finish == "stop"


def test_non_streaming_chat_completion(client: openai.OpenAI, twin: ChatTwin) -> None:
    twin.bedrock.clear()
    completion = client.chat.completions.create(
        model="anthropic.claude-3-haiku-20240307-v1:0",
        messages=[
            {"role": "user", "content": "#! echo\nfirst"},
            {"role": "assistant", "content": "first"},
            {"role": "user", "content": "#! echo\nsecond answer"},
        ],
        max_tokens=50,
    )
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.content == "second answer"
    assert completion.choices[0].message.role == "assistant"
    assert completion.usage is not None
    assert completion.usage.completion_tokens > 0
    [messages] = twin.bedrock_messages()
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]


def test_models_and_errors_in_openai_shape(client: openai.OpenAI) -> None:
    ids = [model.id for model in client.models.list()]
    assert "anthropic.claude-3-haiku-20240307-v1:0" in ids
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(
            model="not.allowed-v1", messages=[{"role": "user", "content": "hi"}]
        )
    assert caught.value.status_code == 403
    assert isinstance(caught.value.body, dict)  # OpenAI's error object: message, type, code
    assert "not.allowed-v1" in str(caught.value.body["message"])
