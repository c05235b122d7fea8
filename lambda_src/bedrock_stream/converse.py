"""The ConverseStream adapter: a ChatRequest to a converse_stream call, its events to deltas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bedrock_stream.adapter import BedrockCall, EndTracker
from bedrock_stream.bedrock_client import BedrockRuntimeProtocol, EventStreamProtocol
from bedrock_stream.blocks import Content, TextBlock, blocks_of
from bedrock_stream.converse_request import (
    block_to_converse,
    guardrail_to_converse,
    reasoning_fields,
    system_to_converse,
    tool_config_to_converse,
)
from bedrock_stream.events import Delta, Terminal
from bedrock_stream.families import family_of
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

    `inferenceConfig.maxTokens` is always sent (docs/API.md §12.1): the request's, else the
    model's default from the family table; except at an effort where the model's family
    says it refuses one (Nova 2 at "high").
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
    family = family_of(req.model)
    max_tokens = req.max_tokens
    if max_tokens is None:
        max_tokens = family.default_max_tokens
    inference: dict[str, Any] = {"maxTokens": max_tokens}
    effort = req.reasoning.effort if req.reasoning is not None else None
    if effort is not None and effort == family.no_max_tokens_at_effort:
        del inference["maxTokens"]
    for key, value in (
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
    """ConverseStream events (protocols.md §5.2) to unified deltas and one terminal event."""

    def __init__(
        self, missing_end: str = "Bedrock stream ended without messageStop", skip: str = ""
    ) -> None:
        self._end = EndTracker(missing_end)
        self._skip = skip  # whitespace the client already has (see resume_split)
        self._handlers: dict[str, Callable[[dict[str, Any]], list[Delta]]] = {
            "contentBlockDelta": self._delta,
            "messageStop": self._stop,
            "metadata": self._metadata,
        }

    def feed(self, raw: dict[str, Any]) -> list[Delta]:
        """Map one event; unknown and uninteresting events (messageStart, ...) give nothing."""
        out: list[Delta] = []
        for key, body in raw.items():
            handler = self._handlers.get(key)
            if handler is not None and isinstance(body, dict):
                out.extend(handler(body))
        return out

    def finish(self) -> Terminal:
        """The terminal event once Bedrock's stream has ended."""
        return self._end.finish()

    def invocation_metrics(self, chunk: dict[str, Any]) -> None:
        """Billed counts appended to a native Nova chunk."""
        self._end.invocation_metrics(chunk)

    def _delta(self, body: dict[str, Any]) -> list[Delta]:
        text = (body.get("delta") or {}).get("text")
        # Tool-use and reasoning deltas carry no answer text; they are not part of this API.
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

    def _stop(self, body: dict[str, Any]) -> list[Delta]:
        self._end.stop_reason = str(body.get("stopReason") or "end_turn")
        return []

    def _metadata(self, body: dict[str, Any]) -> list[Delta]:
        usage = body.get("usage") or {}
        self._end.usage_from(usage.get("inputTokens"), usage.get("outputTokens"))
        return []


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
