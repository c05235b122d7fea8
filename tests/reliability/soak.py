"""The soak: many echo streams of random Unicode text through the twin, and the memory they use.

Every stream must come back byte for byte and end with `done`; each environment's resident
memory (VmRSS, from /proc) is read once the environments are warm and again at the end.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from local.bedrock.answers import tokenize
from tests.e2e.chat.twin import ChatTwin
from tests.e2e.handler_twin.exchange import echo, post
from tests.e2e.handler_twin.wire import starts
from tests.reliability.seen import seen

FAST = "rate=100000 ttft_ms=0"
FORMATS = ("sse", "ndjson", "openai_stream")
# Runs of text from scripts, emoji, separators, combining marks and controls that a careless
# encoder, splitter or client breaks; plus any code point that UTF-8 can carry.
_RUNS = (
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,;:!?'\"-()[]{}<>/\\@#$%&*",
    "äöüßéèêñçåøæœÀÉÎÕÜ",
    "日本語のテキスト漢字中文한국어",
    "Ελληνικά кириллица עברית العربية हिन्दी ไทย",
    "😀🐍👍🏽👩\u200d👩\u200d👧\u200d👦🇯🇵🎉🧪",
    "\n\r\t \u2028\u2029\x85\u00a0\u200b\ufeff",
    "e\u0301a\u0308",
    "\x00\x01\x1b\x1f\x7f",
    'data: {"x": 1}\n\nevent: done\n: comment\n',
)
_SURROGATES = range(0xD800, 0xE000)  # not characters: UTF-8 cannot carry them


def random_text(rng: random.Random, size: int) -> str:
    """`size` characters of random Unicode text, in runs from _RUNS and the whole range."""
    out: list[str] = []
    while len(out) < size:
        run = rng.randint(1, 40)
        if rng.random() < 0.8:
            alphabet = rng.choice(_RUNS)
            out.extend(rng.choice(alphabet) for _ in range(run))
        else:
            for _ in range(run):
                point = rng.randint(0x20, 0x10FFFF)
                out.append(chr(0xFFFD if point in _SURROGATES else point))
    return "".join(out[:size])


@dataclass
class SoakFigures:
    """What a soak measured (docs/RELIABILITY.md)."""

    streams: int = 0
    done: int = 0
    exact: int = 0
    answer_bytes: int = 0
    seconds: float = 0.0
    environments: int = 0
    rss_warm_kib: dict[str, int] = field(default_factory=dict)
    rss_end_kib: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def growth_kib(self) -> dict[str, int]:
        """RSS growth of each environment measured both times."""
        common = self.rss_warm_kib.keys() & self.rss_end_kib.keys()
        return {env: self.rss_end_kib[env] - self.rss_warm_kib[env] for env in sorted(common)}

    def lines(self) -> list[str]:
        """The figures as text."""
        growth = self.growth_kib()
        warm = list(self.rss_warm_kib.values())
        return [
            f"streams {self.streams}, ended by done {self.done}, byte-exact {self.exact}",
            f"answer bytes {self.answer_bytes} in {self.seconds:.1f} s "
            f"({self.streams / max(self.seconds, 1e-9):.1f} streams/s)",
            f"environments {self.environments}; RSS after warm-up "
            f"{min(warm, default=0) // 1024}-{max(warm, default=0) // 1024} MiB; growth to "
            f"the end per environment: max {max(growth.values(), default=0)} KiB, mean "
            f"{sum(growth.values()) // max(len(growth), 1)} KiB",
        ]


def rss_kib(pid: int | None) -> int | None:
    """A process's resident set size (VmRSS) in KiB, None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (OSError, TypeError):
        return None
    line = next((line for line in status.splitlines() if line.startswith("VmRSS:")), None)
    return int(line.split()[1]) if line else None


def environment_rss(twin: ChatTwin) -> dict[str, int]:
    """VmRSS of every live environment of the twin."""
    found = {}
    for env in twin.function_url.pool.started:
        size = rss_kib(env.pid) if env.alive else None
        if size is not None:
            found[env.env_id] = size
    return found


