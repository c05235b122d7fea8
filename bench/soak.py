"""Through the twin: memory after many streams, and concurrent streams that stay byte-exact.

Every stream is an echo (docs/API.md §9: `#! echo` makes the local Bedrock answer with the rest
of the message, exactly) of random Unicode text, so the check is exact: the `delta` texts,
joined, must be the text, and the stream must end with `done`.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.http_stream import StreamRead, post_sse
from bench.servers import children, rss_mb
from bench.sse import delta_text
from bench.texts import random_text

LEVELS = (1, 5, 10, 20, 30, 40, 50)


def exact(read: StreamRead, text: str) -> bool:
    """A complete 200 SSE stream: `start`, deltas that join to exactly text, then `done`."""
    names = [event.name for event in read.events]
    return (
        read.status == 200
        and read.complete
        and bool(names)
        and names[0] == "start"
        and names[-1] == "done"
        and set(names[1:-1]) <= {"delta"}
        and delta_text(read.events).encode() == text.encode()
    )


def echo(url: str, model: str, text: str, directives: str) -> bool:
    """One echo stream through url; True when it was byte-exact."""
    read = post_sse(url, "/chat", {"prompt": f"#! echo {directives}\n{text}", "model": model}, 120)
    return exact(read, text)


@dataclass
class MemoryResult:
    """RSS of the environment that served every stream, after some counts of streams."""

    rss_mb: dict[int, float] = field(default_factory=dict)
    streams: int = 0
    inexact: int = 0
    pid: int = 0


def memory(
    url: str,
    twin_pid: int,
    model: str,
    checkpoints: tuple[int, ...],
    progress: Callable[[str], None] = lambda _line: None,
) -> MemoryResult:
    """Sequential echo streams through one warm environment; RSS at each checkpoint."""
    rng = random.Random(500)
    result = MemoryResult()
    for count in range(1, max(checkpoints) + 1):
        text = random_text(rng, rng.randint(200, 2000))
        if not echo(url, model, text, "rate=100000 ttft_ms=0"):
            result.inexact += 1
        result.streams = count
        if count == 1:
            envs = children(twin_pid)
            if len(envs) != 1:
                raise RuntimeError(f"expected one execution environment, found {envs}")
            result.pid = envs[0]
        if count in checkpoints:
            result.rss_mb[count] = rss_mb(result.pid)
            progress(f"memory: {count} streams, RSS {result.rss_mb[count]:.1f} MB")
    return result


@dataclass
class ConcurrencyResult:
    """Per level: how many of the concurrent streams were byte-exact."""

    exact: dict[int, int] = field(default_factory=dict)

    @property
    def largest_ok(self) -> int:
        """The largest level at which every stream was exact (0 if none)."""
        return max((level for level, ok in self.exact.items() if ok == level), default=0)


def concurrency(
    url: str,
    model: str,
    levels: tuple[int, ...] = LEVELS,
    progress: Callable[[str], None] = lambda _line: None,
) -> ConcurrencyResult:
    """At each level, that many echo streams at once (each about 1 s of paced deltas)."""
    rng = random.Random(50)
    result = ConcurrencyResult()
    for level in levels:
        texts = [random_text(rng, rng.randint(150, 400)) for _ in range(level)]
        outcomes = _at_once(url, model, texts)
        result.exact[level] = sum(outcomes)
        progress(f"concurrency: {level} streams, {result.exact[level]} exact")
    return result


def _at_once(url: str, model: str, texts: list[str]) -> list[bool]:
    """One echo stream per text, all released together; which were exact."""
    outcomes = [False] * len(texts)
    barrier = threading.Barrier(len(texts))

    def one(index: int) -> None:
        barrier.wait()
        outcomes[index] = echo(url, model, texts[index], "rate=100 ttft_ms=100")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
