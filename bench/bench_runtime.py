"""Runtime budgets: cost of one streamed chunk, start-up to the first ``GET /next``, throughput.

Run: ``.venv/bin/python bench/bench_runtime.py``. Prints a table; budgets from issues 2 and 12.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "lambda_src"), str(ROOT)]

from local.runtime_api import RuntimeApiServer  # noqa: E402
from streaming_runtime.client import RuntimeClient  # noqa: E402
from streaming_runtime.stream import ResponseStream  # noqa: E402

CHUNK = b"x" * 64
WRITES = 20_000
STARTS = 15
TASK = ROOT / "tests" / "functional" / "runtime" / "task"
BULK_TASK = ROOT / "bench" / "functions"
# Write sizes for throughput; the headline figure is 16 KiB (a page of HTML, a large chunk).
THROUGHPUT_CHUNKS = (1024, 16 * 1024, 64 * 1024)
HEADLINE_CHUNK = 16 * 1024


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return statistics.median(ordered), pick(0.95), pick(0.99)


def _sink() -> tuple[str, threading.Thread]:
    """A loopback peer that reads and discards, so only our side of ``write`` is timed."""
    listener = socket.create_server(("127.0.0.1", 0))

    def drain() -> None:
        conn, _ = listener.accept()
        while conn.recv(1 << 20):
            pass
        conn.close()
        listener.close()

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    return f"127.0.0.1:{listener.getsockname()[1]}", thread


def bench_write_call() -> list[float]:
    """Duration of ``stream.write`` (framing + sendall into the socket), in microseconds."""
    address, thread = _sink()
    client = RuntimeClient(address)
    stream = ResponseStream(client, "bench")
    stream.start(200, {"content-type": "text/event-stream"})
    samples = []
    for _ in range(WRITES):
        began = time.perf_counter_ns()
        stream.write(CHUNK)
        samples.append((time.perf_counter_ns() - began) / 1000)
    client.connection.close()
    thread.join(5)
    return samples


def bench_write_to_arrival() -> list[float]:
    """From ``write`` to the Runtime API having read the chunk off its socket, microseconds."""
    with RuntimeApiServer() as api:
        invocation = api.submit(b"{}")
        client = RuntimeClient(api.address)
        request = client.next_invocation()
        stream = ResponseStream(client, request.request_id)
        stream.start()
        sent = []
        for _ in range(2000):
            sent.append(time.monotonic())
            stream.write(CHUNK)
            time.sleep(0.0005)  # one chunk in flight at a time, like tokens
        stream.close()
        invocation.wait(5)
        assert invocation.response is not None
        arrived = [at for at, data in invocation.response.chunks if data == CHUNK]
    return [(got - put) * 1e6 for put, got in zip(sent, arrived, strict=True)]


def _spawn_ms(command: list[str], env: dict[str, str], ready: RuntimeApiServer | None) -> float:
    began = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=TASK)
    if ready is None:
        process.wait()
    else:
        assert ready.wait_ready(10)
    elapsed = (time.perf_counter() - began) * 1000
    process.kill()
    process.wait()
    return elapsed


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _bootstrap(api: RuntimeApiServer, handler: str, task: Path) -> tuple[list[str], dict[str, str]]:
    """The command and environment that start the real bootstrap on ``task`` as Lambda would."""
    env = {
        **_base_env(),
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "_HANDLER": handler,
        "LAMBDA_TASK_ROOT": str(task),
    }
    return [str(ROOT / "lambda_src" / "bootstrap"), sys.executable, "bootstrap.py"], env


def bench_startup() -> tuple[list[float], list[float]]:
    """Spawn to first ``GET /next`` through the bootstrap, and a bare interpreter start."""
    to_next, bare = [], []
    for _ in range(STARTS):
        bare.append(_spawn_ms([sys.executable, "-u", "-c", "pass"], _base_env(), None))
        with RuntimeApiServer() as api:
            command, env = _bootstrap(api, "handlers.returns_nothing", TASK)
            to_next.append(_spawn_ms(command, env, api))
    return to_next, bare


def bench_throughput(total: int, chunk: int, runs: int = 3) -> list[float]:
    """Body MB/s (10**6 bytes) the runtime sustains to a local Runtime API, one per run.

    The real bootstrap runs bench/functions/bulk.py in its own process, as in Lambda; the rate
    is the body bytes over the time from the first to the last body chunk the Runtime API read.
    """
    rates = []
    with RuntimeApiServer() as api:
        command, env = _bootstrap(api, "bulk.handler", BULK_TASK)
        process = subprocess.Popen(command, env=env, cwd=BULK_TASK, stdin=subprocess.DEVNULL)
        try:
            for _ in range(runs):
                event = json.dumps({"bytes": total, "chunk": chunk}).encode()
                invocation = api.submit(event, deadline_ms=int((time.time() + 300) * 1000))
                if not invocation.wait(300) or invocation.response is None:
                    raise RuntimeError("the bulk handler did not finish")
                body = [(at, len(data)) for at, data in invocation.response.chunks]
                body = [(at, size) for at, size in body if size == chunk]
                if len(body) * chunk != total - total % chunk:
                    raise RuntimeError(f"{len(body) * chunk} body bytes of {total} arrived")
                seconds = body[-1][0] - body[0][0]
                rates.append(sum(size for _, size in body[1:]) / seconds / 1e6)
        finally:
            process.kill()
            process.wait()
    return rates


def main() -> None:
    rows = []
    p50, p95, p99 = _percentiles(bench_write_call())
    rows.append(("stream.write() call, 64 B chunk (us)", p50, p95, p99, "p50 < 50"))
    p50, p95, p99 = _percentiles(bench_write_to_arrival())
    rows.append(("write -> read by Runtime API (us)", p50, p95, p99, "informational"))
    to_next, bare = bench_startup()
    p50, p95, p99 = _percentiles(to_next)
    rows.append(("spawn -> first GET /next (ms)", p50, p95, p99, "as small as possible"))
    b50, b95, b99 = _percentiles(bare)
    rows.append(("  of which bare `python -c pass` (ms)", b50, b95, b99, "interpreter floor"))

    print(f"{'measure':<40} {'p50':>9} {'p95':>9} {'p99':>9}  budget")
    for name, *values, budget in rows:
        print(f"{name:<40} " + " ".join(f"{v:>9.1f}" for v in values) + f"  {budget}")
    print(json.dumps({"runtime_import_overhead_ms_p50": round(p50 - b50, 1)}))
    print(f"\n{'throughput, 32 MiB body (MB/s)':<40} {'median':>9} {'min':>9} {'max':>9}  budget")
    for chunk in THROUGHPUT_CHUNKS:
        rates = bench_throughput(32 * 1024 * 1024, chunk)
        print(
            f"{f'  in writes of {chunk // 1024} KiB':<40} {statistics.median(rates):>9.1f} "
            f"{min(rates):>9.1f} {max(rates):>9.1f}  >= 50 (16 KiB writes)"
        )


if __name__ == "__main__":
    main()
