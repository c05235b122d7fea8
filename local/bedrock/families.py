"""The local Bedrock's own reading of AWS's model documentation: one row per model family.

This table is data on purpose: a test holds it against the function's model table, so the two
readings of AWS's pages are compared rather than one copied from the other. Nothing here comes
from the function's code (`lambda_src`); every value cites the page it was read from in
`Family.sources`, and values the pages did not settle are named in `Family.unverified`.
Ids that match no row get `UNLISTED`: the emulator then applies no per-model rule, as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from local.bedrock.providers.registry import base_model_id

InputKind = Literal["text", "image", "document"]
ReasoningStyle = Literal["none", "budget", "effort", "always"]
# "both": temperature and top_p may be sent together; "one_of": only one of them.
SamplingRule = Literal["both", "one_of"]

# Pages the rows cite (AWS documentation unless the comment says otherwise).
CONVERSE_FEATURES = "https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-supported-models-features.html"
PROFILES = "https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html"
CLAUDE_THINKING = (
    "https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html"
)
CLAUDE_PARAMETERS = "https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-request-response.html"
PROMPT_CACHING = "https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html"
# Anthropic's own limits table: 64K output tokens for Haiku 4.5 and Sonnet 4.5 (the service
# quotes it back: "max_tokens: N > 64000, which is the maximum allowed number of output tokens
# for claude-sonnet-4-5-20250929", OpenHands/software-agent-sdk issue #596).
CLAUDE_MODELS = "https://docs.claude.com/en/docs/about-claude/models/overview"
NOVA2_CONVERSE = "https://docs.aws.amazon.com/nova/latest/nova2-userguide/using-converse-api.html"
NOVA2_REASONING = (
    "https://docs.aws.amazon.com/nova/latest/nova2-userguide/reasoning-capabilities.html"
)
DEEPSEEK = "https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-deepseek.html"
OPENAI = "https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-openai.html"
# Converse's inferenceConfig.maxTokens: "The default value is the maximum allowed value for
# the model that you are using."
INFERENCE_CONFIG = "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InferenceConfiguration.html"


@dataclass(frozen=True)
class Family:
    """What AWS documents for one model family, as the emulator enforces it."""

    name: str
    ids: tuple[str, ...]  # foundation-model id prefixes, after any profile prefix
    input: frozenset[InputKind]
    tools: bool
    reasoning: ReasoningStyle
    sampling: SamplingRule
    prefill: bool  # whether a final assistant message is continued
    default_output: int  # output tokens when the request sets no limit
    max_output: int
    caching: bool
    cache_min_tokens: int = 0  # per cache checkpoint; shorter prefixes are not cached
    profile_only: bool = False  # callable only through an inference profile
    error_style: Literal["anthropic", "amazon", "plain"] = "plain"
    sources: Mapping[str, str] = field(default_factory=dict)
    unverified: tuple[str, ...] = ()  # fields the pages did not settle (a guess, said so)

    def matches(self, base_id: str) -> bool:
        """Whether a foundation-model id belongs to this family."""
        return base_id.startswith(self.ids)


_TEXT_IMAGE_DOC: frozenset[InputKind] = frozenset({"text", "image", "document"})
_CLAUDE_SOURCES = {
    "ids": PROFILES,
    "input": CONVERSE_FEATURES,
    "tools": CONVERSE_FEATURES,
    "reasoning": CLAUDE_THINKING,
    "sampling": CLAUDE_PARAMETERS,
    "prefill": CLAUDE_THINKING,
    "default_output": INFERENCE_CONFIG,
    "max_output": CLAUDE_MODELS,
    "caching": PROMPT_CACHING,
    "profile_only": PROFILES,
}


def _claude_45(name: str, model: str, cache_min_tokens: int) -> Family:
    # Claude 4.5: both sampling knobs at once are refused ("`temperature` and `top_p` cannot
    # both be specified for this model"); budget thinking; callable only through a profile.
    return Family(
        name=name,
        ids=(model,),
        input=_TEXT_IMAGE_DOC,
        tools=True,
        reasoning="budget",
        sampling="one_of",
        prefill=True,
        default_output=64_000,
        max_output=64_000,
        caching=True,
        cache_min_tokens=cache_min_tokens,
        profile_only=True,
        error_style="anthropic",
        sources=_CLAUDE_SOURCES,
    )


def _unsettled(family: Family, *names: str) -> Family:
    """The row with `names` marked unverified (and no longer cited)."""
    sources = {key: url for key, url in family.sources.items() if key not in names}
    return dataclasses.replace(family, sources=sources, unverified=names)


FAMILIES: tuple[Family, ...] = (
    # Prompt caching page: 4,096 tokens per checkpoint for Haiku 4.5, 1,024 for Sonnet 4.5.
    _claude_45("claude-haiku-4-5", "anthropic.claude-haiku-4-5", 4_096),
    _claude_45("claude-sonnet-4-5", "anthropic.claude-sonnet-4-5", 1_024),
    # The other Claude 4.x models and Claude 3.7 Sonnet: AWS lists them with inference
    # profiles only and with extended thinking; first match wins, so 4.5 rows come first.
    # Which of them refuse both sampling knobs, and their exact output limits, the pages
    # read here did not settle: the row stays permissive there and says so.
    _unsettled(
        dataclasses.replace(
            _claude_45("claude-4", "anthropic.claude-sonnet-4", 1_024),
            ids=(
                "anthropic.claude-sonnet-4",
                "anthropic.claude-opus-4",
                "anthropic.claude-haiku-4",
            ),
            sampling="both",
        ),
        "sampling",
        "default_output",
        "max_output",
    ),
    _unsettled(
        dataclasses.replace(
            _claude_45("claude-3-7-sonnet", "anthropic.claude-3-7-sonnet", 1_024), sampling="both"
        ),
        "default_output",
        "max_output",
    ),
    Family(
        name="nova-2-lite",
        ids=("amazon.nova-2-lite",),
        input=_TEXT_IMAGE_DOC,  # the Nova 2 Converse page lists vision and document chat
        tools=True,
        reasoning="effort",  # additionalModelRequestFields.reasoningConfig.maxReasoningEffort
        sampling="both",
        prefill=True,
        default_output=64_000,
        max_output=64_000,
        caching=False,
        error_style="amazon",
        sources={
            "input": NOVA2_CONVERSE,
            "tools": NOVA2_CONVERSE,
            "reasoning": NOVA2_REASONING,
        },
        unverified=("prefill", "default_output", "max_output", "caching", "profile_only"),
    ),
    Family(
        name="deepseek-r1",
        ids=("deepseek.r1",),
        input=frozenset({"text"}),  # "a text-to-text model"
        tools=False,
        reasoning="always",
        sampling="both",
        prefill=True,
        default_output=32_768,
        max_output=32_768,  # max_tokens "minimum 1 to maximum 32,768"
        caching=False,
        profile_only=True,  # "invoked through cross-Region inference ... us.deepseek.r1-v1:0"
        sources={
            "input": DEEPSEEK,
            "tools": CONVERSE_FEATURES,
            "reasoning": DEEPSEEK,
            "max_output": DEEPSEEK,
            "profile_only": DEEPSEEK,
        },
        unverified=("prefill",),
    ),
    Family(
        name="gpt-oss",
        ids=("openai.gpt-oss",),
        input=frozenset({"text"}),
        tools=True,
        reasoning="always",
        sampling="both",
        prefill=True,
        default_output=131_072,
        max_output=131_072,
        caching=False,
        sources={"input": OPENAI, "tools": OPENAI, "reasoning": OPENAI},
        unverified=("prefill", "default_output", "max_output"),
    ),
)

# Any other id: no per-model rule, text answers as before (docs/API.md §12.6: a new model
# works on day one).
UNLISTED = Family(
    name="unlisted",
    ids=(),
    input=_TEXT_IMAGE_DOC,
    tools=True,
    reasoning="none",
    sampling="both",
    prefill=True,
    default_output=4_096,
    max_output=1_000_000,
    caching=False,
)


def split_model_id(model_id: str) -> tuple[str, bool]:
    """(foundation-model id, whether the id names an inference profile)."""
    # ARNs: .../foundation-model/<id>, .../inference-profile/<profile id>,
    # .../application-inference-profile/<opaque id>.
    # https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-use.html
    base = base_model_id(model_id)
    kind, _, last = model_id.rpartition("/")
    return base, base != last or kind.endswith("inference-profile")


def family_for(model_id: str) -> Family:
    """The family row of a model id (a profile id or ARN too), UNLISTED when none matches."""
    base = base_model_id(model_id)
    return next((family for family in FAMILIES if family.matches(base)), UNLISTED)
