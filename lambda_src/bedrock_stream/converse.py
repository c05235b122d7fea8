"""The ConverseStream adapter: a ChatRequest to a converse_stream call, its events to deltas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bedrock_stream.adapter import BedrockCall, EndTracker
from bedrock_stream.bedrock_client import BedrockRuntimeProtocol, EventStreamProtocol
from bedrock_stream.events import Delta, Terminal
from bedrock_stream.request import ChatRequest, Message


def resume_split(req: ChatRequest) -> tuple[list[Message], str]:
    """The messages to send, and the trailing whitespace held back from a final assistant turn.

    Bedrock rejects a final assistant message that ends in whitespace ("final assistant
    content cannot end with trailing whitespace", Anthropic models), yet a stream broken at a
    paragraph end leaves exactly that. The whitespace is sent later instead: it is trimmed
    from the start of the continuation, so the client's text plus ours is still the answer.
    """
    messages = list(req.messages)
    if not messages or messages[-1].role != "assistant":
        return messages, ""
    last = messages[-1]
    kept = last.content.rstrip()
    held = last.content[len(kept) :]
    if not held:
        return messages, ""
    messages[-1] = Message("assistant", kept)
    return (messages if kept else messages[:-1]), held


def converse_kwargs(req: ChatRequest) -> dict[str, Any]:
    """The converse_stream arguments; a final assistant message is passed through (resume)."""
    messages, _ = resume_split(req)
    kwargs: dict[str, Any] = {
        "modelId": req.model,
        "messages": [{"role": m.role, "content": [{"text": m.content}]} for m in messages],
    }
    if req.system:
        kwargs["system"] = [{"text": req.system}]
    inference: dict[str, Any] = {}
    for key, value in (
        ("maxTokens", req.max_tokens),
        ("temperature", req.temperature),
        ("topP", req.top_p),
        ("stopSequences", list(req.stop) or None),
    ):
        if value is not None:
            inference[key] = value
    if inference:
        kwargs["inferenceConfig"] = inference
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
