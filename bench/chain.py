"""Latency a user sees, ours against the peer, over the same local Bedrock.

Three clients ask for the same paced answer in turn, each round in a rotated order: one reads
the local Bedrock directly with boto3, one goes through the local Function URL (our function),
one through the FastAPI peer. The local Bedrock notes when it sends each delta, so every delta
is timed from there: Bedrock's own pacing drops out, and what is left is the path.

- Chain-added latency of a delta: its latency through a path minus the latency of the same
  delta at the direct client, in the same round.
- TTFB overhead: from the request sent to the `start` event received, minus the direct
  client's time for ConverseStream to answer, in the same round.
"""

from __future__ import annotations

import dataclasses
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config as BotoConfig

from bench.http_stream import post_sse
from bench.twin_server import CREDENTIALS
from local.bedrock import BedrockEmulator
from local.bedrock import handler as bedrock_handler
from local.bedrock.script import Send, Step
from local.bedrock.service import StreamReply

_MARKER = re.compile(rb"bench-[0-9a-f]{16}")
_DELTA_EVENT = b"contentBlockDelta"  # the :event-type header of a Converse delta
_NOT_TEXT = (b"reasoningContent", b"toolUse")  # deltas of reasoning and tool input
_REPLY = "reply"  # the name local/bedrock/handler.py calls to turn a request into its reply
KINDS = ("direct", "ours", "peer")


class StampedBedrock(BedrockEmulator):
    """The local Bedrock, also noting when it sends each delta of a marked request.

    The server turns each request into a reply whose `steps` it then writes one by one
    (local/bedrock/handler.py). The reply function it calls is wrapped while this emulator
    runs, so that each `contentBlockDelta` message is stamped (time.monotonic) as the server
    takes it to write: the emission time of every delta, whatever the pacing did.
    """

    def __init__(self) -> None:
        super().__init__()
        self.sent: dict[str, list[float]] = {}
        self._original: Callable[..., Any] | None = None

    def start(self) -> StampedBedrock:
        """Serve, with the reply function wrapped."""
        original = self._original = getattr(bedrock_handler, _REPLY)

        def stamped_reply(*args: Any, **kwargs: Any) -> Any:
            answer = original(*args, **kwargs)
            marker = _find_marker(args, kwargs)
            if isinstance(answer, StreamReply) and marker:
                times = self.sent.setdefault(marker, [])
                return dataclasses.replace(answer, steps=_stamped(answer.steps, times))
            return answer

        setattr(bedrock_handler, _REPLY, stamped_reply)
        super().start()
        return self

    def stop(self) -> None:
        """Stop serving and restore the reply function."""
        super().stop()
        if self._original is not None:
            setattr(bedrock_handler, _REPLY, self._original)
            self._original = None


def _find_marker(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, bytes) and (found := _MARKER.search(value)):
            return found.group().decode()
    return None


def _is_text_delta(message: bytes) -> bool:
    return _DELTA_EVENT in message and not any(kind in message for kind in _NOT_TEXT)


def _stamped(steps: Iterator[Step], times: list[float]) -> Iterator[Step]:
    for step in steps:
        if isinstance(step, Send) and _is_text_delta(step.data):
            times.append(time.monotonic())
        yield step


@contextmanager
def stamped_bedrock() -> Iterator[StampedBedrock]:
    """A running StampedBedrock."""
    emulator = StampedBedrock()
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@dataclass
class Sample:
    """One request on one path: when sent, when it answered (`start`), when each delta came."""

    marker: str
    sent_at: float = 0.0
    first_at: float = 0.0
    deltas: list[float] = field(default_factory=list)
    ok: bool = False


@dataclass
class ChainResult:
    """Per-delta chain-added latency (ms) and per-request TTFB overhead (ms), ours and peer's."""

    chain_ms: dict[str, list[float]] = field(default_factory=dict)
    ttfb_ms: dict[str, list[float]] = field(default_factory=dict)
    bedrock_ttfb_ms: list[float] = field(default_factory=list)
    direct_delta_ms: list[float] = field(default_factory=list)
    rounds: int = 0
    dropped_rounds: int = 0


def bedrock_client(url: str) -> Any:
    """A boto3 bedrock-runtime client for the local Bedrock, retries off."""
    config = BotoConfig(retries={"total_max_attempts": 1}, read_timeout=60)
    return boto3.client(
        "bedrock-runtime",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=config,
    )


