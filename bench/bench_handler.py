"""Handler overhead: boto3-shaped event in -> bytes written (per delta), and request -> start.

Run: .venv/bin/python bench/bench_handler.py [--deltas N] [--requests N]
No Bedrock and no network: a fake client yields boto3-shaped events, a fake stream records the
time of every write. Budgets (issue 4): per delta p50 < 50 us; request -> start < 5 ms warm.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "lambda_src"), str(ROOT)]
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "bench")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

from bedrock_stream.app import App  # noqa: E402
from bedrock_stream.config import Config  # noqa: E402
from bedrock_stream.converse import ConverseMapper  # noqa: E402
from bedrock_stream.encoders import SseEncoder  # noqa: E402
from bedrock_stream.handler import build_handler  # noqa: E402

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
PIECE = "Hello, wor"  # a typical 2-3 token delta


class Context:
    aws_request_id = "bench-0001"
    invoked_function_arn = "arn:aws:lambda:us-east-1:111122223333:function:bench"
    function_name = "bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


class Stream:
    """Records perf_counter_ns of the start event and of each delta write."""

    def __init__(self, written: threading.Event | None = None) -> None:
        self.started = False
        self.start_ns = 0
        self.delta_ns: list[int] = []
        self.written = written

    def start(
        self,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        cookies: Sequence[str] | None = None,
    ) -> None:
        self.started = True

    def write(self, data: bytes | str) -> None:
        now = time.perf_counter_ns()
        if not self.start_ns:
            self.start_ns = now  # the `start` event
        elif isinstance(data, bytes) and data.startswith(b"event: delta"):
            self.delta_ns.append(now)
            if self.written is not None:
                self.written.set()

    def close(self) -> None:
        pass


class LockstepEvents:
    """Yields one delta, stamps it, and waits until it was written: no queueing in the numbers."""

    def __init__(self, n: int, written: threading.Event) -> None:
        self.n = n
        self.written = written
        self.yield_ns: list[int] = []

    def __iter__(self) -> Iterator[dict[str, Any]]:
        yield {"messageStart": {"role": "assistant"}}
        for _ in range(self.n):
            self.written.clear()
            self.yield_ns.append(time.perf_counter_ns())
            yield {"contentBlockDelta": {"delta": {"text": PIECE}, "contentBlockIndex": 0}}
            self.written.wait(5)
        yield {"messageStop": {"stopReason": "end_turn"}}
        yield {"metadata": {"usage": {"inputTokens": 10, "outputTokens": self.n}}}

    def close(self) -> None:
        pass


class Client:
    def __init__(self, make: Any) -> None:
        self.make = make

    def converse_stream(self, **kwargs: Any) -> Any:
        return {"stream": self.make()}

    def invoke_model_with_response_stream(self, **kwargs: Any) -> Any:
        raise NotImplementedError


def event() -> dict[str, Any]:
    return {
        "version": "2.0",
        "rawPath": "/chat",
        "headers": {"accept": "text/event-stream", "content-type": "application/json"},
        "requestContext": {"http": {"method": "POST", "path": "/chat"}, "requestId": "r"},
        "body": '{"prompt": "Say hello", "max_tokens": 256}',
        "isBase64Encoded": False,
    }


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def bench_per_delta(n: int) -> list[float]:
    """Handler overhead per delta through the real reader thread, queue, mapper and encoder."""
    written = threading.Event()
    source = LockstepEvents(n, written)
    app = App.from_config(
        Config(allowed_models=(MODEL,), default_model=MODEL), Client(lambda: source)
    )
    stream = Stream(written)
    build_handler(lambda: app)(event(), Context(), stream=stream)
    pairs = zip(source.yield_ns, stream.delta_ns, strict=True)
    return [(w - y) / 1000 for y, w in pairs][n // 10 :]  # drop warm-up


def bench_in_thread(n: int) -> list[float]:
    """Mapping and encoding alone (no thread handoff), for reference."""
    mapper, encoder = ConverseMapper(), SseEncoder()
    raw = {"contentBlockDelta": {"delta": {"text": PIECE}, "contentBlockIndex": 0}}
    out = []
    for _ in range(n):
        t = time.perf_counter_ns()
        for delta in mapper.feed(raw):
            encoder.encode(delta)
        out.append((time.perf_counter_ns() - t) / 1000)
    return out[n // 10 :]


def bench_request_to_start(n: int) -> list[float]:
    """Request in -> `start` event written, warm, with a client that answers at once."""

    def empty() -> Iterator[dict[str, Any]]:
        yield {"messageStop": {"stopReason": "end_turn"}}

    class Events:
        def __iter__(self) -> Iterator[dict[str, Any]]:
            return empty()

        def close(self) -> None:
            pass

    app = App.from_config(Config(allowed_models=(MODEL,), default_model=MODEL), Client(Events))
    handler = build_handler(lambda: app)
    out = []
    for _ in range(n):
        stream = Stream()
        t = time.perf_counter_ns()
        handler(event(), Context(), stream=stream)
        out.append((stream.start_ns - t) / 1000)
    return out[max(1, n // 10) :]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deltas", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    # Keep the handler's per-request log line and EMF out of the measurement output.
    devnull = open(os.devnull, "w")  # noqa: SIM115 - for the whole run
    real_stdout, sys.stdout = sys.stdout, devnull
    try:
        per_delta = bench_per_delta(args.deltas)
        in_thread = bench_in_thread(args.deltas)
        to_start = bench_request_to_start(args.requests)
    finally:
        sys.stdout = real_stdout
    rows = [
        ("per delta: boto3 event -> bytes written (reader thread)", per_delta, 50.0),
        ("per delta: map + encode only (same thread)", in_thread, None),
        ("request in -> start event written (warm)", to_start, 5000.0),
    ]
    print(f"{'measurement':58} {'n':>6} {'p50 us':>9} {'p95 us':>9} {'mean us':>9} {'budget':>9}")
    for name, values, budget in rows:
        p50 = pct(values, 50)
        verdict = "" if budget is None else (f"{budget:>7.0f} {'ok' if p50 < budget else 'OVER'}")
        print(
            f"{name:58} {len(values):>6} {p50:>9.1f} {pct(values, 95):>9.1f} "
            f"{statistics.fmean(values):>9.1f} {verdict:>9}"
        )


if __name__ == "__main__":
    main()
