"""Generated bad HTTP requests for the function behind the twin: pure, repeatable by index.

`request(seed, index)` is the index-th request of a run. Every request is wrong in at least
one way the contract refuses (docs/API.md §2, §4, §6, §12.1), so the only right answers are
4xx JSON errors: random bytes, truncated or deeply nested JSON, huge numbers, invalid UTF-8,
oversized headers, unknown fields, bad query values, unknown routes and methods, and a wrong
type in one field of a valid request, content blocks and tools included. The content type
is drawn on its own, so every kind also arrives under wrong content types.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from tests.unit.media_samples import document, image

DEFAULT_MODEL = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
CONTENT_TYPES = (
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/octet-stream",
    "text/html",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
    "image/png",
    "",  # none at all
    "garbage/\x7f",
)
TOOL = {
    "name": "get_weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}

# Valid requests (checked to stream in test_fuzz_http.py); the fuzzer breaks one thing in each.
CHAT_PROMPT: dict[str, Any] = {
    "prompt": "#! echo\nhello",
    "system": "be brief",
    "model": DEFAULT_MODEL,
    "max_tokens": 100,
    "temperature": 0.5,
    "stop": ["\n\n"],
    "format": "sse",
}
CHAT_BLOCKS: dict[str, Any] = {
    "messages": [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Look at these"},
                image("png"),
                document("txt", name="notes"),
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "reasoning", "text": "Check the weather.", "signature": "c2ln"},
                {"type": "tool_use", "id": "tooluse_1", "name": "get_weather", "input": {"c": 1}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "tooluse_1", "content": "sunny"},
                {"type": "text", "text": "#! echo\nthanks"},
            ],
        },
    ],
    "system": [{"type": "text", "text": "be brief"}, {"type": "cache_point"}],
    "tools": [TOOL],
    "tool_choice": "auto",
    "reasoning": {"budget_tokens": 1024},
    "max_tokens": 2048,
    "format": "ndjson",
}
OPENAI: dict[str, Any] = {
    "model": DEFAULT_MODEL,
    "messages": [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "#! echo\nhi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": [{"type": "text", "text": "#! echo\nmore"}]},
    ],
    "stream": True,
    "stream_options": {"include_usage": True},
    "max_tokens": 100,
    "temperature": 0.5,
    "stop": ["\n\n"],
    "user": "fuzz",
    "n": 1,
}
BASES: dict[str, tuple[str, dict[str, Any]]] = {
    "chat_prompt": ("/chat", CHAT_PROMPT),
    "chat_blocks": ("/chat", CHAT_BLOCKS),
    "openai": ("/v1/chat/completions", OPENAI),
}
# Paths whose value may be of more than one JSON type (docs/API.md §2, §6, §12.1).
_UNION_PATHS = {
    ("messages", "*", "content"): {"string", "array"},
    ("system",): {"string", "array"},
    ("tool_choice",): {"string", "object"},
    ("messages", "*", "content", "*", "content"): {"string", "array"},
    ("stop",): {"string", "array"},  # OpenAI's stop (the chat request's is an array only)
}
_OPENAI_OPTIONAL = frozenset(OPENAI) - {"messages"}
_WRONG_VALUES: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    1.5,
    "x",
    "",
    [],
    [1],
    ["x"],
    {},
    {"a": 1},
)
_HUGE_NUMBERS = ("1e400", "-1e400", "1" + "0" * 30, "9" * 5000, "-" + "9" * 400, "1.5e308")
_BAD_UTF8 = (b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf8\x88\x80\x80\x80", b"\x80")
_BAD_QUERIES = (
    ("max_tokens", ("abc", "", "-1", "0", "1e400", "1.5", "99999999999999999999", "nan")),
    ("temperature", ("abc", "", "-0.1", "2", "nan", "NaN", "inf", "-inf", "1e400")),
    ("top_p", ("x", "nan", "inf", "1.01")),
    ("format", ("xml", "", "SSE", "json")),
    ("model", ("",)),
    ("prompt", ("",)),
    ("unknown", ("1",)),
)
ECHO_HI = "#! echo\nhi"
# Unknown paths (a trailing slash names the same route, so /chat/ is not one of them).
_ROUTES = ("/nowhere", "/chat/x", "/v1", "/v1/models/x", "/%00", "/..%2f", "/chat%20")
_METHODS = ("PUT", "DELETE", "PATCH")


@dataclass(frozen=True)
class FuzzRequest:
    """One generated request and what is wrong with it."""

    kind: str
    method: str
    path: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    note: str = ""

    def describe(self) -> str:
        """The request in a few words, for a failure message."""
        return f"{self.kind} {self.method} {self.path[:80]} {self.note} body={self.body[:120]!r}"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}[type(value)]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a JSON document (keys and indexes)."""
    found: list[tuple[Any, ...]] = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _allowed(base: str, path: tuple[Any, ...], value: Any) -> set[str]:
    """The JSON types that a field at this path may have."""
    shape = tuple("*" if isinstance(part, int) else part for part in path)
    allowed = set(_UNION_PATHS.get(shape, {_json_type(value)}))
    if "number" in allowed:
        allowed.add("integer")  # 0.5 -> 1 changes a value, not a type
    if base == "openai" and shape[0] in _OPENAI_OPTIONAL:
        allowed.add("null")  # OpenAI's optional fields may be null: "not given"
    return allowed


