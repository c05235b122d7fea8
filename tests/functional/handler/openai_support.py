"""Helpers for the OpenAI surface's handler tests: the official client in-process, raw calls."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx2 as httpx
import openai

from bedrock_stream.app import App
from bedrock_stream.config import Config
from bedrock_stream.handler import build_handler
from tests.functional.handler.handler_fakes import FakeContext, FakeStream, make_config, make_event
from tests.functional.handler.handler_run import captured_log, handle_once, logged_request

HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0"  # tools, images; no reasoning
HAIKU45 = "global.anthropic.claude-haiku-4-5-20251001-v1:0"  # + budget reasoning, one sampler
NOVA2 = "us.amazon.nova-2-lite-v1:0"  # effort reasoning
DEEPSEEK = "us.deepseek.r1-v1:0"  # always reasons; text only; no tools
COMPLETIONS = "/v1/chat/completions"

WEATHER = {
    "type": "function",
    "function": {
        "name": "weather_tool",
        "description": "The weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}},
            "required": ["location"],
        },
    },
}


def openai_client(bedrock: Any, **config: Any) -> openai.OpenAI:
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


def call(
    body: Any, bedrock: Any, config: Config | None = None, path: str = COMPLETIONS
) -> FakeStream:
    """One raw request to the handler; the recorded response."""
    return handle_once(make_event("POST", path, body), bedrock, config=config)


def chunks(stream: FakeStream) -> list[dict[str, Any]]:
    """The chat.completion.chunk objects of a streamed answer, in order."""
    records = stream.body.decode().split("\n\n")
    return [json.loads(r[len("data: ") :]) for r in records if r.startswith("data: {")]


def deltas(stream: FakeStream) -> list[dict[str, Any]]:
    """The `delta` of every chunk that has a choice."""
    return [c["choices"][0]["delta"] for c in chunks(stream) if c["choices"]]


def error_message(stream: FakeStream) -> str:
    """The message of an OpenAI-shaped 400."""
    assert stream.status == 400, stream.body[:300]
    error = stream.json()["error"]
    assert error["type"] == "invalid_request_error"
    return str(error["message"])


@contextmanager
def request_log() -> Iterator[dict[str, Any]]:
    """The handler's `request` log record of the block's one request (filled on exit)."""
    record: dict[str, Any] = {}
    with captured_log() as buffer:
        yield record
    record.update(logged_request(buffer))
    record["_text"] = buffer.getvalue()
