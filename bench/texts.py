"""Random Unicode text for the exactness checks: many scripts, emoji, every kind of line break."""

from __future__ import annotations

import random

# (weight, code point ranges): a piece is drawn from one pool, by weight.
_POOLS: tuple[tuple[int, tuple[tuple[int, int], ...]], ...] = (
    (30, ((0x61, 0x7A), (0x41, 0x5A), (0x30, 0x39))),  # ASCII letters and digits
    (6, ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E))),  # ASCII punctuation
    (6, ((0xC0, 0xFF), (0x100, 0x17F))),  # Latin-1 and Latin Extended-A
    (4, ((0x391, 0x3C9), (0x410, 0x44F))),  # Greek, Cyrillic
    (3, ((0x5D0, 0x5EA), (0x627, 0x64A))),  # Hebrew, Arabic (right to left)
    (6, ((0x4E00, 0x9FFF), (0x3041, 0x3096))),  # CJK ideographs, Hiragana
    (4, ((0x1F300, 0x1F5FF), (0x1F600, 0x1F64F), (0x1F900, 0x1F9FF))),  # emoji (4-byte UTF-8)
)
# Sequences that splitters and encoders get wrong.
_SPECIAL = (
    "\n",
    "\r\n",
    "\r",
    "\t",
    "\u2028",
    "\u2029",
    "\x85",
    "e\u0301",  # a combining accent
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",  # a ZWJ family
    "\U0001f1ef\U0001f1f5",  # a flag (two regional indicators)
    "\U0001f44d\U0001f3fd",  # a skin-tone modifier
    "data: x\n\n",  # looks like SSE
    '"\\',  # JSON's escapes
)


def random_text(rng: random.Random, length: int) -> str:
    """About `length` characters of mixed text, words separated by spaces."""
    weights = [weight for weight, _ in _POOLS]
    out: list[str] = []
    size = 0
    while size < length:
        if rng.random() < 0.08:
            piece = rng.choice(_SPECIAL)
        else:
            _, ranges = rng.choices(_POOLS, weights)[0]
            low, high = rng.choice(ranges)
            piece = "".join(chr(rng.randint(low, high)) for _ in range(rng.randint(1, 7)))
        out.append(piece + " ")
        size += len(piece) + 1
    return "".join(out)