def prompt(directives: str) -> tuple[str, str]:
    """A prompt the local Bedrock answers as directed, with a marker to find its arrival."""
    marker = f"bench-{uuid.uuid4().hex[:16]}"
    return marker, f"#! {directives}\n{marker} a short question about streaming"


def read_direct(client: Any, model: str, directives: str) -> Sample:
    """ConverseStream straight from the local Bedrock: when it answered, when each delta came."""
    marker, text = prompt(directives)
    sample = Sample(marker)
    sample.sent_at = time.monotonic()
    response = client.converse_stream(
        modelId=model,
        messages=[{"role": "user", "content": [{"text": text}]}],
        inferenceConfig={"maxTokens": 1024},
    )
    sample.first_at = time.monotonic()
    for event in response["stream"]:
        if "contentBlockDelta" in event:
            sample.deltas.append(time.monotonic())
    sample.ok = True
    return sample


def read_url(base_url: str, model: str, directives: str) -> Sample:
    """The same through an HTTP endpoint that answers POST /chat with SSE (ours, the peer)."""
    marker, text = prompt(directives)
    read = post_sse(base_url, "/chat", {"prompt": text, "model": model})
    start = read.first("start")
    sample = Sample(marker, sent_at=read.sent_at, first_at=start.at if start else 0.0)
    sample.deltas = [event.at for event in read.deltas]
    sample.ok = read.status == 200 and read.complete and start is not None
    sample.ok = sample.ok and read.first("done") is not None
    return sample


def _readers(client: Any, urls: dict[str, str], model: str) -> dict[str, Callable[[str], Sample]]:
    return {
        "direct": lambda d: read_direct(client, model, d),
        "ours": lambda d: read_url(urls["ours"], model, d),
        "peer": lambda d: read_url(urls["peer"], model, d),
    }


def _round(
    readers: dict[str, Callable[[str], Sample]], directives: str, turn: int
) -> dict[str, Sample]:
    order = KINDS[turn % 3 :] + KINDS[: turn % 3]  # rotate, so no path always goes first
    return {kind: readers[kind](directives) for kind in order}


def measure(
    bedrock: StampedBedrock,
    urls: dict[str, str],
    model: str,
    *,
    rounds: int,
    ttfb_rounds: int,
    tokens: int = 40,
    rate: int = 100,
    progress: Callable[[str], None] = lambda _line: None,
) -> ChainResult:
    """Run the paced rounds (chain latency) and the short rounds (TTFB), after a warm-up."""
    client = bedrock_client(bedrock.url)
    readers = _readers(client, urls, model)
    paced = f"tokens={tokens} ttft_ms=0 rate={rate}"
    short = "tokens=1 ttft_ms=0 rate=100000"
    for turn in range(3):  # warm: connections, the function's environment, imports
        _round(readers, short, turn)
    result = ChainResult(chain_ms={"ours": [], "peer": []}, ttfb_ms={"ours": [], "peer": []})
    for turn in range(rounds):
        samples = _round(readers, paced, turn)
        result.rounds += 1
        if not _add_chain(result, samples, bedrock.sent, tokens):
            result.dropped_rounds += 1
        if (turn + 1) % max(1, rounds // 5) == 0:
            progress(f"chain latency: round {turn + 1}/{rounds}")
    for turn in range(ttfb_rounds):
        samples = _round(readers, short, turn)
        if all(s.ok for s in samples.values()):
            direct = samples["direct"]
            bedrock_ms = (direct.first_at - direct.sent_at) * 1000
            result.bedrock_ttfb_ms.append(bedrock_ms)
            for kind in ("ours", "peer"):
                own = samples[kind]
                result.ttfb_ms[kind].append((own.first_at - own.sent_at) * 1000 - bedrock_ms)
    progress(f"ttfb: {ttfb_rounds} rounds")
    return result


def _add_chain(
    result: ChainResult, samples: dict[str, Sample], sent: dict[str, list[float]], tokens: int
) -> bool:
    """Add one round's per-delta differences; False (nothing added) if any path failed."""
    latency: dict[str, list[float]] = {}
    for kind, sample in samples.items():
        emitted = sent.get(sample.marker, [])
        if not sample.ok or not len(sample.deltas) == len(emitted) == tokens:
            return False
        latency[kind] = [got - put for got, put in zip(sample.deltas, emitted, strict=True)]
    direct = latency["direct"]
    result.direct_delta_ms += [d * 1000 for d in direct]
    for kind in ("ours", "peer"):
        pairs = zip(latency[kind], direct, strict=True)
        result.chain_ms[kind] += [(own - d) * 1000 for own, d in pairs]
    return True
