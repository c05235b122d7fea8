"""OpenAI requests of every shape map to a ChatRequest or a clear 4xx, never a crash.

A valid request (plain, with images, a tool loop, handed-back reasoning, for models that
can or cannot do each) is drawn, then usually one value anywhere in it is replaced by
arbitrary JSON or removed, so that both the mapping and the chat request's checks behind it
are reached with nearly right input.
"""

from __future__ import annotations

import base64
import copy
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bedrock_stream.config import Config
from bedrock_stream.errors import HTTP_CODES, AppError
from bedrock_stream.openai_compat.request_map import map_request
from tests.fuzz_support import SECRET, json_values
from tests.unit.media_samples import PNG

MODELS = [
    "global.anthropic.claude-haiku-4-5-20251001-v1:0",
    "anthropic.claude-3-haiku-20240307-v1:0",
    "us.deepseek.r1-v1:0",
    "us.amazon.nova-2-lite-v1:0",
    "openai.gpt-oss-20b-1:0",
]
CONFIG = Config(allowed_models=tuple(MODELS), default_model=MODELS[0])
URL = "http://127.0.0.1:9/secret-cat.png"
IMAGE = {
    "type": "image_url",
    "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()},
}
WEATHER = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object"}},
}


def _call(call_id: str) -> dict[str, Any]:
    arguments = '{"city": "%s"}' % SECRET  # noqa: UP031 - JSON braces
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": "get_weather", "arguments": arguments},
    }


def _tool(call_id: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": SECRET}


CONVERSATIONS: list[list[dict[str, Any]]] = [
    [{"role": "user", "content": SECRET}],
    [
        {"role": "system", "content": [{"type": "text", "text": "rules"}]},
        {"role": "user", "content": [{"type": "text", "text": SECRET}, IMAGE]},
    ],
    [
        {"role": "developer", "content": "rules"},
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": URL}}]},
    ],
    [
        {"role": "user", "content": SECRET},
        {"role": "assistant", "content": None, "tool_calls": [_call("call_1")]},
        _tool("call_1"),
    ],
    [
        {"role": "user", "content": SECRET},
        {
            "role": "assistant",
            "content": "Looking.",
            "thinking_blocks": [
                {"type": "thinking", "thinking": "t", "signature": "s"},
                {"type": "redacted_thinking", "data": "eno="},
            ],
            "tool_calls": [_call("call_1"), _call("call_2")],
        },
        _tool("call_1"),
        _tool("call_2"),
        {
            "role": "user",
            "content": [
                {"type": "text", "text": SECRET, "prompt_cache_breakpoint": {"mode": "explicit"}}
            ],
        },
    ],
    [
        {"role": "user", "content": SECRET},
        {"role": "assistant", "content": [{"type": "text", "text": "first"}]},
        {"role": "assistant", "content": "second"},
        {"role": "user", "content": "again"},
        {"role": "assistant", "content": "prefix"},
    ],
]
OPTIONS: dict[str, list[Any]] = {
    "model": MODELS,
    "tools": [[WEATHER]],
    "tool_choice": [
        "auto",
        "none",
        "required",
        {"type": "function", "function": {"name": "get_weather"}},
    ],
    "reasoning_effort": ["none", "minimal", "low", "high"],
    "temperature": [0.5],
    "top_p": [0.9],
    "max_completion_tokens": [2000],
    "max_tokens": [1500],
    "stream": [True, False],
    "stream_options": [{"include_usage": True}],
    "user": ["u"],
    "seed": [1],
    "parallel_tool_calls": [False],
}
junk = json_values(text_size=8, container_size=3, leaves=6)


def _paths(doc: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, as key/index paths."""
    found = [at] if at else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*at, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += _paths(value, (*at, index))
    return found


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    """A valid request, usually with one value replaced by arbitrary JSON or removed."""
    doc: dict[str, Any] = {"messages": copy.deepcopy(draw(st.sampled_from(CONVERSATIONS)))}
    for name in draw(st.lists(st.sampled_from(sorted(OPTIONS)), unique=True, max_size=6)):
        doc[name] = copy.deepcopy(draw(st.sampled_from(OPTIONS[name])))
    if draw(st.integers(0, 3)) == 0:
        return doc
    *parent_path, last = draw(st.sampled_from(_paths(doc)))
    parent: Any = doc
    for step in parent_path:
        parent = parent[step]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[last]
    else:
        parent[last] = draw(junk)
    return doc


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(requests())
def test_a_request_maps_or_is_a_clear_4xx(doc: dict[str, Any]) -> None:
    refusal: AppError | None = None
    try:
        mapped = map_request(doc, CONFIG)
    except AppError as err:
        refusal = err
    if refusal is not None:
        event("refused")
        assert 400 <= HTTP_CODES[refusal.code][0] < 500
        assert SECRET not in refusal.message  # content is never quoted back
        assert "secret-cat" not in refusal.message  # nor a URL the caller gave
        return
    tools = any(not isinstance(m.content, str) and len(m.content) > 1 for m in mapped.chat.messages)
    event(f"mapped: {len(mapped.chat.messages)} turns, blocks={tools}")
    assert mapped.chat.model in MODELS
    assert mapped.chat.messages[0].role == "user"
