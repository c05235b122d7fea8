"""Per-model rules of docs/API.md §12.1, read from the family table and applied before Bedrock.

Pure: a request's parts and the model's family in, the values to send (or a 400 that names
the field and the model) out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from bedrock_stream.blocks import (
    Block,
    CachePointBlock,
    Content,
    DocumentBlock,
    Effort,
    ImageBlock,
    Reasoning,
    ReasoningBlock,
    ReasoningPlan,
    SystemBlock,
    Tool,
    ToolChoice,
    ToolResultBlock,
    ToolUseBlock,
    blocks_of,
)
from bedrock_stream.content import invalid
from bedrock_stream.families import EFFORT_BUDGETS, Family, InputKind


class MessageLike(Protocol):
    """A turn of the conversation: role and content."""

    @property
    def role(self) -> str: ...

    @property
    def content(self) -> Content: ...


@dataclass(frozen=True)
class Sent:
    """The values a request sends once the model's rules are applied."""

    max_tokens: int | None  # None: not sent (Nova 2 at "high" effort refuses one)
    top_p: float | None
    reasoning: ReasoningPlan | None


# Block type -> the input kind it needs from the model.
_INPUT_OF: Final[dict[type, InputKind]] = {ImageBlock: "image", DocumentBlock: "document"}


def _walk(messages: Sequence[MessageLike]) -> list[tuple[str, Block]]:
    """Every block with its field name, tool-result parts included."""
    out: list[tuple[str, Block]] = []
    for i, message in enumerate(messages):
        if isinstance(message.content, str):
            continue
        for j, block in enumerate(message.content):
            out.append((f"messages[{i}].content[{j}]", block))
            if isinstance(block, ToolResultBlock):
                for k, part in enumerate(block.content):
                    out.append((f"messages[{i}].content[{j}].content[{k}]", part))
    return out


def check_features(
    family: Family,
    model: str,
    *,
    messages: Sequence[MessageLike],
    system: str | tuple[SystemBlock, ...] | None,
    tools: tuple[Tool, ...],
    reasoning: Reasoning | None,
) -> None:
    """Refuse what the model cannot do: images, documents, tools, reasoning, caching."""
    for where, block in _walk(messages):
        kind = _INPUT_OF.get(type(block))
        if kind is not None and kind not in family.inputs:
            raise invalid(where, f"model {model} does not take {kind}s")
        if isinstance(block, ToolUseBlock | ToolResultBlock) and not family.tools:
            raise invalid(where, f"model {model} cannot use tools")
        if isinstance(block, CachePointBlock) and not family.caching:
            raise invalid(where, f"model {model} has no prompt caching")
        if (
            isinstance(block, ReasoningBlock)
            and block.redacted is None
            and not block.signature
            and family.signed_reasoning
        ):
            raise invalid(
                f"{where}.signature",
                f"model {model} checks the signature of reasoning handed back to it: send the "
                "signature that came with this reasoning, or leave the reasoning out",
            )
    if tools and not family.tools:
        raise invalid("tools", f"model {model} cannot use tools")
    if reasoning is not None and family.reasoning == "none":
        raise invalid("reasoning", f"model {model} cannot reason")
    if not isinstance(system, str) and system is not None and not family.caching:
        for i, part in enumerate(system):
            if isinstance(part, CachePointBlock):
                raise invalid(f"system[{i}]", f"model {model} has no prompt caching")


def check_tool_turns(
    messages: Sequence[MessageLike], tools: tuple[Tool, ...], choice: ToolChoice | None
) -> None:
    """Tool blocks need declared tools; each result answers a call of the turn before it.

    Bedrock refuses tool blocks without a toolConfig ("The toolConfig field must be defined
    when using toolUse and toolResult content blocks"), so such a request needs `tools`.
    https://docs.aws.amazon.com/bedrock/latest/userguide/tool-use-inference-call.html
    """
    names = {tool.name for tool in tools}
    if choice is not None and choice.mode == "tool" and choice.name not in names:
        raise invalid("tool_choice.name", f"{choice.name!r} is not a declared tool")
    if choice is not None and not tools:
        raise invalid("tool_choice", "no tools are declared")
    calls: set[str] = set()
    for i, message in enumerate(messages):
        answered: set[str] = set()
        for j, block in enumerate(blocks_of(message.content)):
            where = f"messages[{i}].content[{j}]"
            if isinstance(block, ToolUseBlock | ToolResultBlock) and not tools:
                raise invalid(where, "tool blocks need the tools declared in `tools`")
            if isinstance(block, ToolResultBlock):
                if block.tool_use_id not in calls or block.tool_use_id in answered:
                    raise invalid(
                        f"{where}.tool_use_id",
                        f"{block.tool_use_id!r} answers no tool_use of messages[{i - 1}]",
                    )
                answered.add(block.tool_use_id)
        calls = {b.id for b in blocks_of(message.content) if isinstance(b, ToolUseBlock)}


