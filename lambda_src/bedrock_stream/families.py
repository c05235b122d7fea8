"""The one table of model families: everything the function knows about a model, by its id.

Validation, the Converse adapter, the native parser choice and `GET /models` read it through
`family_of`; nothing else in the function looks at the text of a model id. The rows live in
`family_table.py`; this module holds their type and the lookup. Pure: no boto3, no I/O, so
the CDK app and the tests can import it. See docs/ARCHITECTURE.md ("Growing past text").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from bedrock_stream.blocks import Effort
from bedrock_stream.model_ids import parse_model_id

InputKind = Literal["text", "image", "document"]
# none: cannot reason; budget: a token budget (Claude `thinking`); effort: low/medium/high
# (Nova 2 `reasoningConfig`); always: reasons on every request, no switch.
ReasoningStyle = Literal["none", "budget", "effort", "always"]
# The native-mode chunk format a family streams (native/__init__.py maps it to a parser).
NativeFormat = Literal["anthropic", "titan", "nova", "llama", "cohere", "mistral", "jamba"]

# Where each native body format names the answer's length limit (checked against
# MAX_TOKENS_LIMIT, docs/API.md §8), per the model-parameters-* pages of the Bedrock user guide.
NATIVE_LIMIT_FIELDS: Final[dict[NativeFormat, tuple[tuple[str, ...], ...]]] = {
    "anthropic": (("max_tokens",), ("max_tokens_to_sample",)),
    "titan": (("textGenerationConfig", "maxTokenCount"),),
    "nova": (("inferenceConfig", "maxTokens"), ("inferenceConfig", "max_new_tokens")),
    "llama": (("max_gen_len",),),
    "cohere": (("max_tokens",),),
    "mistral": (("max_tokens",),),
    "jamba": (("max_tokens",),),
}

TEXT_ONLY: Final[frozenset[InputKind]] = frozenset({"text"})
TEXT_AND_DOCS: Final[frozenset[InputKind]] = frozenset({"text", "document"})
ALL_INPUTS: Final[frozenset[InputKind]] = frozenset({"text", "image", "document"})
INPUT_ORDER: Final[tuple[InputKind, ...]] = ("text", "image", "document")


@dataclass(frozen=True)
class Family:
    """What one family of models can do on Bedrock, each fact from the AWS page in `source`."""

    name: str
    # Foundation-model id prefixes (after any inference-profile prefix); the longest wins.
    prefixes: tuple[str, ...]
    provider: str
    source: str  # the AWS documentation page the facts come from
    inputs: frozenset[InputKind] = TEXT_ONLY
    tools: bool = False
    reasoning: ReasoningStyle = "none"
    # Takes temperature or top_p, but not both in one request.
    sampling_exclusive: bool = False
    # Continues a final assistant message (resume, docs/API.md §5).
    prefill: bool = True
    # Prefill is refused while reasoning is on (Claude with `thinking`).
    prefill_with_reasoning: bool = True
    default_max_tokens: int = 4096
    max_output_tokens: int = 4096
    caching: bool = False
    native: NativeFormat | None = None
    # The effort at which the model refuses `maxTokens` (Nova 2 at "high"): then it is left
    # out, the one exception to "max_tokens is always sent" (docs/API.md §12.1).
    no_max_tokens_at_effort: Effort | None = None
    # Reasoning handed back must carry the signature Bedrock returned with it: Claude checks
    # it ("thinking.signature: Field required" without one, recorded in maximhq/bifrost #6942).
    # https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-call.html
    signed_reasoning: bool = False

    @property
    def token_limit_fields(self) -> tuple[tuple[str, ...], ...]:
        """Where this family's native body names its answer's length limit."""
        return NATIVE_LIMIT_FIELDS[self.native] if self.native else ()

    def input_list(self) -> list[InputKind]:
        """The input kinds in a stable order (text, image, document)."""
        return [kind for kind in INPUT_ORDER if kind in self.inputs]


# A model id the table does not know still works through Converse, text in and text out, so
# a new model works on day one (docs/API.md §12.6). Its limits are Bedrock's to enforce.
DEFAULT_FAMILY: Final = Family(
    name="unknown",
    prefixes=(),
    provider="unknown",
    source="https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-supported-models-features.html",
)

# The budgets an effort stands for on a budget model (docs/API.md §12.1).
# Claude's smallest thinking budget; an effort is mapped to at least this much.
# https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html
MIN_BUDGET_TOKENS: Final = 1024
EFFORT_BUDGETS: Final[dict[Effort, int]] = {"low": MIN_BUDGET_TOKENS, "medium": 4096, "high": 16384}


def _index(families: tuple[Family, ...]) -> tuple[tuple[str, Family], ...]:
    pairs = [(prefix, family) for family in families for prefix in family.prefixes]
    seen: set[str] = set()
    for prefix, _ in pairs:
        if prefix in seen:
            raise ValueError(f"model prefix {prefix!r} is in two families")
        seen.add(prefix)
    # Longest first, so `anthropic.claude-3-5-haiku` wins over `anthropic.claude-3`.
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


def _table() -> tuple[tuple[str, Family], ...]:
    from bedrock_stream.family_table import FAMILIES  # noqa: PLC0415 - rows import this module

    return _index(FAMILIES)


_BY_PREFIX: tuple[tuple[str, Family], ...] | None = None


def family_of(model: str) -> Family:
    """The family of a model id, inference-profile id or ARN; DEFAULT_FAMILY when unknown.

    An application inference profile ARN does not say which model it routes to, so it gets
    the default family: Converse, text in and text out.
    """
    global _BY_PREFIX  # noqa: PLW0603 - the index is built once, on first use
    if _BY_PREFIX is None:
        _BY_PREFIX = _table()
    base = parse_model_id(model).base
    if base is None:
        return DEFAULT_FAMILY
    for prefix, family in _BY_PREFIX:
        if base.startswith(prefix):
            return family
    return DEFAULT_FAMILY


# A model the table does not list yet, by its provider's prefix: the chunk format that provider
# streams, so native mode serves a new model on day one as Converse does (docs/API.md §12.6).
PROVIDER_NATIVE: Final[tuple[tuple[str, NativeFormat], ...]] = (
    ("anthropic.", "anthropic"),
    ("amazon.titan-", "titan"),
    ("amazon.nova", "nova"),
    ("meta.llama", "llama"),
    ("cohere.command", "cohere"),
    ("mistral.", "mistral"),
    ("ai21.jamba", "jamba"),
)


def native_format_of(model: str) -> NativeFormat | None:
    """The native chunk format of a model: its family's, else its provider's; None if unknown."""
    native = family_of(model).native
    if native is not None:
        return native
    base = parse_model_id(model).base or ""
    return next((fmt for prefix, fmt in PROVIDER_NATIVE if base.startswith(prefix)), None)


def all_families() -> tuple[Family, ...]:
    """Every family of the table, in table order."""
    from bedrock_stream.family_table import FAMILIES  # noqa: PLC0415 - rows import this module

    return FAMILIES
