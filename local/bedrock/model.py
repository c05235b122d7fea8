"""Records shared by the request parsers, the rules, the answer planner and the stream formats."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from local.bedrock.directives import Fault

# Converse's own spelling (botocore's StopReason enum); each native format maps these to its
# provider's words. https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_MessageStopEvent.html
StopReason = Literal["end_turn", "max_tokens", "stop_sequence", "tool_use", "guardrail_intervened"]
AttachmentKind = Literal["image", "document"]
ToolChoice = Literal["auto", "any", "tool", "none"]


@dataclass(frozen=True)
class Attachment:
    """An image or document block of the conversation, bytes decoded."""

    kind: AttachmentKind
    format: str
    data: bytes
    where: str  # the request path of the block, for error messages
    role: str = "user"
    name: str | None = None  # documents only


@dataclass(frozen=True)
class Thinking:
    """A request for budget reasoning (Anthropic's `thinking` field), as sent."""

    type: str
    budget_tokens: int | None = None


@dataclass(frozen=True)
class CachePrefix:
    """Everything before one cache point: a key for the local cache and its token count."""

    key: str
    tokens: int


@dataclass(frozen=True)
class Asks:
    """What a request asks for beyond plain text; the rules and the planner read it."""

    attachments: tuple[Attachment, ...] = ()
    tools: tuple[str, ...] = ()  # declared tool names, in order
    tool_config: bool = False  # whether the request declares tools at all
    tool_choice: ToolChoice | None = None
    forced_tool: str | None = None  # the name in a `tool` tool choice
    tool_blocks: bool = False  # toolUse / toolResult blocks anywhere in the conversation
    orphan_results: tuple[str, ...] = ()  # "path:id" of results with no matching tool use
    tool_results: tuple[str, ...] = ()  # text of each tool result in the last user message
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    thinking: Thinking | None = None
    effort: str | None = None  # Nova's reasoningConfig.maxReasoningEffort when enabled
    reasoning_config: bool = False  # a reasoningConfig field was sent
    extra_fields: tuple[str, ...] = ()  # keys of additionalModelRequestFields
    cache_prefixes: tuple[CachePrefix, ...] = ()
    guardrail_id: str | None = None  # guardrailConfig.guardrailIdentifier, when one is attached
    guardrail_trace: bool = False  # guardrailConfig.trace is enabled or enabled_full
    prefill_path: str = ""  # where the final assistant message is, for error messages
    prefill_reasoning: bool = False  # the final assistant message starts with reasoning
    documents_without_text: tuple[str, ...] = ()  # messages holding a document but no text
    unsigned_reasoning: tuple[str, ...] = ()  # "messages.i.content.j" of reasoning unsigned


@dataclass(frozen=True)
class Prompt:
    """What a request asks, whatever its wire shape."""

    user_text: str  # the last user text, directive line included
    prefix: str = ""  # a final assistant message to continue, "" when there is none
    context: tuple[str, ...] = ()  # every other text the model reads (system, history)
    max_tokens: int | None = None
    stop_sequences: tuple[str, ...] = ()
    asks: Asks = field(default_factory=Asks)


@dataclass(frozen=True)
class ToolCall:
    """One tool call the answer makes: its input JSON is streamed in `pieces`."""

    id: str
    name: str
    pieces: tuple[str, ...]

    @property
    def input_json(self) -> str:
        """The whole input, as JSON text."""
        return "".join(self.pieces)


@dataclass(frozen=True)
class Reasoning:
    """The reasoning before the answer: text pieces, then a signature or redacted bytes."""

    pieces: tuple[str, ...] = ()
    signature: str | None = None
    redacted: bytes | None = None
    tokens: int = 0  # billed reasoning tokens (may differ from len(pieces): Nova 2 redacts)

    @property
    def text(self) -> str:
        """All of the reasoning text."""
        return "".join(self.pieces)


@dataclass(frozen=True)
class Usage:
    """Input token counts as Bedrock reports them with prompt caching."""

    input_tokens: int  # tokens neither read from nor written to the cache
    cache_read: int = 0
    cache_write: int = 0
    cached: bool = False  # whether the cache fields are reported at all


@dataclass(frozen=True)
class Plan:
    """The answer to send and how to pace it."""

    deltas: tuple[str, ...]  # concatenated, exactly the answer text
    stop_reason: StopReason
    input_tokens: int
    ttft_s: float
    interval_s: float
    stop_sequence: str | None = None  # the stop sequence that ended the answer, if one did
    fault: Fault | None = None
    after: int = 0  # in-stream faults, guardrail: answer pieces sent before the fault
    stall_s: float = 0.0
    reasoning: Reasoning | None = None
    tool: ToolCall | None = None
    usage: Usage | None = None  # None: all input tokens are plain input
    guardrail_text: str = ""  # what replaces the rest of the answer when a guardrail stops it

    @property
    def text(self) -> str:
        """The whole answer."""
        return "".join(self.deltas)

    @property
    def output_tokens(self) -> int:
        """One token per text delta, plus reasoning and tool input tokens."""
        reasoning = self.reasoning.tokens if self.reasoning else 0
        tool = len(self.tool.pieces) if self.tool else 0
        return len(self.deltas) + reasoning + tool

    @property
    def latency_ms(self) -> int:
        """Planned time from request to last delta (what `latencyMs` reports)."""
        spacing = self.interval_s * max(0, self.output_tokens - 1)
        stall = self.stall_s if self.fault == "stall" else 0.0
        return round((self.ttft_s + spacing + stall) * 1000)

    @property
    def usage_or_plain(self) -> Usage:
        """The input usage, plain when no cache was involved."""
        return self.usage or Usage(input_tokens=self.input_tokens)


@dataclass(frozen=True)
class Turn:
    """One answer as a stream format sees it: the plan plus request identity."""

    model_id: str
    request_id: str
    plan: Plan
    user_text: str = ""  # some providers echo the prompt back
    asks: Asks = field(default_factory=Asks)