def _sampling(
    family: Family, model: str, temperature: float | None, top_p: float | None
) -> float | None:
    """top_p as sent: dropped when it is 1 and the model takes only one of the two."""
    if not family.sampling_exclusive or temperature is None or top_p is None:
        return top_p
    if top_p == 1:
        return None  # top_p 1 samples from everything: leaving it out changes nothing
    raise invalid(
        "temperature, top_p", f"model {model} takes temperature or top_p, not both; send one"
    )


# The most an effort's budget leaves for the answer when max_tokens is tight (see above).
ANSWER_ROOM = 4096


def _nearest_effort(budget: int) -> Effort:
    return min(EFFORT_BUDGETS, key=lambda effort: abs(EFFORT_BUDGETS[effort] - budget))


def plan_reasoning(
    family: Family, model: str, reasoning: Reasoning | None, max_tokens: int
) -> ReasoningPlan | None:
    """The model's own reasoning control for what the request asked (docs/API.md §12.1).

    A model that always reasons has no switch: a `reasoning` field for it is accepted and
    not sent, so that one client request works with every reasoning model.
    """
    if reasoning is None or family.reasoning in ("none", "always"):
        return None
    if family.reasoning == "effort":
        if reasoning.effort is not None:
            return ReasoningPlan(effort=reasoning.effort)
        return ReasoningPlan(effort=_nearest_effort(reasoning.budget_tokens or 0))
    if reasoning.budget_tokens is not None:
        if reasoning.budget_tokens >= max_tokens:
            raise invalid(
                "reasoning.budget_tokens",
                f"must be below max_tokens ({max_tokens}): the answer comes after the reasoning",
            )
        return ReasoningPlan(budget_tokens=reasoning.budget_tokens)
    # An effort's budget is kept below max_tokens with room for the answer: a quarter of
    # max_tokens (at most ANSWER_ROOM), never pushing the budget under the smallest one.
    # Without it, "high" on the default 16384 would leave the answer a single token.
    room = min(max_tokens // 4, ANSWER_ROOM)
    budget = min(
        EFFORT_BUDGETS[reasoning.effort or "low"],
        max(max_tokens - room, EFFORT_BUDGETS["low"]),
        max_tokens - 1,
    )
    if budget < EFFORT_BUDGETS["low"]:
        raise invalid(
            "max_tokens",
            f"must be above {EFFORT_BUDGETS['low']} for reasoning on model {model}",
        )
    return ReasoningPlan(budget_tokens=budget)


def _check_prefill(
    family: Family,
    model: str,
    messages: Sequence[MessageLike],
    plan: ReasoningPlan | None,
    choice: ToolChoice | None,
) -> None:
    forced = choice is not None and choice.mode in ("any", "tool")
    if forced and plan is not None and plan.budget_tokens is not None:
        # Claude's thinking cannot be combined with forced tool use.
        # https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html
        raise invalid("tool_choice", f"model {model} cannot force a tool while reasoning")
    if not messages or messages[-1].role != "assistant":
        return
    where = f"messages[{len(messages) - 1}]"
    if not family.prefill:
        raise invalid(where, f"model {model} cannot continue a final assistant message")
    if plan is not None and not family.prefill_with_reasoning:
        raise invalid(
            where,
            f"model {model} cannot continue a final assistant message while reasoning is on; "
            "resume without reasoning",
        )


def apply_rules(
    family: Family,
    model: str,
    messages: Sequence[MessageLike],
    *,
    max_tokens: int | None,
    temperature: float | None,
    top_p: float | None,
    reasoning: Reasoning | None,
    choice: ToolChoice | None,
    limit: int,
) -> Sent:
    """max_tokens (the model's default capped at `limit` when absent; none at an effort where
    the model refuses one), top_p, reasoning."""
    top_p = _sampling(family, model, temperature, top_p)
    if max_tokens is None:
        max_tokens = min(family.default_max_tokens, family.max_output_tokens, limit)
    plan = plan_reasoning(family, model, reasoning, max_tokens)
    _check_prefill(family, model, messages, plan, choice)
    refused = family.no_max_tokens_at_effort
    if refused is not None and plan is not None and plan.effort == refused:
        # Nova 2 refuses maxTokens with maxReasoningEffort "high" (inspect_ai #3767).
        return Sent(None, top_p, plan)
    return Sent(max_tokens, top_p, plan)