def _set(document_: Any, path: tuple[Any, ...], value: Any) -> None:
    target = document_
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


def _wrong_type(rng: random.Random) -> tuple[str, dict[str, Any], str]:
    name = rng.choice(sorted(BASES))
    route, base = BASES[name]
    doc = copy.deepcopy(base)
    # Inside a tool's input or input schema any JSON is right: only the object itself is typed.
    paths = [p for p in _paths(doc) if not set(p[:-1]) & {"input", "input_schema"}]
    path = rng.choice(paths)
    current: Any = doc
    for part in path:
        current = current[part]
    allowed = _allowed(name, path, current)
    wrong = rng.choice([value for value in _WRONG_VALUES if _json_type(value) not in allowed])
    _set(doc, path, wrong)
    return route, doc, f"{name}:{'.'.join(map(str, path))}={wrong!r}"


def _body(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def _kind_wrong_type(rng: random.Random) -> FuzzRequest:
    route, doc, note = _wrong_type(rng)
    return FuzzRequest("wrong_type", "POST", route, _body(doc), note=note)


def _kind_random_bytes(rng: random.Random) -> FuzzRequest:
    body = rng.randbytes(rng.randint(1, 2000))
    return FuzzRequest(
        "random_bytes", "POST", rng.choice(("/chat", "/", "/v1/chat/completions")), body
    )


def _kind_truncated(rng: random.Random) -> FuzzRequest:
    route, base = BASES[rng.choice(sorted(BASES))]
    raw = _body(base)
    return FuzzRequest("truncated_json", "POST", route, raw[: rng.randint(0, len(raw) - 1)])


def _kind_nested(rng: random.Random) -> FuzzRequest:
    depth = rng.choice((100, 1_000, 10_000, 100_000))
    opener, closer = rng.choice((("[", "]"), ('{"a":', "}")))
    nested = opener * depth + "1" + closer * depth
    where = rng.choice(("top", "prompt", "native", "tool_input"))
    text = {
        "top": nested,
        "prompt": f'{{"prompt": {nested}}}',
        "native": f'{{"model": "{DEFAULT_MODEL}", "native": {nested}}}',
        # (with a tool name Bedrock refuses: a shallow object would be a valid schema)
        "tool_input": f'{{"prompt": "x", "tools": [{{"name": "t t", "input_schema": {nested}}}]}}',
    }[where]
    return FuzzRequest("nested_json", "POST", "/chat", text.encode(), note=f"{where} depth {depth}")


def _kind_huge_number(rng: random.Random) -> FuzzRequest:
    name = rng.choice(("chat_prompt", "openai"))
    route, base = BASES[name]
    key = rng.choice(("max_tokens", "temperature") + (("n",) if name == "openai" else ()))
    number = rng.choice(_HUGE_NUMBERS)
    head = json.dumps({k: v for k, v in base.items() if k != key}, ensure_ascii=False)
    text = f'{head[:-1]}, "{key}": {number}}}'
    return FuzzRequest("huge_number", "POST", route, text.encode(), note=f"{key}={number[:20]}")


def _kind_invalid_utf8(rng: random.Random) -> FuzzRequest:
    route, base = BASES[rng.choice(sorted(BASES))]
    raw = _body(base)
    at = raw.index(b"#! echo") + rng.randint(0, 6)
    return FuzzRequest("invalid_utf8", "POST", route, raw[:at] + rng.choice(_BAD_UTF8) + raw[at:])


def _kind_big_headers(rng: random.Random) -> FuzzRequest:
    # Up to the twin's limits (64 KiB a line, 100 headers), so that they reach the function,
    # with a body that is wrong as well. Over the limits the URL itself answers 431
    # (tests/e2e/test_twin_adversarial.py).
    if rng.random() < 0.5:
        headers = {"X-Big": "h" * rng.choice((8_000, 30_000, 60_000))}
    else:
        headers = {f"X-H{i}": "v" * 500 for i in range(rng.choice((50, 95)))}
    route, doc, note = _wrong_type(rng)
    return FuzzRequest("big_headers", "POST", route, _body(doc), headers, note=note)


def _kind_unknown_field(rng: random.Random) -> FuzzRequest:
    route, base = BASES[rng.choice(sorted(BASES))]
    doc = {**base, rng.choice(("temprature", "Prompt", "x" * 300, "", "\u0000")): 1}
    return FuzzRequest("unknown_field", "POST", route, _body(doc))


def _kind_bad_query(rng: random.Random) -> FuzzRequest:
    name, values = rng.choice(_BAD_QUERIES)
    value = rng.choice(values)
    parts = [] if name == "prompt" else [f"prompt={quote(ECHO_HI)}"]
    parts.append(f"{name}={quote(value)}")
    return FuzzRequest("bad_query", "GET", "/chat?" + "&".join(parts), b"", note=f"{name}={value}")


def _kind_bad_route(rng: random.Random) -> FuzzRequest:
    if rng.random() < 0.5:
        return FuzzRequest("bad_route", rng.choice(("GET", "POST")), rng.choice(_ROUTES), b"{}")
    path = rng.choice(("/chat", "/models", "/v1/chat/completions", "/v1/models"))
    return FuzzRequest("bad_method", rng.choice(_METHODS), path, b"{}")


def _kind_too_large(rng: random.Random) -> FuzzRequest:
    size = rng.choice((1_048_577, 2_000_000))
    body = b'{"prompt": "' + b"x" * size + b'"}'
    return FuzzRequest("too_large", "POST", "/chat", body, note=f"{size} bytes")


# Kind -> (generator, weight out of 100).
KINDS: dict[str, tuple[Callable[[random.Random], FuzzRequest], int]] = {
    "wrong_type": (_kind_wrong_type, 40),
    "random_bytes": (_kind_random_bytes, 8),
    "truncated_json": (_kind_truncated, 10),
    "nested_json": (_kind_nested, 5),
    "huge_number": (_kind_huge_number, 8),
    "invalid_utf8": (_kind_invalid_utf8, 8),
    "big_headers": (_kind_big_headers, 5),
    "unknown_field": (_kind_unknown_field, 5),
    "bad_query": (_kind_bad_query, 6),
    "bad_route": (_kind_bad_route, 4),
    "too_large": (_kind_too_large, 1),
}


def request(seed: int, index: int) -> FuzzRequest:
    """The index-th request of the run with this seed (the same every time)."""
    rng = random.Random(f"{seed}:{index}")
    kinds = sorted(KINDS)
    generate = KINDS[rng.choices(kinds, weights=[KINDS[k][1] for k in kinds])[0]][0]
    made = generate(rng)
    content_type = rng.choice(CONTENT_TYPES)
    headers = dict(made.headers)
    if content_type:
        headers["Content-Type"] = content_type
    return FuzzRequest(made.kind, made.method, made.path, made.body, headers, made.note)