def _one(twin: ChatTwin, text: str, fmt: str) -> tuple[str, int]:
    """One stream: (what went wrong, or "", the answer's UTF-8 bytes)."""
    body: dict[str, object]
    if fmt == "openai_stream":
        body = {"messages": [{"role": "user", "content": echo(text, FAST)}], "stream": True}
        received = post(twin, body, path="/v1/chat/completions")
    else:
        received = post(twin, {"prompt": echo(text, FAST), "format": fmt})
    got = seen(fmt, received)
    if got.end != "done" or not received.complete:
        return f"{fmt}: ended {got.end} ({received.status})", 0
    if got.text != text:
        return f"{fmt}: text differs from {len(text)} characters sent", 0
    return "", len(text.encode("utf-8"))


def _round(twin: ChatTwin, texts: Sequence[str], concurrency: int, out: SoakFigures) -> None:
    formats = [FORMATS[i % len(FORMATS)] for i in range(len(texts))]
    with ThreadPoolExecutor(concurrency) as pool:
        for problem, size in pool.map(lambda a: _one(twin, *a), zip(texts, formats, strict=True)):
            out.streams += 1
            if problem:
                out.failures.append(problem)
            else:
                out.done += 1
                out.exact += 1
                out.answer_bytes += size


def soak(twin: ChatTwin, *, streams: int, concurrency: int, warmup: int, seed: int) -> SoakFigures:
    """Run `streams` echo streams, `concurrency` at a time; memory after `warmup` and at the end."""
    rng = random.Random(seed)
    texts = [random_text(rng, rng.randint(1, 2000)) for _ in range(streams)]
    figures = SoakFigures()
    started = time.monotonic()
    _round(twin, texts[:warmup], concurrency, figures)
    figures.rss_warm_kib = environment_rss(twin)
    _round(twin, texts[warmup:], concurrency, figures)
    figures.seconds = time.monotonic() - started
    figures.rss_end_kib = environment_rss(twin)
    figures.environments = len(twin.function_url.pool.started)
    return figures


@dataclass
class Probe:
    """One environment's memory over many long streams, after it has served a few."""

    env: str = ""
    streams: int = 0
    deltas: int = 0
    rss_before_kib: int = 0
    rss_after_kib: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def growth_kib(self) -> int:
        """How much the environment's RSS grew over the probe."""
        return self.rss_after_kib - self.rss_before_kib

    def lines(self) -> list[str]:
        """The figures as text."""
        return [
            f"probe: {self.streams} streams of {self.deltas} deltas each in {self.env}: RSS "
            f"{self.rss_before_kib} KiB -> {self.rss_after_kib} KiB ({self.growth_kib:+d} KiB)"
        ]


PROBE_WARMUP = 5


def probe(twin: ChatTwin, *, streams: int, seed: int) -> Probe:
    """Long streams one after another, so that the warmest environment serves every one."""
    rng = random.Random(seed)
    # Two thousand characters of mixed scripts: about 700 deltas.
    texts = [random_text(rng, 2000) for _ in range(PROBE_WARMUP + streams)]
    out = Probe(streams=streams)
    envs: set[str] = set()
    for index, text in enumerate(texts):
        if index == PROBE_WARMUP:
            out.env = _last_env(twin)
            out.rss_before_kib = environment_rss(twin)[out.env]
        problem, _size = _one(twin, text, "sse")
        if problem:
            out.failures.append(problem)
        if index >= PROBE_WARMUP:
            envs.add(_last_env(twin))
    if envs != {out.env}:
        out.failures.append(f"the probe ran in {sorted(envs)}, not in one environment")
    out.rss_after_kib = environment_rss(twin).get(out.env, 0)
    out.deltas = len(tokenize(texts[-1]))
    return out


def _last_env(twin: ChatTwin) -> str:
    return starts(list(twin.logs))[-1][0]
