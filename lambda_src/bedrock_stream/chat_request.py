"""The chat request as the adapters read it, built from a schema-checked body (docs/API.md §2, §12).

Content is parsed into typed blocks (content.py) and the model family's rules are applied
(model_rules.py) before Bedrock is called.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bedrock_stream.blocks import (
    Content,
    Guardrail,
    ReasoningPlan,
    SystemBlock,
    Tool,
    ToolChoice,
)
from bedrock_stream.config import Config
from bedrock_stream.content import (
    Role,
    parse_content,
    parse_reasoning,
    parse_system,
    parse_tool_choice,
    parse_tools,
)
from bedrock_stream.errors import AppError
from bedrock_stream.families import family_of
from bedrock_stream.model_rules import apply_rules, check_features, check_tool_turns


@dataclass(frozen=True)
class Message:
    """One turn of the conversation."""

    role: Role
    content: Content  # a string, or typed blocks (docs/API.md §12.1)


@dataclass(frozen=True)
class ChatRequest:
    """A validated chat request (docs/API.md §2, §12.1), with the model's rules applied.

    `max_tokens` is what is sent (the model's default capped at MAX_TOKENS_LIMIT when the
    body gave none; None where the model refuses one at the asked effort), `top_p` is
    dropped where the model's rules say so, and `reasoning` is the model's own control for
    what the body asked.
    """

    model: str
    messages: tuple[Message, ...] = ()
    system: str | tuple[SystemBlock, ...] | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: tuple[str, ...] = ()
    format: str | None = None
    native: Mapping[str, Any] | None = field(default=None, hash=False)
    tools: tuple[Tool, ...] = ()
    tool_choice: ToolChoice | None = None
    reasoning: ReasoningPlan | None = None
    guardrail: Guardrail | None = None


def build_chat(
    doc: Mapping[str, Any], model: str, messages: tuple[Message, ...], config: Config
) -> ChatRequest:
    """A prompt/messages request with the model family's rules applied (docs/API.md §12.1)."""
    family = family_of(model)
    system = parse_system(doc.get("system"))
    tools = parse_tools(doc.get("tools"))
    choice = parse_tool_choice(doc.get("tool_choice"))
    reasoning = parse_reasoning(doc.get("reasoning"))
    check_tool_turns(messages, tools, choice)
    check_features(
        family, model, messages=messages, system=system, tools=tools, reasoning=reasoning
    )
    sent = apply_rules(
        family,
        model,
        messages,
        max_tokens=doc.get("max_tokens"),
        temperature=doc.get("temperature"),
        top_p=doc.get("top_p"),
        reasoning=reasoning,
        choice=choice,
        limit=config.max_tokens_limit,
    )
    return ChatRequest(
        model=model,
        messages=messages,
        system=system,
        max_tokens=sent.max_tokens,
        temperature=doc.get("temperature"),
        top_p=sent.top_p,
        stop=tuple(doc.get("stop", ())),
        format=doc.get("format"),
        tools=tools,
        tool_choice=choice,
        reasoning=sent.reasoning,
        guardrail=config.guardrail,
    )


def parse_messages(doc: Mapping[str, Any]) -> tuple[Message, ...]:
    if "prompt" in doc:
        return (Message("user", doc["prompt"]),)
    raw = doc.get("messages", [])
    expected: Role = "user"
    out: list[Message] = []
    for index, item in enumerate(raw):
        if item["role"] != expected:
            raise AppError(
                "invalid_request",
                f"messages[{index}].role must be {expected}: roles alternate, starting with user",
            )
        content = parse_content(item["content"], expected, f"messages[{index}].content")
        out.append(Message(expected, content))
        expected = "assistant" if expected == "user" else "user"
    return tuple(out)
