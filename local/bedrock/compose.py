"""Composing one answer's plan: directives, reasoning, a tool call, cache usage (pure)."""

from __future__ import annotations

from local.bedrock.answers import (
    DEFAULT_THINK,
    check_think,
    plan_answer,
    reasoning_text,
)
from local.bedrock.directives import Directives, split_directives
from local.bedrock.families import Family
from local.bedrock.model import Plan, Prompt, Reasoning, ToolCall
from local.bedrock.parts import REDACTED_TRIGGER, redacted_bytes, signature, tool_call

# The message a guardrail's "blocked outputs messaging" has until its owner changes it (the
# console's default, quoted in BerriAI/litellm #38734); Converse returns it as the answer.
# https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-create.html
BLOCKED_OUTPUT = "Sorry, the model cannot answer this question."
# Nova 2 Lite: "reasoning content is redacted in the output and displays as [REDACTED],
# though you are still charged for these tokens".
# https://docs.aws.amazon.com/nova/latest/nova2-userguide/reasoning-capabilities.html
NOVA_REDACTED = "[REDACTED]"


class PlanError(ValueError):
    """A directive that this request can't follow; the server answers ValidationException."""


def reasons(family: Family, prompt: Prompt) -> bool:
    """Whether the model reasons for this request."""
    asks = prompt.asks
    return {
        "none": False,
        "always": True,
        "budget": asks.thinking is not None and asks.thinking.type == "enabled",
        "effort": asks.effort is not None,
    }[family.reasoning]


def _reasoning(family: Family, prompt: Prompt, directives: Directives, rest: str) -> Reasoning:
    tokens = directives.think or DEFAULT_THINK
    redact = directives.redacted or REDACTED_TRIGGER in prompt.user_text
    if family.reasoning == "budget" and redact:
        return Reasoning(redacted=redacted_bytes(rest), tokens=tokens)
    if directives.think is not None:
        # The directive's own shape, whatever the model (docs/API.md §12.5): N reasoning
        # tokens, then a signature. Without it, each model reasons as Bedrock sends it.
        pieces = reasoning_text(rest, tokens)
        return Reasoning(pieces=pieces, signature=signature("".join(pieces)), tokens=tokens)
    if family.reasoning == "effort":
        return Reasoning(pieces=(NOVA_REDACTED,), tokens=tokens)
    pieces = reasoning_text(rest, tokens)
    # Claude signs its reasoning; DeepSeek R1 and gpt-oss return reasoning text only.
    sign = signature("".join(pieces)) if family.reasoning == "budget" else None
    return Reasoning(pieces=pieces, signature=sign, tokens=tokens)


def _tool(prompt: Prompt, directives: Directives, rest: str, request_id: str) -> ToolCall | None:
    name = directives.tool
    if name is None:
        return None
    if name not in prompt.asks.tools:
        declared = ", ".join(prompt.asks.tools) or "none"
        raise PlanError(f"directive tool={name}: no such tool in toolConfig (declared: {declared})")
    return tool_call(request_id, name, rest)


def compose_plan(family: Family, prompt: Prompt, request_id: str) -> Plan:
    """The whole plan of one answer; PlanError (or DirectiveError) when it can't be made."""
    directives, rest = split_directives(prompt.user_text)
    if directives.tool is not None and directives.fault == "guardrail":
        raise PlanError("directives tool and fault=guardrail can't be combined")
    # `think=N` makes any reasoning model reason, asked to or not (docs/API.md §12.5).
    check_think(directives, family.reasoning != "none")
    reasoning_on = reasons(family, prompt) or (
        directives.think is not None and family.reasoning != "none"
    )
    return plan_answer(
        prompt,
        directives,
        reasoning=_reasoning(family, prompt, directives, rest) if reasoning_on else None,
        tool=_tool(prompt, directives, rest, request_id),
        guardrail_text=BLOCKED_OUTPUT,
    )
