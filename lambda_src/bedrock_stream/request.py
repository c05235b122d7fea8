"""Request parsing: payload-2.0 event to a typed HTTP request, and a JSON body to a ChatRequest."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import fastjsonschema

from bedrock_stream.chat_request import ChatRequest, Message, build_chat, parse_messages
from bedrock_stream.config import Config
from bedrock_stream.errors import AppError
from bedrock_stream.media import decode_base64
from bedrock_stream.schema import validator

# ChatRequest and Message live in chat_request.py; callers keep importing them from here.
__all__ = [
    "EMPTY_REQUEST",
    "ChatRequest",
    "HttpRequest",
    "Message",
    "decode_json",
    "parse_chat",
    "parse_event",
    "query_to_body",
]


@dataclass(frozen=True)
class HttpRequest:
    """The parts of a Function URL request the app reads; header names are lower-case."""

    method: str
    path: str
    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes


def parse_event(event: Any, max_body_bytes: int) -> HttpRequest:
    """Read method, path, headers, query and the (base64-decoded) body of a payload-2.0 event.

    An event without the Function URL shape (a direct invoke with another payload) is a 400,
    never a crash: the parts read here are checked for presence and type first.
    """
    _check_event_shape(event)
    # Read as plain data (the shape is checked above): Powertools' LambdaFunctionUrlEvent
    # would import every one of its event classes at each cold start.
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        # Reject early on the encoded size; the decoded body is 3/4 of it.
        if len(raw) // 4 * 3 > max_body_bytes + 3:
            raise _too_large(max_body_bytes)
        decoded = decode_base64(raw)
        if decoded is None:
            raise AppError("invalid_request", "body is not valid base64")
        body = decoded
    else:
        body = raw.encode("utf-8", "surrogatepass")
    if len(body) > max_body_bytes:
        raise _too_large(max_body_bytes)
    return HttpRequest(
        method=event["requestContext"]["http"]["method"].upper(),
        path=event.get("rawPath") or event["requestContext"]["http"].get("path") or "/",
        headers=headers,
        query=dict(event.get("queryStringParameters") or {}),
        body=body,
    )


def _check_event_shape(event: Any) -> None:
    def bad(what: str) -> AppError:
        return AppError("invalid_request", f"the event is not a Function URL request: {what}")

    if not isinstance(event, Mapping):
        raise bad("not an object")
    context = event.get("requestContext")
    http = context.get("http") if isinstance(context, Mapping) else None
    if not isinstance(http, Mapping) or not isinstance(http.get("method"), str):
        raise bad("no requestContext.http.method")
    for name in ("rawPath", "body"):
        if event.get(name) is not None and not isinstance(event[name], str):
            raise bad(f"{name} is not a string")
    if not isinstance(http.get("path") or "", str):
        raise bad("requestContext.http.path is not a string")
    for name in ("headers", "queryStringParameters"):
        fields = event.get(name)
        if fields is None:
            continue
        if not isinstance(fields, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in fields.items()
        ):
            raise bad(f"{name} is not a map of strings")


def _too_large(limit: int) -> AppError:
    return AppError("payload_too_large", f"body is larger than {limit} bytes")


def _reject_constant(name: str) -> Any:
    raise AppError("invalid_request", f"body is not valid JSON: {name} is not allowed")


def decode_json(body: bytes) -> Any:
    """The JSON document in a body (UTF-8; NaN and Infinity refused)."""
    if not body.strip():
        raise AppError("invalid_request", "body is empty; send a JSON object")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AppError("invalid_request", "body is not valid UTF-8") from exc
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise AppError("invalid_request", f"body is not valid JSON: {exc.msg}") from exc
    except RecursionError as exc:
        raise AppError("invalid_request", "body is not valid JSON: nested too deeply") from exc
    except ValueError as exc:
        # An integer literal over Python's digit limit (sys.get_int_max_str_digits).
        raise AppError("invalid_request", "body is not valid JSON: a number is too long") from exc


# GET /chat query parameters and how each is converted before validation.
_QUERY_FIELDS: dict[str, type] = {
    "prompt": str,
    "model": str,
    "system": str,
    "max_tokens": int,
    "temperature": float,
    "top_p": float,
    "format": str,
}


_NUMBER = {
    int: re.compile(r"[+-]?[0-9]+"),
    float: re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"),
}


def _convert(kind: type, value: str) -> Any:
    # Plain decimal numbers only: Python's int()/float() also take "nan", "inf", "1_0" and
    # non-ASCII digits, and NaN would pass the schema's range checks (every comparison fails).
    pattern = _NUMBER.get(kind)
    if pattern is None:
        return kind(value)
    if not pattern.fullmatch(value):
        raise ValueError(value)
    number = kind(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def query_to_body(query: Mapping[str, str]) -> dict[str, Any]:
    """GET /chat query parameters as the equivalent JSON body."""
    body: dict[str, Any] = {}
    for name, value in query.items():
        kind = _QUERY_FIELDS.get(name)
        if kind is None:
            raise AppError("invalid_request", f"unknown query parameter {_short(name)!r}")
        try:
            body[name] = _convert(kind, value)
        except ValueError as exc:
            raise AppError("invalid_request", f"{name} must be a {kind.__name__}") from exc
    return body


def _short(name: str, limit: int = 64) -> str:
    """A client-given name as an error message may quote it: bounded, never the whole text."""
    return name if len(name) <= limit else name[:limit] + "..."


_NATIVE_COMPANIONS = frozenset({"model", "native", "format"})


def parse_chat(doc: Any, config: Config) -> ChatRequest:
    """Validate a decoded body: the schema, then the cross-field rules (docs/API.md §2, §12)."""
    try:
        validator(config.max_tokens_limit)(doc)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise AppError("invalid_request", _schema_message(exc)) from exc
    assert isinstance(doc, dict)  # the schema says so
    given = [k for k in ("prompt", "messages", "native") if k in doc]
    if len(given) != 1:
        raise AppError("invalid_request", "give exactly one of prompt, messages and native")
    model = doc.get("model") or config.default_model
    if "native" in doc:
        extra = sorted(set(doc) - _NATIVE_COMPANIONS)
        if extra:
            raise AppError(
                "invalid_request",
                f"with native, only model and format are allowed, not {[_short(k) for k in extra]}",
            )
    messages = parse_messages(doc)
    if model not in config.allowed_models:
        raise AppError("model_not_allowed", f"model {model!r} is not allowed here")
    if "native" in doc:
        return ChatRequest(
            model=model,
            format=doc.get("format"),
            native=doc["native"],
            guardrail=config.guardrail,
        )
    return build_chat(doc, model, messages, config)


def _schema_message(exc: fastjsonschema.JsonSchemaValueException) -> str:
    # fastjsonschema calls the root "data"; say "body", never echo the value (may be a prompt).
    # Unknown property names are quoted: _short keeps a huge one from filling the message.
    message = _short(str(exc.message), 200)
    if message.startswith("data."):
        return message[len("data.") :]
    if message.startswith("data"):
        return "body" + message[len("data") :]
    return message


EMPTY_REQUEST = HttpRequest(method="", path="", headers={}, query={}, body=b"")
