"""What a native provider is, the prompt-template reader they share, and the chunk wrapper."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from local.bedrock.eventstream import json_payload
from local.bedrock.formats import Frame, JsonObject
from local.bedrock.jsonbody import JsonMap
from local.bedrock.model import Prompt, Turn


class NativeProvider(Protocol):
    """One model family's InvokeModel body and its own streaming chunks (decoded `bytes`)."""

    name: str

    def parse(self, body: JsonMap) -> Prompt:
        """The prompt of a native request body."""
        ...

    def opening(self, turn: Turn) -> list[JsonObject]:
        """Chunks before the first delta."""
        ...

    def delta(self, turn: Turn, index: int, text: str) -> list[JsonObject]:
        """Chunks for delta number `index`."""
        ...

    def closing(self, turn: Turn) -> list[JsonObject]:
        """Chunks after the last delta; the last one gets the invocation metrics."""
        ...

    def complete(self, turn: Turn) -> JsonObject:
        """The InvokeModel response body."""
        ...


@runtime_checkable
class RichProvider(NativeProvider, Protocol):
    """A native format that also streams reasoning and tool calls (Anthropic Messages)."""

    def reasoning(self, turn: Turn, index: int, text: str) -> list[JsonObject]:
        """Chunks for reasoning piece number `index`."""
        ...

    def reasoning_end(self, turn: Turn) -> list[JsonObject]:
        """Chunks that close the reasoning block."""
        ...

    def tool_start(self, turn: Turn) -> list[JsonObject]:
        """Chunks that open the tool call block."""
        ...

    def tool_delta(self, turn: Turn, piece: str) -> list[JsonObject]:
        """One piece of the tool input's JSON."""
        ...

    def tool_end(self, turn: Turn) -> list[JsonObject]:
        """Chunks that close the tool call block."""
        ...


def invocation_metrics(turn: Turn) -> JsonObject:
    """`amazon-bedrock-invocationMetrics`, which Bedrock adds to the final chunk."""
    # With prompt caching Bedrock adds cacheReadInputTokenCount / cacheWriteInputTokenCount
    # (docs/PROTOCOLS.md §5.4); inputTokenCount then counts the uncached input only.
    plan = turn.plan
    tokens = plan.usage_or_plain
    metrics: JsonObject = {
        "inputTokenCount": tokens.input_tokens,
        "outputTokenCount": plan.output_tokens,
        "invocationLatency": plan.latency_ms,
        "firstByteLatency": round(plan.ttft_s * 1000),
    }
    if tokens.cached:
        metrics["cacheReadInputTokenCount"] = tokens.cache_read
        metrics["cacheWriteInputTokenCount"] = tokens.cache_write
    return metrics


def generation_id(turn: Turn, salt: str = "") -> str:
    """A stable UUID for ids that providers put in their chunks."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, turn.request_id + salt))


class NativeFormat:
    """A provider's chunks as `chunk` events {"bytes": base64(JSON)} (docs/PROTOCOLS.md §5.4)."""

    def __init__(self, provider: NativeProvider) -> None:
        self.provider = provider

    @property
    def rich(self) -> RichProvider | None:
        """The provider, when it streams reasoning and tool calls too."""
        return self.provider if isinstance(self.provider, RichProvider) else None

    def _rich(self) -> RichProvider:
        if self.rich is None:  # the service refuses such plans before streaming
            raise TypeError(f"{self.provider.name} streams no reasoning or tool calls")
        return self.rich

    @staticmethod
    def _chunks(documents: list[JsonObject]) -> list[Frame]:
        return [
            ("chunk", {"bytes": base64.b64encode(json_payload(doc)).decode("ascii")})
            for doc in documents
        ]

    def opening(self, turn: Turn) -> list[Frame]:
        """Provider opening chunks."""
        return self._chunks(self.provider.opening(turn))

    def delta(self, turn: Turn, index: int, text: str) -> list[Frame]:
        """Provider delta chunks."""
        return self._chunks(self.provider.delta(turn, index, text))

    def reasoning(self, turn: Turn, index: int, text: str) -> list[Frame]:
        """Provider reasoning chunks."""
        return self._chunks(self._rich().reasoning(turn, index, text))

    def reasoning_end(self, turn: Turn) -> list[Frame]:
        """Provider chunks that close the reasoning."""
        return self._chunks(self._rich().reasoning_end(turn))

    def tool_start(self, turn: Turn) -> list[Frame]:
        """Provider chunks that open a tool call."""
        return self._chunks(self._rich().tool_start(turn))

    def tool_delta(self, turn: Turn, piece: str) -> list[Frame]:
        """Provider chunks with a piece of tool input."""
        return self._chunks(self._rich().tool_delta(turn, piece))

    def tool_end(self, turn: Turn) -> list[Frame]:
        """Provider chunks that close a tool call."""
        return self._chunks(self._rich().tool_end(turn))

    def closing(self, turn: Turn) -> list[Frame]:
        """Provider closing chunks, the last with the invocation metrics."""
        documents = self.provider.closing(turn)
        documents[-1] = {
            **documents[-1],
            "amazon-bedrock-invocationMetrics": invocation_metrics(turn),
        }
        return self._chunks(documents)

    def complete(self, turn: Turn) -> JsonObject:
        """The InvokeModel body."""
        return self.provider.complete(turn)


@dataclass(frozen=True)
class Template:
    """A text-completion prompt template: the last user turn sits between `open` and `close`."""

    open: str
    close: str
    user_lead: str = ""  # removed from the start of the user text when present
    user_tail: str = ""  # removed from its end when present
    answer_lead: str = ""  # removed from the start of the text after `close` (the prefill)

    def read(self, prompt: str) -> tuple[str, str]:
        """(last user text, assistant prefill); the whole prompt when the template is absent."""
        start = prompt.rfind(self.open)
        end = prompt.find(self.close, start + len(self.open)) if start >= 0 else -1
        if end < 0:
            return prompt, ""
        user = prompt[start + len(self.open) : end].removeprefix(self.user_lead)
        return user.removesuffix(self.user_tail), prompt[end + len(self.close) :].removeprefix(
            self.answer_lead
        )
