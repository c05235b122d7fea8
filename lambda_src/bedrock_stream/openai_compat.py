"""The OpenAI-compatible surface (API.md §6): chat completions, streamed or not, and models."""

from __future__ import annotations

import json
import time
from typing import Any, Final

from bedrock_stream.app import Exchange
from bedrock_stream.chat import keepalive_writer, run_call, writer
from bedrock_stream.config import Config
from bedrock_stream.encoders import SurrogateCarry
from bedrock_stream.errors import AppError, from_stream_code
from bedrock_stream.events import Delta, Done, Error, Event, Reasoning, Start, ToolUse
from bedrock_stream.request import ChatRequest, decode_json, parse_chat

FIELDS: Final = frozenset(
    {
        "model",
        "messages",
        "stream",
        "stream_options",
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "top_p",
        "stop",
        "user",
        "n",
    }
)

# Fields whose type is checked here (the rest are checked as the chat request's, §2);
# `stream: "false"` must not stream, as OpenAI refuses it too.
_TYPED_FIELDS: Final = (
    ("stream", bool, "a boolean"),
    ("stream_options", dict, "an object"),
    ("user", str, "a string"),
)

# Bedrock stop reason -> OpenAI finish_reason.
FINISH: Final[dict[str, str]] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "content_filtered": "content_filter",
    "guardrail_intervened": "content_filter",
    "model_context_window_exceeded": "length",  # docs/API.md §12.4
}

# HTTP status -> OpenAI error type.
ERROR_TYPES: Final[dict[int, str]] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
}


def openai_error(err: AppError) -> dict[str, dict[str, object]]:
    """An error in OpenAI's shape."""
    kind = ERROR_TYPES.get(err.status, "api_error")
    return {"error": {"message": err.message, "type": kind, "param": None, "code": err.code}}


def _content(value: Any, where: str) -> str:
    # The openai client sends a string, or a list of {"type": "text", "text": ...} parts.
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(
        isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str)
        for p in value
    ):
        return "".join(p["text"] for p in value)
    raise AppError("invalid_request", f"{where} must be a string or a list of text parts")


def _split_messages(raw: Any) -> tuple[list[str], list[dict[str, str]]]:
    """System (and developer) texts apart from the user/assistant turns.

    OpenAI takes consecutive messages of one role (two user messages in a row), Bedrock wants
    the roles to alternate: such a run is sent as one turn, its texts joined by a blank line.
    The first turn must still be the user's (errors name the index in the OpenAI request).
    """
    if not isinstance(raw, list) or not raw:
        raise AppError("invalid_request", "messages must be a non-empty list")
    system: list[str] = []
    turns: list[dict[str, str]] = []
    for i, message in enumerate(raw):
        if not isinstance(message, dict):
            raise AppError("invalid_request", f"messages[{i}] must be an object")
        role = message.get("role")
        content = _content(message.get("content"), f"messages[{i}].content")
        if role in ("system", "developer"):
            system.append(content)
        elif role in ("user", "assistant"):
            if not turns and role != "user":
                raise AppError(
                    "invalid_request", f"messages[{i}]: the first non-system message must be user"
                )
            if turns and turns[-1]["role"] == role:
                turns[-1]["content"] += "\n\n" + content
            else:
                turns.append({"role": str(role), "content": content})
        else:
            raise AppError(
                "invalid_request", f"messages[{i}].role must be system, user or assistant"
            )
    return system, turns


def to_chat_request(doc: Any, config: Config) -> tuple[ChatRequest, bool, bool]:
    """An OpenAI request as a ChatRequest, whether to stream, whether to send usage."""
    if not isinstance(doc, dict):
        raise AppError("invalid_request", "body must be a JSON object")
    unknown = sorted(set(doc) - FIELDS)
    if unknown:
        raise AppError("invalid_request", f"unsupported fields: {unknown}")
    n = doc.get("n")
    if n is not None and (isinstance(n, bool) or n != 1):  # true is not a count
        raise AppError("invalid_request", "only n=1 is supported")
    for name, kind, label in _TYPED_FIELDS:
        if doc.get(name) is not None and not isinstance(doc[name], kind):
            raise AppError("invalid_request", f"{name} must be {label}")
    system, turns = _split_messages(doc.get("messages"))
    body: dict[str, Any] = {"messages": turns}
    if system:
        body["system"] = "\n\n".join(system)
    for ours, theirs in (("model", "model"), ("temperature", "temperature"), ("top_p", "top_p")):
        if doc.get(theirs) is not None:
            body[ours] = doc[theirs]
    limit = doc.get("max_completion_tokens")
    if limit is None:  # the newer name wins; a null one leaves max_tokens in force
        limit = doc.get("max_tokens")
    if limit is not None:
        body["max_tokens"] = limit
    stop = doc.get("stop")
    if stop is not None:
        body["stop"] = [stop] if isinstance(stop, str) else stop
    options = doc.get("stream_options") or {}
    include_usage = options.get("include_usage")
    if include_usage is not None and not isinstance(include_usage, bool):
        raise AppError("invalid_request", "stream_options.include_usage must be a boolean")
    return parse_chat(body, config), doc.get("stream") is True, include_usage is True


