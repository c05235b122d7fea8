"""Meta Llama, Cohere Command (and R), Mistral and AI21 Jamba chunk parsers."""

from __future__ import annotations

from typing import Any, Final

from bedrock_stream.adapter import count
from bedrock_stream.events import Output
from bedrock_stream.native.base import NativeParser, text_delta

END_MARKER: Final = "<EOS_TOKEN>"  # Cohere Command's end-of-sequence piece


class LlamaParser(NativeParser):
    """Llama: `generation` pieces; `stop_reason` set on the last chunk."""

    provider = "meta"

    def on_chunk(self, obj: dict[str, Any]) -> list[Output]:
        self.end.usage_from(obj.get("prompt_token_count"), obj.get("generation_token_count"))
        if obj.get("stop_reason"):
            self.end.stop_reason = str(obj["stop_reason"])
        return text_delta(obj.get("generation"))


class CohereParser(NativeParser):
    """Cohere Command (`text`, `is_finished`) and Command R (`event_type` stream events).

    Three recorded quirks of Command on Bedrock:
    - without `"stream": true` in the body, the whole answer is one chunk
      `{"generations": [{"text", "finish_reason"}], ...}` (vercel/ai's recorded Bedrock
      Cohere chunks); it is the answer, not a summary.
    - with `num_generations` above 1, each streamed piece names its generation in `index`
      (Cohere's GenerateStreamText: "Refers to the nth generation"); only generation 0 is
      the answer, the others are dropped. Refusing the field would need a rule in the
      request's validation; streaming the first generation keeps every native body working.
    - the last text piece is a literal `<EOS_TOKEN>`, the model's end marker, not answer
      text (langchain-ai/langchain#11230, langchain-aws's Bedrock LLM skips it too).
    https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-cohere-command.html
    """

    provider = "cohere"

    def on_chunk(self, obj: dict[str, Any]) -> list[Output]:
        if not _first_generation(obj):
            return []  # another generation (num_generations > 1)
        if isinstance(obj.get("generations"), list):
            return self._whole(obj["generations"])
        if obj.get("is_finished"):
            # The final chunk repeats the whole answer in `response`; it is not a delta.
            self.end.stop_reason = str(obj.get("finish_reason") or "COMPLETE")
            meta = (obj.get("response") or {}).get("meta") or {}
            units = meta.get("billed_units") or {}
            self.end.usage_from(units.get("input_tokens"), units.get("output_tokens"))
            return []
        if obj.get("event_type", "text-generation") != "text-generation":
            return []
        text = obj.get("text")
        return [] if text == END_MARKER else text_delta(text)

    def _whole(self, generations: list[Any]) -> list[Output]:
        """The non-streamed answer: generation 0 (the first one without another index)."""
        first = next(
            (g for g in generations if isinstance(g, dict) and _first_generation(g)),
            None,
        )
        if first is None:
            return []
        self.end.stop_reason = str(first.get("finish_reason") or "COMPLETE")
        return text_delta(first.get("text"))


def _first_generation(obj: dict[str, Any]) -> bool:
    index = obj.get("index")
    return index is None or count(index) == 0


class MistralParser(NativeParser):
    """Mistral: `outputs[0].text` (prompt bodies) or `choices[0].message.content` (chat bodies).

    Chat bodies (Mistral Large 2407 and later) stream whole `message` objects with a
    `stop_reason`, not OpenAI's `delta`/`finish_reason`:
    https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-mistral-chat-completion.html
    """

    provider = "mistral"

    def on_chunk(self, obj: dict[str, Any]) -> list[Output]:
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

    def on_chunk(self, obj: dict[str, Any]) -> list[Output]:
        usage = obj.get("usage") or {}
        self.end.usage_from(usage.get("prompt_tokens"), usage.get("completion_tokens"))
        choices = obj.get("choices") or [{}]
        first = choices[0] if isinstance(choices[0], dict) else {}
        if first.get("finish_reason"):
            self.end.stop_reason = str(first["finish_reason"])
        return text_delta((first.get("delta") or {}).get("content"))
