"""The official openai client against the twin's OpenAI-compatible surface (docs/API.md §6, §12.4).

The twin runs the real function from lambda_src with the local Bedrock, which answers
`#! tool=NAME` with one call of NAME, a user turn of tool results with `tool result: ...`,
`think=N` with N reasoning tokens and `attachments` with one line per image (§12.5).
"""

from __future__ import annotations

import base64
import hashlib
import json
import select
import socket
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from tests.e2e.chat.twin import ChatTwin, running_twin
from tests.e2e.conftest import fetch
from tests.e2e.handler_twin.wire import log_docs
from tests.unit.media_samples import PNG

ECHO = " ".join(f"token{i}" for i in range(20))
HAIKU45 = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
DEEPSEEK = "us.deepseek.r1-v1:0"
WEATHER: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


@pytest.fixture(scope="module")
def twin() -> Iterator[ChatTwin]:
    # INFO: the request log line (which says what was dropped) is written at INFO.
    with running_twin("none", environ={"POWERTOOLS_LOG_LEVEL": "INFO"}) as running:
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


def run_tool(call: Any) -> str:
    """The client's side of the loop: the weather for the city the model asked about."""
    return f"18 C and sunny in {json.loads(call.function.arguments)['city']}"


def test_tool_calling_loop_not_streamed(client: openai.OpenAI, twin: ChatTwin) -> None:
    twin.bedrock.clear()
    messages: list[Any] = [{"role": "user", "content": '#! tool=get_weather\n{"city": "Paris"}'}]
    first = client.chat.completions.create(model=HAIKU45, messages=messages, tools=[WEATHER])
    assert first.choices[0].finish_reason == "tool_calls"
    message = first.choices[0].message
    (call,) = message.tool_calls or []
    assert (call.type, call.function.name) == ("function", "get_weather")
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    messages += [message, {"role": "tool", "tool_call_id": call.id, "content": run_tool(call)}]
    final = client.chat.completions.create(model=HAIKU45, messages=messages, tools=[WEATHER])
    assert final.choices[0].finish_reason == "stop"
    assert final.choices[0].message.content == "tool result: 18 C and sunny in Paris"
    *_, sent = twin.bedrock_messages()
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1]["content"] == [
        {"toolUse": {"toolUseId": call.id, "name": "get_weather", "input": {"city": "Paris"}}}
    ]
    assert sent[2]["content"][0]["toolResult"]["toolUseId"] == call.id


def test_tool_calling_loop_streamed(client: openai.OpenAI) -> None:
    messages: list[Any] = [{"role": "user", "content": '#! tool=get_weather\n{"city": "Oslo"}'}]
    calls: dict[int, dict[str, Any]] = {}
    fragments = 0
    finish = None
    for chunk in client.chat.completions.create(
        model=HAIKU45, messages=messages, tools=[WEATHER], stream=True
    ):
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            for part in choice.delta.tool_calls or []:
                # how client code assembles streamed calls: by index, appending arguments
                entry = calls.setdefault(part.index, {"id": None, "name": None, "arguments": ""})
                if part.id:
                    entry["id"], entry["name"] = part.id, part.function.name
                entry["arguments"] += part.function.arguments or ""
                fragments += 1
    assert finish == "tool_calls"
    assert list(calls) == [0]
    assert fragments >= 3  # the opening fragment, then the arguments in pieces
    call = calls[0]
    assert json.loads(call["arguments"]) == {"city": "Oslo"}
    assistant = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": call["id"],
                "type": "function",
                "function": {"name": call["name"], "arguments": call["arguments"]},
            }
        ],
    }
    messages += [assistant, {"role": "tool", "tool_call_id": call["id"], "content": "cold"}]
    text = "".join(
        chunk.choices[0].delta.content or ""
        for chunk in client.chat.completions.create(
            model=HAIKU45, messages=messages, tools=[WEATHER], stream=True
        )
        if chunk.choices
    )
    assert text == "tool result: cold"


def test_reasoning_content_of_a_model_that_always_reasons(client: openai.OpenAI) -> None:
    reasoning, content = "", ""
    for chunk in client.chat.completions.create(
        model=DEEPSEEK,
        messages=[{"role": "user", "content": "#! think=12 echo\nfour"}],
        stream=True,
    ):
        for choice in chunk.choices:
            reasoning += getattr(choice.delta, "reasoning_content", None) or ""
            content += choice.delta.content or ""
    assert content == "four"  # the answer alone: reasoning is never mixed into it
    assert reasoning.strip()


