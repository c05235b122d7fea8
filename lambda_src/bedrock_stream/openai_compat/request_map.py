"""An OpenAI chat-completions request as the chat request (docs/API.md §6, §12.4); pure.

The request is mapped onto a `/chat` body and validated by `parse_chat`, so that every rule of
`/chat` (schema, sizes, magic numbers, tool names, tool_result pairing, per-model features)
holds here too; its refusals are told back with the OpenAI request's field names (paths.py).
Two things differ on purpose, because OpenAI clients cannot help them, and both are logged
without content: `top_p` is left out for a model that takes only one of `temperature` and
`top_p` (where `/chat` answers 400), and so is reasoning when a Claude tool loop comes back
without the thinking that Bedrock wants handed back with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from bedrock_stream.chat_request import ChatRequest
from bedrock_stream.config import Config
from bedrock_stream.content import invalid
from bedrock_stream.errors import AppError
from bedrock_stream.families import DEFAULT_FAMILY, Family, family_of
from bedrock_stream.openai_compat.messages import map_messages
from bedrock_stream.openai_compat.parts import fields_of
from bedrock_stream.openai_compat.paths import PathMap
from bedrock_stream.request import parse_chat

# Every field this surface takes. `user` and `seed` are accepted and ignored (Bedrock has no
# seed); `parallel_tool_calls` is accepted, but Converse's toolChoice (auto, any, tool) has no
# switch for it, so `false` cannot be enforced: a model may still answer with several calls,
# each streamed with its own index.
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolChoice.html
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
        "seed",
        "n",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "reasoning_effort",
    }
)

# Fields whose type is checked here (the rest are checked as the chat request's, §2);
# `stream: "false"` must not stream, as OpenAI refuses it too.
_TYPED_FIELDS: Final = (
    ("stream", bool, "a boolean"),
    ("stream_options", dict, "an object"),
    ("user", str, "a string"),
    ("seed", int, "an integer"),
    ("parallel_tool_calls", bool, "a boolean"),
    ("tools", list, "a list"),
)
_STREAM_OPTIONS: Final = frozenset({"include_usage", "include_obfuscation"})  # no obfuscation

# reasoning_effort -> the chat request's effort. `none` asks for no reasoning (a model that
# always reasons still does: it has no switch); `minimal` is the least reasoning there is.
EFFORTS: Final[dict[str, str | None]] = {
    "none": None,
    "minimal": "low",
    "low": "low",
    "medium": "medium",
    "high": "high",
}
# OpenAI's tool_choice strings -> the chat request's.
TOOL_CHOICES: Final[dict[str, str]] = {"auto": "auto", "none": "none", "required": "any"}
_FUNCTION_KEYS: Final = frozenset({"name", "description", "parameters", "strict"})


@dataclass(frozen=True)
class Mapped:
    """A mapped request: the chat request, how to answer, and the fields left out."""

    chat: ChatRequest
    stream: bool
    include_usage: bool
    dropped: tuple[str, ...] = ()


def _is(value: object, kind: type) -> bool:
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def _tools(raw: list[Any], paths: PathMap, dropped: list[str]) -> list[dict[str, Any]]:
    """OpenAI function tools as the chat request's `tools`.

    `strict: true` (set by the official client's pydantic_function_tool) is accepted and
    left out, and the log says so: Converse's ToolSpecification has no strict mode, and
    refusing it would break those clients. The input still must be a JSON object (a call
    whose input is not one ends the stream with model_stream_error).
    https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolSpecification.html
    """
    tools: list[dict[str, Any]] = []
    for i, tool in enumerate(raw):
        at = f"tools[{i}]"
        if not isinstance(tool, dict) or tool.get("type") != "function":
            raise invalid(f"{at}.type", 'only tools of type "function" are supported')
        fields_of(tool, frozenset({"type", "function"}), at)
        function = tool.get("function")
        if not isinstance(function, dict):
            raise invalid(f"{at}.function", "must be an object")
        fields_of(function, _FUNCTION_KEYS, f"{at}.function")
        if function.get("strict") and "strict" not in dropped:
            dropped.append("strict")
        # No parameters means a function without arguments (OpenAI's own default).
        parameters = function.get("parameters", {"type": "object", "properties": {}})
        mapped = {"name": function.get("name"), "input_schema": parameters}
        if function.get("description"):
            mapped["description"] = function["description"]
        tools.append(mapped)
        paths.add(f"tools[{i}]", f"{at}.function")
        paths.add(f"tools[{i}].input_schema", f"{at}.function.parameters")
    return tools


def _tool_choice(raw: object) -> object:
    if isinstance(raw, str) and raw in TOOL_CHOICES:
        return TOOL_CHOICES[raw]
    function = raw.get("function") if isinstance(raw, dict) else None
    if (
        isinstance(raw, dict)
        and set(raw) == {"type", "function"}
        and raw["type"] == "function"
        and isinstance(function, dict)
        and set(function) == {"name"}
        and isinstance(function["name"], str)
    ):
        return {"name": function["name"]}
    raise invalid(
        "tool_choice",
        'must be "auto", "none", "required" or {"type": "function", "function": {"name": ...}}',
    )


def _open_tool_loop_without_thinking(messages: list[dict[str, Any]]) -> bool:
    """The last turn answers tool calls of an assistant turn that hands back no reasoning.

    Claude, thinking, must get its thinking of the current tool loop back before the tool
    calls, or Bedrock refuses the request; the way out it names is to leave thinking off.
    https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html
    """
    if len(messages) < 2:
        return False
    last, before = messages[-1]["content"], messages[-2]["content"]
    if isinstance(last, str) or isinstance(before, str):  # a text turn holds no tool blocks
        return False
    answers = any(block["type"] == "tool_result" for block in last)
    calls = any(block["type"] == "tool_use" for block in before)
    return answers and calls and before[0]["type"] != "reasoning"


def _reasoning(
    doc: Mapping[str, Any], family: Family, messages: list[dict[str, Any]]
) -> tuple[dict[str, str] | None, bool]:
    """The chat request's `reasoning` for `reasoning_effort`, and whether it was left out."""
    raw = doc.get("reasoning_effort")
    if raw is None:
        return None, False
    if not isinstance(raw, str) or raw not in EFFORTS:
        raise invalid("reasoning_effort", f"must be one of {list(EFFORTS)}")
    effort = EFFORTS[raw]
    if effort is None:
        return None, False
    if family.reasoning == "budget" and _open_tool_loop_without_thinking(messages):
        return None, True
    return {"effort": effort}, False


def _checked(doc: object) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise AppError("invalid_request", "body must be a JSON object")
    unknown = sorted(str(key)[:64] for key in set(doc) - FIELDS)
    if unknown:
        raise AppError("invalid_request", f"unsupported fields: {unknown}")
    n = doc.get("n")
    if n is not None and (isinstance(n, bool) or n != 1):  # true is not a count
        raise AppError("invalid_request", "only n=1 is supported")
    for name, kind, label in _TYPED_FIELDS:
        if doc.get(name) is not None and not _is(doc[name], kind):
            raise AppError("invalid_request", f"{name} must be {label}")
    options = doc.get("stream_options") or {}
    fields_of(options, _STREAM_OPTIONS, "stream_options")
    if options.get("include_usage") is not None and not isinstance(options["include_usage"], bool):
        raise AppError("invalid_request", "stream_options.include_usage must be a boolean")
    return doc


def map_request(raw: object, config: Config) -> Mapped:
    """An OpenAI request as a validated ChatRequest, with what the answer needs to know."""
    doc = _checked(raw)
    paths = PathMap()
    conversation = map_messages(doc.get("messages"), paths)
    body: dict[str, Any] = {"messages": conversation.messages}
    if conversation.system is not None:
        body["system"] = conversation.system
    model = doc.get("model") or config.default_model
    family = family_of(model) if isinstance(model, str) else DEFAULT_FAMILY
    dropped: list[str] = []
    for name in ("model", "temperature", "top_p"):
        if doc.get(name) is not None:
            body[name] = doc[name]
    if family.sampling_exclusive and "temperature" in body and "top_p" in body:
        del body["top_p"]  # docs/API.md §12.4: /chat would answer 400
        dropped.append("top_p")
    limit_name = (
        "max_tokens" if doc.get("max_completion_tokens") is None else "max_completion_tokens"
    )
    if doc.get(limit_name) is not None:  # the newer name wins; a null one leaves max_tokens
        body["max_tokens"] = doc[limit_name]
        paths.add("max_tokens", limit_name)
    stop = doc.get("stop")
    if stop is not None:
        body["stop"] = [stop] if isinstance(stop, str) else stop
    if doc.get("tools"):
        body["tools"] = _tools(doc["tools"], paths, dropped)
    if doc.get("tool_choice") is not None:
        body["tool_choice"] = _tool_choice(doc["tool_choice"])
        paths.add("tool_choice.name", "tool_choice.function.name")
    reasoning, left_out = _reasoning(doc, family, conversation.messages)
    if left_out:
        dropped.append("reasoning_effort")
    if reasoning is not None:
        body["reasoning"] = reasoning
        paths.add("reasoning", "reasoning_effort")
    try:
        chat = parse_chat(body, config)
    except AppError as err:
        raise paths.error(err) from err
    include_usage = (doc.get("stream_options") or {}).get("include_usage") is True
    return Mapped(chat, doc.get("stream") is True, include_usage, tuple(dropped))
