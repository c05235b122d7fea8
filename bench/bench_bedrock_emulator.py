"""Local Bedrock budgets: cost per event through boto3, pacing accuracy, concurrent streams.

Run: ``.venv/bin/python bench/bench_bedrock_emulator.py``. Prints a table.
"""

from __future__ import annotations

import itertools
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from local.bedrock import BedrockEmulator  # noqa: E402

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


def _client(url: str) -> Any:
    config = Config(retries={"total_max_attempts": 1}, max_pool_connections=256, read_timeout=30)
    return boto3.client(
        "bedrock-runtime",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="y",
        config=config,
    )


def _arrivals(client: Any, directive: str) -> list[float]:
    messages = [{"role": "user", "content": [{"text": f"#! {directive}\nbench"}]}]
    stream = client.converse_stream(modelId=MODEL, messages=messages)["stream"]
    return [time.perf_counter() for event in stream if "contentBlockDelta" in event]


def per_event_cost(client: Any, tokens: int = 5000) -> tuple[float, float]:
    """Microseconds per delta event (server encode + HTTP chunk + boto3 parse), events/s."""
    started = time.perf_counter()
    arrivals = _arrivals(client, f"tokens={tokens} ttft_ms=0 rate=100000")
    elapsed = arrivals[-1] - started
    return elapsed / tokens * 1e6, tokens / elapsed


def pacing(client: Any, rate: int = 50, tokens: int = 60) -> tuple[float, float, float]:
    """Lateness of delta gaps over the planned 1/rate, in ms: median, p95, max."""
    arrivals = _arrivals(client, f"tokens={tokens} ttft_ms=0 rate={rate}")
    late = sorted((b - a - 1 / rate) * 1000 for a, b in itertools.pairwise(arrivals))
    return statistics.median(late), late[int(0.95 * (len(late) - 1))], late[-1]


def concurrent(url: str, streams: int, tokens: int = 40, rate: int = 50) -> tuple[int, float]:
    """How many of `streams` parallel streams finished, and the wall time."""
    done: list[int] = []
    client = _client(url)

    def one() -> None:
        try:
            if len(_arrivals(client, f"tokens={tokens} ttft_ms=0 rate={rate}")) == tokens:
                done.append(1)
        except Exception as exc:  # counted as not finished
            print(f"stream failed: {exc!r}", file=sys.stderr)

    started = time.perf_counter()
    threads = [threading.Thread(target=one) for _ in range(streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return len(done), time.perf_counter() - started


def main() -> None:
    """Run every measurement and print the table."""
    with BedrockEmulator() as emulator:
        client = _client(emulator.url)
        _arrivals(client, "tokens=10 ttft_ms=0 rate=100000")  # warm the connection pool
        micros, per_s = per_event_cost(client)
        median, p95, worst = pacing(client)
        print("| measurement | value |\n|---|---|")
        print(f"| cost per delta event through boto3 | {micros:.0f} us ({per_s:.0f} events/s) |")
        lateness = f"{median:.2f} / {p95:.2f} / {worst:.2f} ms"
        print(f"| gap lateness at 50 tokens/s (median / p95 / max) | {lateness} |")
        for streams in (10, 50, 100, 200):
            finished, wall = concurrent(emulator.url, streams)
            print(
                f"| {streams} concurrent streams of 0.8 s | {finished} finished in {wall:.2f} s |"
            )


if __name__ == "__main__":
    main()
