"""The ConverseStream adapter: a ChatRequest to a converse_stream call, its events to deltas."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any, Final

from bedrock_stream.adapter import BedrockCall, EndTracker, ToolCalls
from bedrock_stream.bedrock_client import BedrockRuntimeProtocol, EventStreamProtocol
from bedrock_stream.blocks import Content, TextBlock, blocks_of
from bedrock_stream.converse_request import (
    block_to_converse,
    guardrail_to_converse,
    reasoning_fields,
    system_to_converse,
    tool_config_to_converse,
)
from bedrock_stream.events import Delta, Output, Reasoning, ReasoningKind, Terminal
from bedrock_stream.request import ChatRequest, Message


def _held_back(content: Content) -> tuple[Content | None, str]:
    """A final assistant turn without its trailing whitespace (None if nothing is left)."""
    if isinstance(content, str):
        kept = content.rstrip()
        return (kept or None), content[len(kept) :]
    if not content or not isinstance(content[-1], TextBlock):
        return content, ""
    text = content[-1].text
    kept = text.rstrip()
    rest = content[:-1] + ((TextBlock(kept),) if kept else ())
    return (rest or None), text[len(kept) :]


def resume_split(req: ChatRequest) -> tuple[list[Message], str]:
    """The messages to send, and the trailing whitespace held back from a final assistant turn.

    Bedrock rejects a final assistant message that ends in whitespace ("final assistant
    content cannot end with trailing whitespace", Anthropic models), yet a stream broken at a
    paragraph end leaves exactly that. The whitespace is sent later instead: it is trimmed
    from the start of the continuation, so the client's text plus ours is still the answer.
    With block content, the same holds for a final text block.
    """
    messages = list(req.messages)
    if not messages or messages[-1].role != "assistant":
        return messages, ""
    kept, held = _held_back(messages[-1].content)
    if not held:
        return messages, ""
    if kept is None:
        return messages[:-1], held
    messages[-1] = Message("assistant", kept)
    return messages, held


def converse_kwargs(req: ChatRequest) -> dict[str, Any]:
    """The converse_stream arguments; a final assistant message is passed through (resume).

    `inferenceConfig.maxTokens` is the request's as the model's rules left it
    (model_rules.apply_rules: the body's or the model's default, none where the model
    refuses one).
    """
    messages, _ = resume_split(req)
    kwargs: dict[str, Any] = {
        "modelId": req.model,
        "messages": [
            {"role": m.role, "content": [block_to_converse(b) for b in blocks_of(m.content)]}
            for m in messages
        ],
    }
    system = system_to_converse(req.system)
    if system:
        kwargs["system"] = system
    inference: dict[str, Any] = {}
    for key, value in (
        ("maxTokens", req.max_tokens),
        ("temperature", req.temperature),
        ("topP", req.top_p),
        ("stopSequences", list(req.stop) or None),
    ):
        if value is not None:
            inference[key] = value
    kwargs["inferenceConfig"] = inference
    tool_config = tool_config_to_converse(req.tools, req.tool_choice, messages)
    if tool_config is not None:
        kwargs["toolConfig"] = tool_config
    fields = reasoning_fields(req.reasoning)
    if fields:
        kwargs["additionalModelRequestFields"] = fields
    if req.guardrail is not None:
        kwargs["guardrailConfig"] = guardrail_to_converse(req.guardrail)
    return kwargs


class ConverseMapper:
    """ConverseStream events (docs/PROTOCOLS.md §5.2) to unified outputs and one terminal event.

    Text deltas become `delta`, reasoning deltas `reasoning` as they come, and tool-use
    blocks one `tool_use` each once their input is complete (docs/API.md §12.2).
    https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
    """

    def __init__(self, skip: str = "", end: EndTracker | None = None) -> None:
        self._end = (
            end if end is not None else EndTracker("Bedrock stream ended without messageStop")
        )
        self._skip = skip  # whitespace the client already has (see resume_split)
        self._tools = ToolCalls()
        self._handlers: dict[str, Callable[[dict[str, Any]], list[Output]]] = {
            "contentBlockStart": self._block_start,
            "contentBlockDelta": self._delta,
            "contentBlockStop": self._block_stop,
            "messageStop": self._stop,
            "metadata": self._metadata,
        }
        # contentBlockDelta.delta is a union: one of these keys (ContentBlockDelta).
        self._deltas: dict[str, Callable[[Any, Any], list[Output]]] = {
            "text": self._text,
            "reasoningContent": self._reasoning,
            "toolUse": self._tool_input,
        }

    def feed(self, raw: dict[str, Any]) -> list[Output]:
        """Map one event; unknown and uninteresting events (messageStart, ...) give nothing."""
        out: list[Output] = []
        for key, body in raw.items():
            handler = self._handlers.get(key)
            if handler is not None and isinstance(body, dict):
                out.extend(handler(body))
        return out

    def finish(self) -> Terminal:
        """The terminal event once Bedrock's stream has ended."""
        return self._end.finish(open_tool_call=self._tools.pending)

    def _block_start(self, body: dict[str, Any]) -> list[Output]:
        start = body.get("start")
        tool = start.get("toolUse") if isinstance(start, dict) else None
        if isinstance(tool, dict):
            self._tools.start(
                body.get("contentBlockIndex"), tool.get("toolUseId"), tool.get("name")
            )
        return []

    def _delta(self, body: dict[str, Any]) -> list[Output]:
        delta = body.get("delta")
        if not isinstance(delta, dict):
            return []
        index = body.get("contentBlockIndex")
        out: list[Output] = []
        for key, value in delta.items():
            handler = self._deltas.get(key)
            if handler is not None:
                out.extend(handler(value, index))
        return out

    def _text(self, text: Any, _index: Any) -> list[Output]:
        # Answer text only. Some models (Amazon Nova, Moonshot Kimi) write their reasoning
        # inline as `<thinking>...</thinking>` inside it: Bedrock sends that as text, so it
        # stays answer text here, byte for byte; only `reasoningContent` is reasoning.
        if not isinstance(text, str) or not text:
            return []
        if self._skip:
            text = self._trim(text)
        return [Delta(text)] if text else []

    def _trim(self, text: str) -> str:
        matched = 0
        while matched < min(len(text), len(self._skip)) and text[matched] == self._skip[matched]:
            matched += 1
        # A mismatch ends the trimming; a delta used up entirely keeps it going.
        self._skip = self._skip[matched:] if matched == len(text) else ""
        return text[matched:]

    def _reasoning(self, value: Any, _index: Any) -> list[Output]:
        # ReasoningContentBlockDelta: `text` | `signature` | `redactedContent` (a blob: bytes
        # from botocore, already base64 in a native Nova chunk's JSON).
        # https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ReasoningContentBlockDelta.html
        if not isinstance(value, dict):
            return []
        return [
            Reasoning(kind, piece)
            for key, kind in REASONING_FIELDS.items()
            if (piece := _reasoning_text(value.get(key)))
        ]

    def _tool_input(self, value: Any, index: Any) -> list[Output]:
        if isinstance(value, dict):
            self._tools.add(index, value.get("input"))
        return []

    def _block_stop(self, body: dict[str, Any]) -> list[Output]:
        return list(self._tools.stop(body.get("contentBlockIndex")))

    def _stop(self, body: dict[str, Any]) -> list[Output]:
        self._end.stop_reason = str(body.get("stopReason") or "end_turn")
        return []

    def _metadata(self, body: dict[str, Any]) -> list[Output]:
        usage = body.get("usage") or {}
        if isinstance(usage, dict):
            self._end.usage_from(
                usage.get("inputTokens"),
                usage.get("outputTokens"),
                usage.get("cacheReadInputTokens"),
                usage.get("cacheWriteInputTokens"),
            )
        trace = body.get("trace")
        guardrail = trace.get("guardrail") if isinstance(trace, dict) else None
        if isinstance(guardrail, dict):
            self._end.trace = guardrail
        return []


# reasoningContent field -> the `reasoning` event's field (docs/API.md §12.2).
REASONING_FIELDS: Final[dict[str, ReasoningKind]] = {
    "text": "text",
    "signature": "signature",
    "redactedContent": "redacted",
}


def _reasoning_text(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    return value if isinstance(value, str) else ""


def _open(kwargs: dict[str, Any]) -> Callable[[BedrockRuntimeProtocol], EventStreamProtocol]:
    def open_stream(client: BedrockRuntimeProtocol) -> EventStreamProtocol:
        stream: EventStreamProtocol = client.converse_stream(**kwargs)["stream"]
        return stream

    return open_stream


def converse_call(req: ChatRequest) -> BedrockCall:
    """The prepared ConverseStream call for a request."""
    _, held = resume_split(req)
    return BedrockCall(
        "ConverseStream", _open(converse_kwargs(req)), lambda: ConverseMapper(skip=held)
    )