class ChunkEncoder:
    """Events as `data: {chat.completion.chunk}` lines, ending with `data: [DONE]`."""

    content_type = "text/event-stream; charset=utf-8"
    keepalive: bytes | None = b": keepalive\n\n"

    def __init__(self, request_id: str, model: str, include_usage: bool) -> None:
        self._id = f"chatcmpl-{request_id}"
        self._model = model
        self._created = int(time.time())
        self._usage = include_usage
        self._carry = SurrogateCarry()

    def _chunk(self, delta: dict[str, Any], finish: str | None) -> bytes:
        chunk = {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": self._model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return _data(chunk)

    def encode(self, event: Event) -> bytes:
        if isinstance(event, Start):
            return self._chunk({"role": "assistant", "content": ""}, None)
        if isinstance(event, Delta):
            text = self._carry.text(event.text)
            return self._chunk({"content": text}, None) if text else b""
        if isinstance(event, Reasoning | ToolUse):
            return b""  # not mapped yet (reasoning_content, tool_calls: docs/API.md §12.4)
        tail = self._carry.flush()
        out = self._chunk({"content": tail}, None) if tail else b""
        if isinstance(event, Error):
            error = openai_error(from_stream_code(event.code, event.message))
            return out + _data(error)
        out += self._chunk({}, FINISH.get(event.stop_reason, "stop"))
        if self._usage:
            usage = _usage(event)
            out += _data(
                {
                    "id": self._id,
                    "object": "chat.completion.chunk",
                    "created": self._created,
                    "model": self._model,
                    "choices": [],
                    "usage": usage,
                }
            )
        return out + b"data: [DONE]\n\n"


def _data(obj: object) -> bytes:
    return f"data: {json.dumps(obj, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


def _usage(done: Done) -> dict[str, int]:
    prompt = done.usage.input_tokens or 0
    completion = done.usage.output_tokens or 0
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def chat_completions(ex: Exchange) -> None:
    """POST /v1/chat/completions."""
    req, stream, include_usage = to_chat_request(decode_json(ex.http.body), ex.app.config)
    ex.log["format"] = "openai-stream" if stream else "openai"
    if stream:
        encoder = ChunkEncoder(ex.request_id, req.model, include_usage)
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
        return
    _complete(ex, req)


def _complete(ex: Exchange, req: ChatRequest) -> None:
    """The non-streamed answer: collect the deltas, then one chat.completion (or an error)."""
    parts: list[str] = []
    carry = SurrogateCarry()
    ends: list[Done | Error] = []

    def collect(event: Event) -> bool:
        if isinstance(event, Delta):
            parts.append(carry.text(event.text))
        elif isinstance(event, Done | Error):
            parts.append(carry.flush())
            ends.append(event)
        return False  # nothing reaches the client until the end

    if run_call(ex, req, on_open=lambda: None, emit=collect, keepalive=None) is None:
        return
    end = ends[-1]
    if isinstance(end, Error):
        ex.send_error(from_stream_code(end.code, end.message))
        return
    ex.send_json(
        200,
        {
            "id": f"chatcmpl-{ex.request_id}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": req.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "".join(parts)},
                    "finish_reason": FINISH.get(end.stop_reason, "stop"),
                }
            ],
            "usage": _usage(end),
        },
    )


def list_models(ex: Exchange) -> None:
    """GET /v1/models."""
    data = [
        {"id": m, "object": "model", "created": 0, "owned_by": "bedrock"}
        for m in ex.app.config.allowed_models
    ]
    ex.send_json(200, {"object": "list", "data": data})
