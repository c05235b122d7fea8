"""Pure planning of the local model's answer: tokens, default text, continuation, limits."""

from __future__ import annotations

import hashlib
import re

from local.bedrock.directives import Directives, split_directives
from local.bedrock.model import Plan, Prompt, StopReason

DEFAULT_TTFT_MS = 300
DEFAULT_RATE = 50.0  # tokens per second, about what Claude 3 Haiku streams
DEFAULT_FAULT_AFTER = 3
_MIN_DEFAULT, _SPREAD_DEFAULT = 40, 80  # default answers have 40..119 tokens

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


def plan_answer(prompt: Prompt, directives: Directives | None = None) -> Plan:
    """Decide the answer's deltas, stop reason and pacing for one request."""
    if directives is None:
        directives, rest = split_directives(prompt.user_text)
    else:
        rest = split_directives(prompt.user_text)[1]
    full = rest if directives.echo else default_answer(rest, directives.tokens)
    text, stop = _apply_stops(continue_after(full, prompt.prefix), prompt.stop_sequences)
    deltas = tokenize(text)
    reason: StopReason = "end_turn" if stop is None else "stop_sequence"
    if prompt.max_tokens is not None and len(deltas) > prompt.max_tokens:
        deltas, reason, stop = deltas[: prompt.max_tokens], "max_tokens", None
    ttft_ms = DEFAULT_TTFT_MS if directives.ttft_ms is None else directives.ttft_ms
    after = DEFAULT_FAULT_AFTER if directives.after is None else directives.after
    return Plan(
        deltas=tuple(deltas),
        stop_reason=reason,
        stop_sequence=stop,
        input_tokens=count_tokens(prompt.user_text, prompt.prefix, *prompt.context),
        ttft_s=ttft_ms / 1000,
        interval_s=1 / (directives.rate or DEFAULT_RATE),
        fault=directives.fault,
        after=min(after, len(deltas)),
        stall_s=30.0 if directives.stall_s is None else directives.stall_s,
    )
