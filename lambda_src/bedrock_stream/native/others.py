"""Meta Llama, Cohere Command (and R), Mistral and AI21 Jamba chunk parsers."""

from __future__ import annotations

from typing import Any

from bedrock_stream.events import Delta
from bedrock_stream.native.base import NativeParser, text_delta


class LlamaParser(NativeParser):
    """Llama: `generation` pieces; `stop_reason` set on the last chunk."""

    provider = "meta"

    def on_chunk(self, obj: dict[str, Any]) -> list[Delta]:
        self.end.usage_from(obj.get("prompt_token_count"), obj.get("generation_token_count"))
        if obj.get("stop_reason"):
            self.end.stop_reason = str(obj["stop_reason"])
        return text_delta(obj.get("generation"))


class CohereParser(NativeParser):
    """Cohere Command (`text`, `is_finished`) and Command R (`event_type` stream events)."""

    provider = "cohere"

    def on_chunk(self, obj: dict[str, Any]) -> list[Delta]:
        if obj.get("is_finished"):
            # The final chunk repeats the whole answer in `response`; it is not a delta.
            self.end.stop_reason = str(obj.get("finish_reason") or "COMPLETE")
            meta = (obj.get("response") or {}).get("meta") or {}
            units = meta.get("billed_units") or {}
            self.end.usage_from(units.get("input_tokens"), units.get("output_tokens"))
            return []
        if obj.get("event_type", "text-generation") != "text-generation":
            return []
        return text_delta(obj.get("text"))


class MistralParser(NativeParser):
    """Mistral: `outputs[0].text` (prompt bodies) or `choices[0].message.content` (chat bodies).

    Chat bodies (Mistral Large 2407 and later) stream whole `message` objects with a
    `stop_reason`, not OpenAI's `delta`/`finish_reason`:
    https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-mistral-chat-completion.html
    """

    provider = "mistral"

    def on_chunk(self, obj: dict[str, Any]) -> list[Delta]:
        items = obj.get("outputs") or obj.get("choices") or [{}]
        first = items[0] if isinstance(items[0], dict) else {}
        reason = first.get("stop_reason") or first.get("finish_reason")
        if reason:
            self.end.stop_reason = str(reason)
        if "text" in first:
            return text_delta(first.get("text"))
        message = first.get("message") or first.get("delta") or {}
        return text_delta(message.get("content") if isinstance(message, dict) else None)


class JambaParser(NativeParser):
    """AI21 Jamba: OpenAI-style `choices[0].delta.content` and `finish_reason`."""

    provider = "ai21"

    def on_chunk(self, obj: dict[str, Any]) -> list[Delta]:
        usage = obj.get("usage") or {}
        self.end.usage_from(usage.get("prompt_tokens"), usage.get("completion_tokens"))
        choices = obj.get("choices") or [{}]
        first = choices[0] if isinstance(choices[0], dict) else {}
        if first.get("finish_reason"):
            self.end.stop_reason = str(first["finish_reason"])
        return text_delta((first.get("delta") or {}).get("content"))
