"""OpenAI's answer shapes shared by chunks and completions: errors, finish reasons, usage, JSON."""

from __future__ import annotations

import json
from typing import Any, Final

from bedrock_stream.encoders import escape_raw_breaks
from bedrock_stream.errors import AppError
from bedrock_stream.events import Usage

# Bedrock stop reason -> OpenAI finish_reason (docs/API.md §6, §12.4); anything else: stop.
FINISH: Final[dict[str, str]] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "content_filtered": "content_filter",
    "guardrail_intervened": "content_filter",
    "model_context_window_exceeded": "length",
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

# Tool-call arguments are sent in this many pieces at most, as OpenAI streams them in pieces
# and its clients join `function.arguments` (docs/API.md §12.4).
ARGUMENT_PIECES: Final = 4


def openai_error(err: AppError) -> dict[str, dict[str, object]]:
    """An error in OpenAI's shape."""
    kind = ERROR_TYPES.get(err.status, "api_error")
    return {"error": {"message": err.message, "type": kind, "param": None, "code": err.code}}


def finish_reason(stop_reason: str) -> str:
    """OpenAI's finish_reason for a Bedrock stop reason."""
    return FINISH.get(stop_reason, "stop")


def usage(counts: Usage) -> dict[str, Any]:
    """OpenAI's usage for the counts Bedrock reported.

    Bedrock counts cache reads and writes apart from `inputTokens`; OpenAI's `prompt_tokens`
    holds every prompt token and `prompt_tokens_details.cached_tokens` the ones read from the
    cache, so the cache counts are added in (and cached_tokens is given when reads were
    reported). https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html
    """
    read = counts.cache_read_input_tokens
    prompt = (counts.input_tokens or 0) + (read or 0) + (counts.cache_write_input_tokens or 0)
    completion = counts.output_tokens or 0
    out: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if read is not None:
        out["prompt_tokens_details"] = {"cached_tokens": read}
    return out


def arguments(tool_input: dict[str, Any]) -> str:
    """A tool call's input as OpenAI's `arguments` string of JSON."""
    return _compact(tool_input)


def argument_pieces(text: str) -> list[str]:
    """The arguments cut into a few pieces that join back to them exactly."""
    size = max(1, -(-len(text) // ARGUMENT_PIECES))
    return [text[i : i + size] for i in range(0, len(text), size)]


def _compact(doc: object) -> str:
    """Compact JSON, readable UTF-8; all escaped when a lone surrogate (from Bedrock's JSON,
    which UTF-8 cannot carry) is in it."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode()
    except UnicodeEncodeError:
        return json.dumps(doc, separators=(",", ":"))
    return text


def dumps(doc: object) -> str:
    """Compact JSON for one `data:` line: the line breaks JSON leaves raw are escaped too, so
    that one `data:` line stays one line."""
    return escape_raw_breaks(_compact(doc))


def data(doc: object) -> bytes:
    """One SSE `data:` record."""
    return f"data: {dumps(doc)}\n\n".encode()
