"""Stream formats: how one planned answer becomes events, and the Converse format itself."""

from __future__ import annotations

import base64
import json
from typing import Protocol

from local.bedrock.guardrail import guardrail_trace
from local.bedrock.model import Turn

# (event type, JSON payload): one event-stream message before the padding is added.
Frame = tuple[str, dict[str, object]]
JsonObject = dict[str, object]


class StreamFormat(Protocol):
    """Events of one answer: opening, reasoning, text deltas, a tool call, closing."""

    def opening(self, turn: Turn) -> list[Frame]:
        """Events before the first delta."""
        ...

    def reasoning(self, turn: Turn, index: int, text: str) -> list[Frame]:
        """Events that carry reasoning piece number `index`."""
        ...

    def reasoning_end(self, turn: Turn) -> list[Frame]:
        """The signature (or redacted reasoning) and the end of the reasoning block."""
        ...

    def delta(self, turn: Turn, index: int, text: str) -> list[Frame]:
        """Events that carry delta number `index`."""
        ...

    def tool_start(self, turn: Turn) -> list[Frame]:
        """The start of the tool call block."""
        ...

    def tool_delta(self, turn: Turn, piece: str) -> list[Frame]:
        """One piece of the tool input's JSON."""
        ...

    def tool_end(self, turn: Turn) -> list[Frame]:
        """The end of the tool call block."""
        ...

    def closing(self, turn: Turn) -> list[Frame]:
        """Events after the last delta, with stop reason and usage."""
        ...

    def complete(self, turn: Turn) -> JsonObject:
        """The whole answer as the non-streaming operation returns it."""
        ...


def block_indexes(turn: Turn) -> tuple[int, int]:
    """(text block index, tool block index): reasoning, text and tool are separate blocks."""
    text = 1 if turn.plan.reasoning else 0
    return text, text + (1 if has_text_block(turn) else 0)


def has_text_block(turn: Turn) -> bool:
    """Whether the answer has a text block (a bare tool call has none)."""
    plan = turn.plan
    return bool(plan.deltas or plan.guardrail_text or not plan.tool)


class ConverseFormat:
    """ConverseStream events and the Converse response (botocore ConverseStreamOutput)."""

    # Order and fields: docs/PROTOCOLS.md §5.2; metadata always comes last. Reasoning and tool
    # events: ContentBlockDelta.reasoningContent {text | signature | redactedContent} and
    # ContentBlockStart.toolUse {toolUseId, name} then ContentBlockDelta.toolUse {input}.
    # https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-call.html

    def opening(self, turn: Turn) -> list[Frame]:
        """messageStart."""
        return [("messageStart", {"role": "assistant"})]

    def reasoning(self, turn: Turn, index: int, text: str) -> list[Frame]:
        """A reasoningContent text delta in block 0."""
        delta = {"reasoningContent": {"text": text}}
        return [("contentBlockDelta", {"contentBlockIndex": 0, "delta": delta})]

    def reasoning_end(self, turn: Turn) -> list[Frame]:
        """The signature or the redacted bytes (base64 in JSON), then contentBlockStop."""
        reasoning = turn.plan.reasoning
        frames: list[Frame] = []
        if reasoning is not None and reasoning.redacted is not None:
            blob = base64.b64encode(reasoning.redacted).decode("ascii")
            delta: JsonObject = {"reasoningContent": {"redactedContent": blob}}
            frames.append(("contentBlockDelta", {"contentBlockIndex": 0, "delta": delta}))
        elif reasoning is not None and reasoning.signature is not None:
            delta = {"reasoningContent": {"signature": reasoning.signature}}
            frames.append(("contentBlockDelta", {"contentBlockIndex": 0, "delta": delta}))
        return [*frames, ("contentBlockStop", {"contentBlockIndex": 0})]

    def delta(self, turn: Turn, index: int, text: str) -> list[Frame]:
        """One text contentBlockDelta (plain text skips contentBlockStart, as Bedrock does)."""
        block = block_indexes(turn)[0]
        return [("contentBlockDelta", {"contentBlockIndex": block, "delta": {"text": text}})]

    def tool_start(self, turn: Turn) -> list[Frame]:
        """contentBlockStart with the tool's id and name."""
        tool = turn.plan.tool
        assert tool is not None
        start = {"toolUse": {"toolUseId": tool.id, "name": tool.name}}
        return [
            ("contentBlockStart", {"contentBlockIndex": block_indexes(turn)[1], "start": start})
        ]

    def tool_delta(self, turn: Turn, piece: str) -> list[Frame]:
        """A partial-JSON toolUse input delta."""
        delta = {"toolUse": {"input": piece}}
        return [
            ("contentBlockDelta", {"contentBlockIndex": block_indexes(turn)[1], "delta": delta})
        ]

    def tool_end(self, turn: Turn) -> list[Frame]:
        """contentBlockStop of the tool block."""
        return [("contentBlockStop", {"contentBlockIndex": block_indexes(turn)[1]})]

    def closing(self, turn: Turn) -> list[Frame]:
        """contentBlockStop (text), messageStop, metadata (usage, metrics, guardrail trace)."""
        plan = turn.plan
        frames: list[Frame] = []
        if has_text_block(turn) and not plan.tool:
            frames.append(("contentBlockStop", {"contentBlockIndex": block_indexes(turn)[0]}))
        metadata: JsonObject = {"usage": usage(turn), "metrics": {"latencyMs": plan.latency_ms}}
        trace = guardrail_trace(turn)
        if trace is not None:
            metadata["trace"] = trace
        return [*frames, ("messageStop", {"stopReason": plan.stop_reason}), ("metadata", metadata)]

    def complete(self, turn: Turn) -> JsonObject:
        """The Converse response body."""
        plan = turn.plan
        content: list[JsonObject] = []
        if plan.reasoning is not None:
            content.append({"reasoningContent": reasoning_block(turn)})
        if plan.guardrail_text:  # Converse returns the guardrail's message instead
            content.append({"text": plan.guardrail_text})
        elif has_text_block(turn):
            content.append({"text": plan.text})
        if plan.tool is not None:
            use = {"toolUseId": plan.tool.id, "name": plan.tool.name}
            content.append({"toolUse": {**use, "input": json.loads(plan.tool.input_json)}})
        body: JsonObject = {
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": plan.stop_reason,
            "usage": usage(turn),
            "metrics": {"latencyMs": plan.latency_ms},
        }
        trace = guardrail_trace(turn)
        if trace is not None:
            body["trace"] = trace
        return body


def reasoning_block(turn: Turn) -> JsonObject:
    """ReasoningContentBlock: reasoningText {text, signature} or redactedContent (base64)."""
    reasoning = turn.plan.reasoning
    assert reasoning is not None
    if reasoning.redacted is not None:
        return {"redactedContent": base64.b64encode(reasoning.redacted).decode("ascii")}
    text: JsonObject = {"text": reasoning.text}
    if reasoning.signature is not None:
        text["signature"] = reasoning.signature
    return {"reasoningText": text}


def usage(turn: Turn) -> JsonObject:
    """TokenUsage; with prompt caching, the cache fields, and a total that includes them."""
    plan = turn.plan
    tokens = plan.usage_or_plain
    cached = tokens.cache_read + tokens.cache_write
    body: JsonObject = {
        "inputTokens": tokens.input_tokens,
        "outputTokens": plan.output_tokens,
        "totalTokens": tokens.input_tokens + plan.output_tokens + cached,
    }
    if tokens.cached:
        body["cacheReadInputTokens"] = tokens.cache_read
        body["cacheWriteInputTokens"] = tokens.cache_write
    return body
