"""Handler overhead: boto3 event in -> encoded bytes written to the runtime socket, per delta.

Run: .venv/bin/python bench/bench_handler.py [--deltas N] [--requests N]
No Bedrock: a fake client yields boto3-shaped events (each stamped as it is yielded), and the
handler writes through the runtime's real ResponseStream to a socket whose other end, in
another process, only drains it (so the Runtime API's own work is not in the numbers). A write
is stamped when `stream.write` returns, that is when the bytes are in the socket.
Budgets (issue 4, issue 12): per delta p50 < 50 us, p99 < 250 us; request -> start < 5 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "lambda_src"), str(ROOT)]
# Before bedrock_stream is imported: its Logger reads the level once, at import.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "bench")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

from bedrock_stream.app import App  # noqa: E402
from bedrock_stream.config import Config  # noqa: E402
from bedrock_stream.converse import ConverseMapper  # noqa: E402
from bedrock_stream.encoders import SseEncoder  # noqa: E402
from bedrock_stream.handler import build_handler  # noqa: E402
from streaming_runtime.client import RuntimeClient  # noqa: E402
from streaming_runtime.stream import ResponseStream  # noqa: E402

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
PIECE = "Hello, wor"  # a typical 2-3 token delta
# A process that accepts one connection and reads it to the end, discarding everything.
_DRAIN = (
    "import socket,sys\n"
    "s=socket.create_server(('127.0.0.1',0));print(s.getsockname()[1],flush=True)\n"
    "c,_=s.accept()\n"
    "while c.recv(1<<20):pass\n"
)


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


@contextlib.contextmanager
def drain() -> Iterator[RuntimeClient]:
    """A RuntimeClient whose connection goes to a draining process."""
    process = subprocess.Popen(
        [sys.executable, "-c", _DRAIN], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        client = RuntimeClient(f"127.0.0.1:{port}")
        yield client
        client.connection.close()
        process.wait(10)
    finally:
        process.kill()
        process.wait()


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Keep the handler's EMF metrics (printed to stdout) out of the output."""
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        yield


@dataclass
class SocketStream:
    """The runtime's ResponseStream, stamping (perf_counter_ns) when writes return."""

    inner: ResponseStream
    written: threading.Event | None = None
    start_ns: int = 0
    delta_ns: list[int] = field(default_factory=list)

    @property
    def started(self) -> bool:
        return self.inner.started

    def start(
        self,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        cookies: Sequence[str] | None = None,
    ) -> None:
        self.inner.start(status, headers, cookies)

    def write(self, data: bytes | str) -> None:
        self.inner.write(data)
        now = time.perf_counter_ns()
        if not self.start_ns:
            self.start_ns = now  # the `start` event
        elif isinstance(data, bytes) and data.startswith(b"event: delta"):
            self.delta_ns.append(now)
            if self.written is not None:
                self.written.set()

    def close(self) -> None:
        """Left open: the drain never answers, and the next request reuses the connection."""


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
    """Microseconds per delta through the real reader thread, queue, mapper, encoder, socket."""
    written = threading.Event()
    source = LockstepEvents(n, written)
    app = App.from_config(
        Config(allowed_models=(MODEL,), default_model=MODEL), Client(lambda: source)
    )
    with drain() as client, quiet():
        stream = SocketStream(ResponseStream(client, "bench-0001"), written)
        build_handler(lambda: app)(event(), Context(), stream=stream)
    pairs = zip(source.yield_ns, stream.delta_ns, strict=True)
    return [(w - y) / 1000 for y, w in pairs][n // 10 :]  # drop warm-up


def bench_in_thread(n: int) -> list[float]:
    """Mapping and encoding alone (no thread handoff, no socket), for reference."""
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
    """Request in -> `start` event in the socket, warm, with a client that answers at once."""

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
    with drain() as client, quiet():
        for index in range(n):
            stream = SocketStream(ResponseStream(client, f"bench-{index}"))
            t = time.perf_counter_ns()
            handler(event(), Context(), stream=stream)
            out.append((stream.start_ns - t) / 1000)
    return out[max(1, n // 10) :]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deltas", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    per_delta = bench_per_delta(args.deltas)
    in_thread = bench_in_thread(args.deltas)
    to_start = bench_request_to_start(args.requests)
    rows = [
        ("per delta: boto3 event -> bytes in the socket (p50)", per_delta, 50, 50.0),
        ("per delta: boto3 event -> bytes in the socket (p99)", per_delta, 99, 250.0),
        ("per delta: map + encode only (same thread)", in_thread, 50, None),
        ("request in -> start event in the socket (warm)", to_start, 50, 5000.0),
    ]
    print(f"{'measurement':56} {'n':>6} {'pXX us':>9} {'mean us':>9} {'budget':>11}")
    for name, values, p, budget in rows:
        value = pct(values, p)
        verdict = "" if budget is None else f"{budget:>7.0f} {'ok' if value < budget else 'OVER'}"
        print(
            f"{name:56} {len(values):>6} {value:>9.1f} {statistics.fmean(values):>9.1f} "
            f"{verdict:>11}"
        )


if __name__ == "__main__":
    main()
