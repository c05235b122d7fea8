"""Local Function URL budgets: added latency per chunk, and concurrent streams sustained.

Run: ``.venv/bin/python bench/bench_twin.py [--streams 10,25,50,100]``. Prints a table.

Latency per chunk is measured two ways on the one machine clock (CLOCK_MONOTONIC is shared
by processes): from the function's ``stream.write`` (a timestamp inside the chunk) to the
client's read, and from the chunk's arrival at the Runtime API to the client's read (the
twin's own share: parse, forward, flush).
"""

from __future__ import annotations

import argparse
import http.client
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from local.function_url import UrlConfig  # noqa: E402
from local.function_url.twin import LocalFunctionUrl  # noqa: E402
from local.lambda_env import FunctionConfig  # noqa: E402


@dataclass
class Stream:
    """What one client saw."""

    status: int = 0
    complete: bool = False
    request_id: str = ""
    arrivals: list[tuple[float, bytes]] = field(default_factory=list)


def _task_root(tmp: Path) -> Path:
    (tmp / "bootstrap").symlink_to(ROOT / "lambda_src" / "bootstrap")
    (tmp / "streaming_runtime").symlink_to(ROOT / "lambda_src" / "streaming_runtime")
    (tmp / "streamer.py").symlink_to(ROOT / "tests" / "e2e" / "functions" / "streamer.py")
    return tmp


def _read(port: int, path: str) -> Stream:
    result = Stream()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        result.status = response.status
        result.request_id = response.getheader("x-amzn-RequestId") or ""
        buffer = b""
        while data := response.read1(65536):
            now = time.monotonic()
            buffer += data
            # One arrival per complete line: a line is one write of the function.
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                result.arrivals.append((now, line))
        result.complete = True
    except (OSError, http.client.HTTPException):
        result.complete = False
    finally:
        conn.close()
    return result


def _api_arrivals(twin: LocalFunctionUrl, request_id: str) -> list[float]:
    for env in twin.pool.started:
        for request in list(env.api.requests):
            if request.path.endswith(f"/{request_id}/response"):
                # The first chunk is the prelude; the delimiter may come with it or alone.
                return [t for t, data in request.chunks if data.startswith(b"chunk ")]
    return []


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _run(twin: LocalFunctionUrl, streams: int, chunks: int, delay_ms: int) -> dict[str, float]:
    port = int(twin.base_url.rsplit(":", 1)[1])
    path = f"/chunks?n={chunks}&delay_ms={delay_ms}"
    results: list[Stream] = [Stream() for _ in range(streams)]
    barrier = threading.Barrier(streams)

    def client(index: int) -> None:
        barrier.wait()
        results[index] = _read(port, path)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    from_write: list[float] = []
    from_api: list[float] = []
    for result in results:
        api = _api_arrivals(twin, result.request_id)
        for index, (arrived, line) in enumerate(result.arrivals):
            from_write.append(arrived - float(line.split()[2]))
            if index < len(api):
                from_api.append(arrived - api[index])
    ok = sum(r.status == 200 and r.complete and len(r.arrivals) == chunks for r in results)
    return {
        "streams": streams,
        "ok": ok,
        "envs": len(twin.pool.started),
        "wall_s": wall,
        "write_p50": _percentile(from_write, 0.5) * 1000,
        "write_p95": _percentile(from_write, 0.95) * 1000,
        "api_p50": _percentile(from_api, 0.5) * 1000,
        "api_p95": _percentile(from_api, 0.95) * 1000,
    }


def twin_share(chunks: int = 40, delay_ms: int = 20, requests: int = 100) -> dict[str, float]:
    """The twin's own share, with the test streamer in an in-process twin: one warm stream's
    latency row, and `first_byte_ms_p50`, request sent to first byte of a one-chunk answer."""
    with tempfile.TemporaryDirectory() as tmp:
        function = FunctionConfig(
            task_root=_task_root(Path(tmp)), handler="streamer.handler", timeout_s=120
        )
        with LocalFunctionUrl(
            function, UrlConfig(), max_concurrency=1, log=lambda _l: None
        ) as twin:
            _run(twin, 1, 2, 0)  # cold start
            row = _run(twin, 1, chunks, delay_ms)
            port = int(twin.base_url.rsplit(":", 1)[1])
            first = [_first_byte_ms(port, "/chunks?n=1&delay_ms=0") for _ in range(requests)]
    return {**row, "first_byte_ms_p50": _percentile(first, 0.5)}


def _first_byte_ms(port: int, path: str) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.connect()
        sent = time.monotonic()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read1(1)
        elapsed = (time.monotonic() - sent) * 1000
        response.read()
        return elapsed
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--streams", default="1,10,25,50,100")
    parser.add_argument("--chunks", type=int, default=40)
    parser.add_argument("--delay-ms", type=int, default=50)
    args = parser.parse_args()
    levels = [int(n) for n in args.streams.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        function = FunctionConfig(
            task_root=_task_root(Path(tmp)), handler="streamer.handler", timeout_s=120
        )
        for streams in levels:
            twin = LocalFunctionUrl(
                function, UrlConfig(), max_concurrency=streams, log=lambda _line: None
            )
            with twin:
                cold = _run(twin, streams, args.chunks, args.delay_ms)
                warm = _run(twin, streams, args.chunks, args.delay_ms)
            rows += [("cold", cold), ("warm", warm)]
    print(
        f"chunks per stream: {args.chunks}, {args.delay_ms} ms apart; latency in ms "
        "(write = function's write -> client read; twin = Runtime API arrival -> client read)\n"
    )
    print("| streams | pool | ok | envs | wall s | write p50 | write p95 | twin p50 | twin p95 |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind, row in rows:
        print(
            f"| {row['streams']:.0f} | {kind} | {row['ok']:.0f} | {row['envs']:.0f} "
            f"| {row['wall_s']:.2f} | {row['write_p50']:.2f} | {row['write_p95']:.2f} "
            f"| {row['api_p50']:.2f} | {row['api_p95']:.2f} |"
        )


if __name__ == "__main__":
    main()
