"""Pure planning of the local model's answer: tokens, default text, continuation, limits."""

from __future__ import annotations

import hashlib
import re

from local.bedrock.directives import DirectiveError, Directives, split_directives
from local.bedrock.model import Plan, Prompt, Reasoning, StopReason, ToolCall
from local.bedrock.parts import attachment_lines

DEFAULT_TTFT_MS = 300
DEFAULT_RATE = 50.0  # tokens per second, about what Claude 3 Haiku streams
DEFAULT_FAULT_AFTER = 3
_MIN_DEFAULT, _SPREAD_DEFAULT = 40, 80  # default answers have 40..119 tokens
DEFAULT_THINK = 8  # reasoning tokens when the model reasons and no `think=N` says how many
# How the emulator counts tokens it cannot tokenize: one per 750 bytes of an image or
# document (Anthropic's rule of thumb for images is width x height / 750), at least one.
_BYTES_PER_TOKEN = 750

# A token is optional leading whitespace plus a short word or a short run of symbols;
# trailing whitespace is a token of its own. Every character matches, so joining the
# tokens gives back the text exactly.
_TOKEN = re.compile(r"\s*(?:\w{1,8}|[^\w\s]{1,3})|\s+")

_WORDS = tuple(
    " ".join(
        (
            "stream streams token tokens answer model lambda function bedrock local event chunk",
            "byte bytes client server request response text word words latency time first last",
            "quick steady small clear simple careful useful exact plain every each next later",
            "arrives flows moves waits reads sends writes keeps shows counts measures checks",
        )
    ).split()
)


def tokenize(text: str) -> list[str]:
    """Split text into word-ish tokens whose concatenation is the text."""
    return _TOKEN.findall(text)


def count_tokens(*texts: str) -> int:
    """Token count of some texts, at least 1 (Bedrock never bills 0 input tokens)."""
    return max(1, sum(len(tokenize(text)) for text in texts))


def attachment_tokens(data: bytes) -> int:
    """Tokens the emulator bills for an attachment's bytes."""
    return max(1, len(data) // _BYTES_PER_TOKEN)


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def default_answer(prompt: str, tokens: int | None = None) -> str:
    """A deterministic answer derived from the prompt, `tokens` tokens long."""
    digest = _digest(prompt)
    size = tokens or _MIN_DEFAULT + int.from_bytes(digest[:2], "big") % _SPREAD_DEFAULT
    # Topic words of at most 8 letters are one token each, so the count stays exact.
    topic = [w.lower() for w in re.findall(r"\b[^\W\d_]{3,8}\b", prompt)[:4]] or ["that"]
    out: list[str] = []
    seed = int.from_bytes(digest, "big")
    words = ["About", *topic, ":"]
    while len(out) < size:
        if not words:
            seed = seed * 6364136223846793005 + 1442695040888963407 & (1 << 64) - 1
            length = 4 + seed % 9
            words = [_WORDS[(seed >> (5 * i)) % len(_WORDS)] for i in range(length)] + ["."]
            words[0] = words[0].capitalize()
        word = words.pop(0)
        out.append(word if not out or word in ".:" else " " + word)
    return "".join(out)


def continue_after(full: str, prefix: str) -> str:
    """The part of `full` after an assistant `prefix`; all of `full` if it does not start so."""
    # Bedrock refuses a final assistant message ending in whitespace, so clients strip it:
    # then the continuation starts with the stripped whitespace.
    for head in (prefix, prefix.rstrip()):
        if head and full.startswith(head):
            return full[len(head) :]
    return full


def _apply_stops(text: str, stops: tuple[str, ...]) -> tuple[str, str | None]:
    hits = sorted(
        (text.find(stop), i, stop) for i, stop in enumerate(stops) if stop and stop in text
    )
    return (text[: hits[0][0]], hits[0][2]) if hits else (text, None)


def input_total(prompt: Prompt) -> int:
    """Input tokens of a request: its texts, plus its attachments' bytes."""
    extra = sum(attachment_tokens(item.data) for item in prompt.asks.attachments)
    return count_tokens(prompt.user_text, prompt.prefix, *prompt.context) + extra


def _answer_text(prompt: Prompt, directives: Directives, rest: str) -> str:
    """What the model says: attachments lines, an echo, tool results, or the default."""
    if directives.attachments:
        return attachment_lines(prompt.asks.attachments)
    if directives.echo:
        return rest
    if prompt.asks.tool_results and not rest:
        # A user turn of tool results is answered with them (docs/API.md §12.5).
        return "tool result: " + "\n".join(prompt.asks.tool_results)
    return default_answer(rest, directives.tokens)


def _limit(
    deltas: list[str], budget: int | None, stop: str | None
) -> tuple[list[str], StopReason, str | None]:
    if budget is not None and len(deltas) > budget:
        return deltas[: max(0, budget)], "max_tokens", None
    return deltas, "end_turn" if stop is None else "stop_sequence", stop


def plan_answer(
    prompt: Prompt,
    directives: Directives | None = None,
    *,
    reasoning: Reasoning | None = None,
    tool: ToolCall | None = None,
    guardrail_text: str = "",
) -> Plan:
    """Decide the answer's deltas, stop reason and pacing for one request."""
    if directives is None:
        directives, rest = split_directives(prompt.user_text)
    else:
        rest = split_directives(prompt.user_text)[1]
    text, stop = "", None
    if tool is None:
        full = _answer_text(prompt, directives, rest)
        text, stop = _apply_stops(continue_after(full, prompt.prefix), prompt.stop_sequences)
    room = None
    if prompt.max_tokens is not None:
        room = prompt.max_tokens - (reasoning.tokens if reasoning else 0)
    deltas, reason, stop = _limit(tokenize(text), room, stop)
    if tool is not None:
        reason = "tool_use"
    ttft_ms = DEFAULT_TTFT_MS if directives.ttft_ms is None else directives.ttft_ms
    after = DEFAULT_FAULT_AFTER if directives.after is None else directives.after
    if directives.fault == "guardrail":
        deltas, reason, stop = deltas[:after], "guardrail_intervened", None
    return Plan(
        deltas=tuple(deltas),
        stop_reason=reason,
        stop_sequence=stop,
        input_tokens=input_total(prompt),
        ttft_s=ttft_ms / 1000,
        interval_s=1 / (directives.rate or DEFAULT_RATE),
        fault=directives.fault,
        after=min(after, len(deltas) + (len(tool.pieces) if tool is not None else 0)),
        stall_s=30.0 if directives.stall_s is None else directives.stall_s,
        reasoning=reasoning,
        tool=tool,
        guardrail_text=guardrail_text if directives.fault == "guardrail" else "",
    )


def reasoning_text(rest: str, tokens: int) -> tuple[str, ...]:
    """Deterministic reasoning of exactly `tokens` tokens, as deltas."""
    return tuple(tokenize(default_answer("Reasoning about " + rest, tokens)))


def check_think(directives: Directives, reasons: bool) -> None:
    """`think=N` needs a model that can reason."""
    if directives.think is not None and not reasons:
        raise DirectiveError("directive think: this model does not reason")
