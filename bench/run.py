"""`make bench` / `make bench-quick`: every measurement, then results.json, results.md, latency.png.

Run: ``.venv/bin/python bench/run.py --full|--quick|--smoke [--out DIR]``. The three files go to
bench/ (or DIR); scratch files (import-time reports, the twin's log) to bench/results/.
Progress goes to stderr. Nothing here asserts: the table says which goals were met.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [p for p in (str(ROOT / "lambda_src"), str(ROOT)) if p not in sys.path]

# bench_handler comes first: it sets the handler's log level before bedrock_stream is imported.
from bench import (  # noqa: E402
    bench_handler,
    bench_runtime,
    bench_twin,
    chain,
    cold_start,
    lambda_python,
    report,
    servers,
    soak,
)
from bench.stats import median, percentile, summary  # noqa: E402
from local.lambda_env.overrides import LOCAL_MODELS  # noqa: E402

BENCH = ROOT / "bench"
SCRATCH = BENCH / "results"
MODEL = LOCAL_MODELS[0]  # the local default model; the local Bedrock answers any id


@dataclass(frozen=True)
class Plan:
    """How much of each measurement a mode does."""

    cold_rounds: int
    importtime_runs: int
    deltas: int
    requests: int
    throughput_mib: int
    throughput_runs: int
    chain_rounds: int
    ttfb_rounds: int
    tokens: int
    memory_checkpoints: tuple[int, int]
    levels: tuple[int, ...]


PLANS: dict[str, Plan] = {
    "smoke": Plan(1, 1, 300, 30, 4, 1, 2, 5, 10, (5, 15), (1, 5)),
    "quick": Plan(7, 3, 5000, 300, 16, 3, 12, 60, 40, (100, 500), soak.LEVELS),
    "full": Plan(31, 5, 20000, 1000, 64, 5, 100, 500, 40, (100, 500), soak.LEVELS),
}


@dataclass
class State:
    """What the phases share and fill in."""

    plan: Plan
    progress: Callable[[str], None]
    bedrock: chain.StampedBedrock
    scratch: Path
    values: dict[str, float] = field(default_factory=dict)
    distributions: dict[str, list[float]] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    # Where the cold starts run (bench/lambda_python.py); None: this process's Python.
    cold_python: lambda_python.Interpreter | None = None


def cold_phase(state: State) -> None:
    """Process start to ready, ours / peer / boto3; the import-time report of ours."""
    plan = state.plan
    python = state.cold_python
    if python is None:
        python = lambda_python.Interpreter(sys.executable, platform.python_version(), False)
    result = cold_start.measure(plan.cold_rounds, state.progress, python.path)
    medians = result.medians()
    state.values["cold_init_ratio_vs_fastapi"] = medians["ours"] / medians["peer"]
    state.values["cold_init_ratio_vs_boto3"] = medians["ours"] / medians["boto3"]
    rows = cold_start.importtime_report(state.scratch, plan.importtime_runs, python.path)
    state.details["cold_start"] = {
        "python": python.version,
        "lambda_python": python.lambda_version,
        "rounds": plan.cold_rounds,
        "median_ms": medians,
        "cpu_median_ms": result.cpu_medians(),
        "ms": result.ms,
        "importtime_runs": plan.importtime_runs,
        "importtime_top": [
            (row.module, row.cumulative_us / 1000, row.self_us / 1000)
            for row in cold_start.top_cumulative(rows)
        ],
        # The largest 20 of each: the long tails are in bench/results/importtime-ours.txt.
        "importtime_packages": [(name, us / 1000) for name, us in cold_start.by_package(rows)[:20]],
        "importtime_pulled_in": [
            (name, us / 1000) for name, us in cold_start.dependencies_of(rows)[:20]
        ],
    }


def handler_phase(state: State) -> None:
    """Per delta: boto3 event yielded -> encoded bytes in the runtime socket."""
    per_delta = bench_handler.bench_per_delta(state.plan.deltas)
    to_start = bench_handler.bench_request_to_start(state.plan.requests)
    state.values["handler_added_latency_us_p50"] = percentile(per_delta, 50)
    state.values["handler_added_latency_us_p99"] = percentile(per_delta, 99)
    state.details["handler"] = {
        "per_delta_us": summary(per_delta),
        "request_to_start_us": summary(to_start),
    }


def throughput_phase(state: State) -> None:
    """Body MB/s from the runtime to a local Runtime API, per write size."""
    plan = state.plan
    rates = {}
    for chunk in bench_runtime.THROUGHPUT_CHUNKS:
        runs = bench_runtime.bench_throughput(
            plan.throughput_mib * 1024 * 1024, chunk, plan.throughput_runs
        )
        rates[f"{chunk // 1024} KiB"] = median(runs)
        state.progress(f"throughput: {chunk // 1024} KiB writes, {median(runs):.0f} MB/s")
    state.values["runtime_throughput_mb_s"] = rates[f"{bench_runtime.HEADLINE_CHUNK // 1024} KiB"]
    state.details["throughput"] = rates


def chain_phase(state: State) -> None:
    """Chain-added latency and TTFB overhead, ours and the peer's."""
    plan, bedrock = state.plan, state.bedrock
    with (
        servers.twin(bedrock.url, log=state.scratch / "twin-chain.log") as (url, _pid),
        servers.peer(bedrock.url, MODEL) as peer_url,
    ):
        result = chain.measure(
            bedrock,
            {"ours": url, "peer": peer_url},
            MODEL,
            rounds=plan.chain_rounds,
            ttfb_rounds=plan.ttfb_rounds,
            tokens=plan.tokens,
            progress=state.progress,
        )
    distributions = {
        "chain_ours_ms": result.chain_ms["ours"],
        "chain_peer_ms": result.chain_ms["peer"],
        "ttfb_ours_ms": result.ttfb_ms["ours"],
        "ttfb_peer_ms": result.ttfb_ms["peer"],
    }
    state.distributions.update(distributions)
    state.values["chain_added_latency_ms_p50"] = percentile(result.chain_ms["ours"], 50)
    state.values["peer_chain_added_latency_ms_p50"] = percentile(result.chain_ms["peer"], 50)
    state.values["ttfb_overhead_ms_p50"] = percentile(result.ttfb_ms["ours"], 50)
    state.values["peer_ttfb_overhead_ms_p50"] = percentile(result.ttfb_ms["peer"], 50)
    state.details["chain"] = {
        **{key: summary(values) for key, values in distributions.items()},
        "bedrock_ttfb_ms": summary(result.bedrock_ttfb_ms),
        "direct_delta_ms": summary(result.direct_delta_ms),
        "rounds": result.rounds,
        "dropped_rounds": result.dropped_rounds,
        "tokens_per_stream": plan.tokens,
    }


