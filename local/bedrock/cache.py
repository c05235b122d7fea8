"""The emulator's prompt cache: which prefixes were written, and what a request reads back.

Bedrock caches the prompt up to each cache point; a later request with the same prefix reads
it (`cacheReadInputTokens`), a new one writes it (`cacheWriteInputTokens`). A checkpoint needs
the family's minimum tokens since the previous one, or nothing is cached for it.
https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html
The emulator keeps prefixes in memory per server, without expiry (Bedrock's TTL is 5 minutes;
tests are shorter), and counts tokens with its own tokenizer (answers.tokenize, one token per
750 attachment bytes), so counts are the emulator's, not the model's.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from local.bedrock.model import CachePrefix, Usage

_MAX_ENTRIES = 4096  # oldest prefixes are forgotten first


def checkpoints(prefixes: Sequence[CachePrefix], min_tokens: int) -> list[CachePrefix]:
    """The cache points that qualify: each at least `min_tokens` after the previous one."""
    chosen: list[CachePrefix] = []
    for prefix in prefixes:
        since = prefix.tokens - (chosen[-1].tokens if chosen else 0)
        if since >= max(1, min_tokens):
            chosen.append(prefix)
    return chosen


def usage(seen: set[str], chosen: Sequence[CachePrefix], total: int) -> Usage:
    """Read the longest prefix already cached, write the rest up to the last checkpoint."""
    hits = [prefix.tokens for prefix in chosen if prefix.key in seen]
    read = max(hits, default=0)
    last = chosen[-1] if chosen else None
    write = last.tokens - read if last is not None and last.key not in seen else 0
    return Usage(
        input_tokens=max(0, total - read - write), cache_read=read, cache_write=write, cached=True
    )


class PromptCache:
    """Thread-safe set of cached prefix keys, shared by one emulator's requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: OrderedDict[str, None] = OrderedDict()

    def account(
        self, namespace: str, prefixes: Sequence[CachePrefix], min_tokens: int, total: int
    ) -> Usage:
        """This request's cache usage; its qualifying prefixes are cached from now on.

        Caches are per model: `namespace` (the foundation-model id) is part of every key.
        """
        chosen = [
            CachePrefix(f"{namespace}:{prefix.key}", prefix.tokens)
            for prefix in checkpoints(prefixes, min_tokens)
        ]
        with self._lock:
            result = usage(set(self._keys), chosen, total)
            for prefix in chosen:
                self._keys[prefix.key] = None
                self._keys.move_to_end(prefix.key)
            while len(self._keys) > _MAX_ENTRIES:
                self._keys.popitem(last=False)
        return result

    def clear(self) -> None:
        """Forget every cached prefix."""
        with self._lock:
            self._keys.clear()