def test_reasoning_effort_gives_claude_reasoning_and_its_signed_block(
    client: openai.OpenAI, twin: ChatTwin
) -> None:
    twin.bedrock.clear()
    completion = client.chat.completions.create(
        model=HAIKU45,
        messages=[{"role": "user", "content": "#! think=10 echo\nanswer"}],
        reasoning_effort="low",
    )
    message = completion.choices[0].message
    assert message.content == "answer"
    thought = getattr(message, "reasoning_content", "")
    assert thought
    (block,) = getattr(message, "thinking_blocks", [])
    assert block["type"] == "thinking"
    assert block["thinking"] == thought
    assert block["signature"]
    (request,) = twin.bedrock.requests
    assert request.body is not None
    assert request.body["additionalModelRequestFields"]["thinking"]["budget_tokens"] == 1024


def test_include_usage_ends_with_a_usage_chunk(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model=HAIKU45,
            messages=[{"role": "user", "content": "#! echo\nshort answer"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert last.usage.completion_tokens > 0
    assert last.usage.total_tokens == last.usage.prompt_tokens + last.usage.completion_tokens
    assert all(c.usage is None for c in chunks[:-1])


def test_cache_reads_are_cached_tokens(client: openai.OpenAI) -> None:
    sonnet = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"  # caches from 1,024 tokens
    rules = " ".join(f"rule{i}" for i in range(1500))
    system = {
        "role": "system",
        "content": [
            {"type": "text", "text": rules, "prompt_cache_breakpoint": {"mode": "explicit"}}
        ],
    }
    usages = []
    for question in ("#! echo\nfirst", "#! echo\nsecond"):
        completion = client.chat.completions.create(
            model=sonnet, messages=[system, {"role": "user", "content": question}]
        )
        usages.append(completion.usage)
    first, second = usages
    assert first is not None
    assert second is not None
    assert first.prompt_tokens_details is not None
    assert first.prompt_tokens_details.cached_tokens == 0  # written, not read
    assert second.prompt_tokens_details is not None
    assert second.prompt_tokens_details.cached_tokens > 1000
    assert second.prompt_tokens == first.prompt_tokens  # cached tokens are prompt tokens too


def test_an_image_data_url_reaches_the_model_intact(client: openai.OpenAI) -> None:
    url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    completion = client.chat.completions.create(
        model=HAIKU45,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "#! attachments\nWhat is this?"},
                    {"type": "image_url", "image_url": {"url": url}},
                ],
            }
        ],
    )
    digest = hashlib.sha256(PNG).hexdigest()[:12]
    assert completion.choices[0].message.content == f"image png {len(PNG)} {digest}"


def test_an_http_image_url_is_refused_and_nothing_is_fetched(
    client: openai.OpenAI, twin: ChatTwin
) -> None:
    twin.bedrock.clear()
    with socket.socket() as server:  # where the image "is": it records any connection
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        host, port = server.getsockname()
        content = [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": f"http://{host}:{port}/cat.png"}},
        ]
        with pytest.raises(openai.BadRequestError) as caught:
            client.chat.completions.create(
                model=HAIKU45, messages=[{"role": "user", "content": content}]
            )
        # Any fetch would have connected before the answer came: the backlog is still empty.
        assert select.select([server], [], [], 0)[0] == []
    assert isinstance(caught.value.body, dict)
    assert "fetches nothing" in str(caught.value.body["message"])
    assert "messages[0].content[1].image_url.url" in str(caught.value.body["message"])
    assert twin.bedrock.requests == []


def test_top_p_is_dropped_for_a_model_that_takes_one_sampler(
    client: openai.OpenAI, twin: ChatTwin
) -> None:
    twin.bedrock.clear()
    asked = [{"role": "user", "content": "#! echo\nhello"}]
    completion = client.chat.completions.create(
        model=HAIKU45, messages=asked, temperature=0.5, top_p=0.9
    )
    assert completion.choices[0].message.content == "hello"
    (request,) = twin.bedrock.requests
    assert request.body is not None
    assert request.body["inferenceConfig"]["temperature"] == 0.5
    assert "topP" not in request.body["inferenceConfig"]
    dropped = [doc for doc in log_docs(list(twin.logs)) if doc.get("dropped") == ["top_p"]]
    assert dropped
    assert "hello" not in json.dumps(dropped)  # logged without content
    # /chat refuses the same request instead (docs/API.md §12.1)
    body = json.dumps({"model": HAIKU45, "messages": asked, "temperature": 0.5, "top_p": 0.9})
    received = fetch(twin.url, "/chat", method="POST", body=body.encode())
    assert received.status == 400
    assert "top_p" in json.loads(received.body)["error"]["message"]


def test_unsupported_fields_are_named_and_user_seed_n_accepted(client: openai.OpenAI) -> None:
    asked = [{"role": "user", "content": "#! echo\nok"}]
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=HAIKU45, messages=asked, logprobs=True)
    assert isinstance(caught.value.body, dict)
    assert "logprobs" in str(caught.value.body["message"])
    completion = client.chat.completions.create(
        model=HAIKU45, messages=asked, user="someone", seed=42, n=1
    )
    assert completion.choices[0].message.content == "ok"