def soak_phase(state: State) -> None:
    """RSS after many streams, then concurrent streams, through a fresh twin."""
    plan = state.plan
    first, last = plan.memory_checkpoints
    with servers.twin(state.bedrock.url, log=state.scratch / "twin-soak.log") as (url, pid):
        memory = soak.memory(url, pid, MODEL, plan.memory_checkpoints, state.progress)
        levels = soak.concurrency(url, MODEL, plan.levels, state.progress)
    state.values["rss_mb_after_500_streams"] = memory.rss_mb[last]
    state.values["rss_growth_mb_100_to_500"] = memory.rss_mb[last] - memory.rss_mb[first]
    state.values["concurrent_streams_ok"] = levels.largest_ok
    state.details["memory"] = {"rss_mb": memory.rss_mb, "inexact": memory.inexact}
    state.details["concurrency"] = {"exact": levels.exact, "max_concurrency": 50}


def twin_share_phase(state: State) -> None:
    """The local Function URL's own share of ours (for the notes, not a goal)."""
    share = bench_twin.twin_share()
    chain_details = state.details.setdefault("chain", {})
    chain_details["twin_share_ms_p50"] = share["api_p50"]
    chain_details["twin_first_byte_ms_p50"] = share["first_byte_ms_p50"]


PHASES: tuple[tuple[str, Callable[[State], None]], ...] = (
    ("cold start", cold_phase),
    ("handler latency", handler_phase),
    ("runtime throughput", throughput_phase),
    ("chain latency and TTFB, ours and the peer's", chain_phase),
    ("memory and concurrency", soak_phase),
    ("the twin's own share", twin_share_phase),
)

