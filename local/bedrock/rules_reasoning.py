"""Reasoning and caching rules of the model families (pure; see rules.py for the contract)."""

from __future__ import annotations

from collections.abc import Callable

from local.bedrock.families import UNLISTED
from local.bedrock.rules import _THINKING_DOC, MAX_CACHE_POINTS, Request

MIN_BUDGET = 1_024  # "The minimum budget is 1,024 tokens" (Claude extended thinking page)
EFFORTS = ("low", "medium", "high")
# Nova's own refusal of a reasoning config it cannot follow (UKGovernmentBEIS/inspect_ai #5301).
NOVA_BAD_REASONING = (
    "Malformed input request: the provided reasoning config value is invalid, please reformat "
    "your input and try again."
)


def foreign_reasoning_fields(r: Request) -> str | None:
    """A listed family refuses the other families' reasoning field."""
    if r.family is UNLISTED:
        return None
    if r.asks.thinking is not None and r.family.reasoning != "budget":
        # Nova's schema check words an unknown key so; others: wording ours.
        if r.family.error_style == "amazon":
            return (
                "Malformed input request: #: extraneous key [thinking] is not permitted, please "
                "reformat your input and try again."
            )
        return "additionalModelRequestFields.thinking is not supported by this model."
    if r.asks.reasoning_config and r.family.reasoning != "effort":
        # Anthropic's validator words an unexpected field so (pydantic "extra_forbidden").
        return r.model_error("reasoningConfig: Extra inputs are not permitted")
    return None


def _thinking_on(r: Request) -> bool:
    thinking = r.asks.thinking
    return r.family.reasoning == "budget" and thinking is not None and thinking.type == "enabled"


def thinking_shape(r: Request) -> str | None:
    """`thinking.type` is enabled or disabled, and enabled needs a budget."""
    thinking = r.asks.thinking
    if r.family.reasoning != "budget" or thinking is None:
        return None
    if thinking.type not in {"enabled", "disabled"}:  # wording ours
        return r.model_error("thinking.type: Input should be 'enabled' or 'disabled'")
    if thinking.type == "enabled" and thinking.budget_tokens is None:
        return r.model_error("thinking.enabled.budget_tokens: Field required")
    return None


def thinking_budget(r: Request) -> str | None:
    """The 1,024-token minimum, and a budget below max_tokens."""
    # https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html
    if not _thinking_on(r) or r.asks.thinking is None:
        return None
    budget = r.asks.thinking.budget_tokens or 0
    if budget < MIN_BUDGET:  # recorded: danny-avila/LibreChat #8346
        return r.model_error(
            "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
        )
    if (r.prompt.max_tokens or r.family.default_output) <= budget:  # recorded: vercel/ai #7927
        return r.model_error(
            "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our "
            f"documentation at {_THINKING_DOC}#max-tokens-and-context-window-size"
        )
    return None


_SEE = f"Please consult our documentation at {_THINKING_DOC}"
_CONSIDER = f"{_SEE}#important-considerations-when-using-extended-thinking"
# Thinking "isn't compatible with temperature, top_p, or top_k modifications as well as forced
# tool use", and a response can't be pre-filled (Claude extended thinking page). Each row: the
# broken condition and Anthropic's message (recorded where cited, else ours).
_INCOMPATIBLE: tuple[tuple[Callable[[Request], bool], str], ...] = (
    (  # recorded: MartialBE/one-hub #529
        lambda r: r.asks.temperature not in (None, 1),
        f"`temperature` may only be set to 1 when thinking is enabled. {_CONSIDER}",
    ),
    (  # recorded: quarkiverse/quarkus-langchain4j #1812
        lambda r: r.asks.top_k is not None,
        f"`top_k` must be unset when thinking is enabled. {_CONSIDER}",
    ),
    (  # Anthropic's page allows top_p from 0.95 to 1 with thinking; wording ours
        lambda r: r.asks.top_p is not None and r.asks.top_p < 0.95,
        "`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled.",
    ),
    (  # recorded: can1357/oh-my-pi #341
        lambda r: r.asks.tool_choice in {"any", "tool"},
        "Thinking may not be enabled when tool_choice forces tool use.",
    ),
)


def thinking_compatibility(r: Request) -> str | None:
    """Sampling and forced tool use that thinking refuses."""
    if not _thinking_on(r):
        return None
    return next((r.model_error(message) for broken, message in _INCOMPATIBLE if broken(r)), None)


def thinking_prefill(r: Request) -> str | None:
    """With thinking on, a final assistant message must start with reasoning."""
    if not _thinking_on(r) or not r.prompt.prefix or r.asks.prefill_reasoning:
        return None
    return r.model_error(  # recorded: n8n-io/n8n #22550
        f"{r.asks.prefill_path}.type: Expected `thinking` or `redacted_thinking`, but found "
        "`text`. When `thinking` is enabled, a final `assistant` message must start with a "
        "thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). "
        "We recommend you include thinking blocks from previous turns. To avoid this "
        f"requirement, disable `thinking`. {_SEE}"
    )


def signed_reasoning(r: Request) -> str | None:
    """Claude verifies the signature of every reasoning block handed back to it.

    "If you pass a reasoning block back to the API in a multi-turn conversation, include the
    text and its signature unmodified" (Converse call page); Claude on Converse refuses a
    block without one: "thinking.signature: Field required" (recorded: maximhq/bifrost #6942).
    https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-call.html
    """
    if r.family.error_style != "anthropic" or not r.asks.unsigned_reasoning:
        return None
    return r.model_error(f"{r.asks.unsigned_reasoning[0]}.thinking.signature: Field required")


def reasoning_effort(r: Request) -> str | None:
    """Nova 2: reasoningConfig values, and no maxTokens with high effort."""
    # https://docs.aws.amazon.com/nova/latest/nova2-userguide/reasoning-capabilities.html
    if r.family.reasoning != "effort" or not r.asks.reasoning_config:
        return None
    if r.asks.effort is not None and r.asks.effort not in EFFORTS:
        return NOVA_BAD_REASONING
    if r.asks.effort == "high" and r.prompt.max_tokens is not None:
        # Nova requires maxTokens unset at high effort (an AWS engineer's report,
        # UKGovernmentBEIS/inspect_ai #3767); the service's wording is not recorded: ours.
        return (
            "Malformed input request: inferenceConfig.maxTokens must be unset when "
            "reasoningConfig.maxReasoningEffort is high, please reformat your input and try again."
        )
    return None


def caching(r: Request) -> str | None:
    """Cache points only for caching families, at most four of them."""
    # https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html
    points = len(r.asks.cache_prefixes)
    if not points or r.family is UNLISTED:
        return None
    if not r.family.caching:  # recorded: cline/cline #2064, microsoft/vscode #296675
        return (
            "You invoked an unsupported model, or your request did not allow prompt caching. "
            "See the documentation for more information."
        )
    if points > MAX_CACHE_POINTS:  # Anthropic's wording for its cache_control limit
        return r.model_error(
            f"A maximum of {MAX_CACHE_POINTS} blocks with cache_control may be provided. "
            f"Found {points}."
        )
    return None
