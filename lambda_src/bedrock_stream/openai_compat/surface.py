"""The routes of the OpenAI surface: POST /v1/chat/completions and GET /v1/models (§6, §12.4).

One pipeline with `/chat`: the request is mapped onto a ChatRequest (request_map.py) and
answered by chat.run_call; only the encoding of the events differs (chunks.py, completion.py).
"""

from __future__ import annotations

import time

from bedrock_stream.app import Exchange
from bedrock_stream.chat import keepalive_writer, run_call, writer
from bedrock_stream.errors import from_stream_code
from bedrock_stream.events import Done, Start
from bedrock_stream.openai_compat.chunks import ChunkEncoder
from bedrock_stream.openai_compat.completion import Collector, completion
from bedrock_stream.openai_compat.request_map import Mapped, map_request
from bedrock_stream.openai_compat.wire import dumps
from bedrock_stream.request import decode_json


def chat_completions(ex: Exchange) -> None:
    """POST /v1/chat/completions."""
    mapped = map_request(decode_json(ex.http.body), ex.app.config)
    if mapped.dropped:
        # Fields left out for this model (docs/API.md §12.4): logged by name, never by value.
        ex.log["dropped"] = list(mapped.dropped)
    ex.log["format"] = "openai-stream" if mapped.stream else "openai"
    if mapped.stream:
        _stream(ex, mapped)
    else:
        _complete(ex, mapped)


def _stream(ex: Exchange, mapped: Mapped) -> None:
    req = mapped.chat
    encoder = ChunkEncoder(ex.request_id, req.model, mapped.include_usage)
    emit = writer(ex, encoder)
    headers = {
        "Content-Type": encoder.content_type,
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
        "X-Request-Id": ex.request_id,
    }

    def on_open() -> None:
        ex.stream.start(200, headers)
        ex.log["status"] = 200
        emit(Start(ex.request_id, req.model))

    run_call(ex, req, on_open=on_open, emit=emit, keepalive=keepalive_writer(ex, encoder))


def _complete(ex: Exchange, mapped: Mapped) -> None:
    """The whole answer is read, then sent as one chat.completion (or an HTTP error)."""
    collected = Collector()
    if (
        run_call(ex, mapped.chat, on_open=lambda: None, emit=collected.collect, keepalive=None)
        is None
    ):
        return  # answered with an error before Bedrock's stream opened
    end = collected.end
    if isinstance(end, Done):
        message = collected.message()
        doc = completion(
            f"chatcmpl-{ex.request_id}", mapped.chat.model, int(time.time()), message, end
        )
        ex.send(200, dumps(doc), "application/json")
        return
    # Nothing was sent yet, so a failure in Bedrock's stream is an HTTP error (docs/API.md §6).
    code, text = ("internal", "the answer had no end") if end is None else (end.code, end.message)
    ex.send_error(from_stream_code(code, text))


def list_models(ex: Exchange) -> None:
    """GET /v1/models."""
    data = [
        {"id": m, "object": "model", "created": 0, "owned_by": "bedrock"}
        for m in ex.app.config.allowed_models
    ]
    ex.send_json(200, {"object": "list", "data": data})