NOTES = (
    "Ours runs from lambda_src on this machine's Python, started through lambda_src/bootstrap "
    "by the local twin (its Runtime API and Function URL) with the stack's settings; the peer "
    "(bench/peer/main.py) is served by uvicorn and called directly, without the Web Adapter or "
    "a Function URL in front, which favours the peer by the twin's share.",
    "Latency is timed from the moment the local Bedrock writes each delta (it is stamped "
    "there), so Bedrock's pacing drops out; chain-added = through a path minus at a boto3 "
    "client reading the local Bedrock directly, delta by delta, in the same round.",
    "Handler latency runs the real handler in this process (X-Ray tracing off, as outside "
    "Lambda) with a fake Bedrock client; the bytes go through the runtime's own ResponseStream "
    "into a socket drained by another process.",
    "Cold start: Lambda's environment as the twin builds it (LAMBDA_TASK_ROOT, function name, "
    "X-Ray daemon address, region, placeholder credentials); all three processes on one "
    "interpreter, Lambda's Python version when the machine has it (bench/lambda_python.py); "
    "page cache and bytecode caches warm; wall time from spawn to ready; ratios of the "
    "medians.",
    "Throughput is for 16 KiB writes (a page, a large chunk); token-sized writes are limited "
    "by per-write cost instead (see the handler latency).",
    "Memory is the execution environment's VmRSS after sequential echo streams of 200 to 1000 "
    "random Unicode characters; concurrency levels run echo streams at 100 tokens/s with "
    "MAX_CONCURRENCY 50, each checked byte for byte.",
)


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        total_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory_gb = round(total_kb / 1024 / 1024)
    os_name = platform.system()
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    versions = {}
    for package in ("boto3", "aws-lambda-powertools", "fastapi", "uvicorn"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[package] = importlib.metadata.version(package)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "os": f"{os_name}, Linux {platform.release()}",
        "python": platform.python_version(),
        "arch": platform.machine(),
        "packages": versions,
        "load_before": list(os.getloadavg()),
    }


@contextlib.contextmanager
def _clock() -> Iterator[Callable[[str], None]]:
    began = time.monotonic()

    def progress(line: str) -> None:
        print(f"[{time.monotonic() - began:6.1f} s] {line}", file=sys.stderr, flush=True)

    yield progress


def main(argv: list[str] | None = None) -> int:
    """Run every phase of the chosen mode and write the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    modes = parser.add_mutually_exclusive_group(required=True)
    for mode in PLANS:
        modes.add_argument(f"--{mode}", dest="mode", action="store_const", const=mode)
    parser.add_argument("--out", type=Path, default=BENCH, help="where the three files go")
    parser.add_argument("--scratch", type=Path, default=SCRATCH, help="where the rest goes")
    parser.add_argument(
        "--lambda-python",
        action="store_true",
        help="time the cold starts on Lambda's Python version, in a venv of its own "
        "(bench/lambda_python.py); by default on this Python",
    )
    args = parser.parse_args(argv)
    args.scratch.mkdir(parents=True, exist_ok=True)
    about = machine()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    began = time.monotonic()
    with _clock() as progress, chain.stamped_bedrock() as bedrock:
        state = State(PLANS[args.mode], progress, bedrock, args.scratch)
        if args.lambda_python:
            state.cold_python = lambda_python.interpreter(progress)
        for index, (name, phase) in enumerate(PHASES, 1):
            progress(f"[{index}/{len(PHASES)}] {name}")
            phase(state)
        about["load_after"] = list(os.getloadavg())
        run = {
            "mode": args.mode,
            "started": started,
            "duration_s": round(time.monotonic() - began, 1),
            "model": MODEL,
            "plan": vars(state.plan),
            "notes": list(NOTES),
            **state.details,
        }
        bench = report.BenchRun(state.values, state.distributions, about, run)
        samples = json.dumps(state.distributions)  # the raw samples behind the plot
        (args.scratch / "distributions.json").write_text(samples)
        paths = report.write_all(bench, args.out)
        progress(f"wrote {', '.join(str(p) for p in paths.values())}")
    for row in report.goal_rows(state.values):
        print(" | ".join(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
