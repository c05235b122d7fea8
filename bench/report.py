"""The benchmark's outputs: results.json (the issue's keys), results.md (a table), latency.png.

Pure apart from writing the three files: a run's numbers go in as a `BenchRun`.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bench.plot import plot

Op = Literal["<", "<=", ">="]
_OPS: dict[Op, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class Goal:
    """One row of the table: a key of results.json, its goal, and the peer's key if any."""

    key: str
    measure: str
    unit: str
    op: Op
    target: float
    peer_key: str | None = None
    digits: int = 1

    def met(self, value: float) -> bool:
        """Whether value meets the goal (a missing value never does)."""
        return math.isfinite(value) and _OPS[self.op](value, self.target)

    def text(self) -> str:
        """The goal as the table shows it, e.g. `< 50 µs`."""
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.op.replace('>=', '≥').replace('<=', '≤')} {self.target:g}{unit}"

    def show(self, value: float) -> str:
        """A value with this row's precision and unit."""
        unit = f" {self.unit}" if self.unit else ""
        return f"{value:.{self.digits}f}{unit}"


# Issue 12's goals, in the issue's order; adding a measure is adding a row.
GOALS: tuple[Goal, ...] = (
    Goal("handler_added_latency_us_p50", "handler latency per delta, p50", "µs", "<", 50),
    Goal("handler_added_latency_us_p99", "handler latency per delta, p99", "µs", "<", 250),
    Goal(
        "chain_added_latency_ms_p50",
        "chain-added latency per delta, p50",
        "ms",
        "<",
        1,
        peer_key="peer_chain_added_latency_ms_p50",
        digits=2,
    ),
    Goal(
        "ttfb_overhead_ms_p50",
        "TTFB overhead, p50 (warm)",
        "ms",
        "<",
        5,
        peer_key="peer_ttfb_overhead_ms_p50",
        digits=2,
    ),
    Goal("runtime_throughput_mb_s", "runtime throughput", "MB/s", ">=", 50, digits=0),
    Goal("cold_init_ratio_vs_fastapi", "cold start ÷ FastAPI peer's", "", "<=", 0.5, digits=2),
    Goal("cold_init_ratio_vs_boto3", "cold start ÷ boto3 client alone", "", "<=", 1.2, digits=2),
    Goal("rss_mb_after_500_streams", "RSS after 500 streams", "MB", "<", 90),
    Goal("rss_growth_mb_100_to_500", "RSS growth, 100 → 500 streams", "MB", "<", 2, digits=2),
    Goal("concurrent_streams_ok", "concurrent streams, all byte-exact", "", ">=", 50, digits=0),
)
KEYS: tuple[str, ...] = tuple(g.key for g in GOALS) + tuple(g.peer_key for g in GOALS if g.peer_key)
COMMANDS = {"full": "make bench", "quick": "make bench-quick", "smoke": "bench/run.py --smoke"}


@dataclass
class BenchRun:
    """Everything one run measured."""

    values: dict[str, float]
    distributions: dict[str, list[float]] = field(default_factory=dict)
    machine: dict[str, Any] = field(default_factory=dict)
    run: dict[str, Any] = field(default_factory=dict)


def results_document(bench: BenchRun) -> dict[str, Any]:
    """results.json: exactly KEYS as finite numbers, then `machine` and `run`."""
    missing = [key for key in KEYS if key not in bench.values]
    extra = sorted(set(bench.values) - set(KEYS))
    if missing or extra:
        raise ValueError(f"results keys: missing {missing}, unexpected {extra}")
    bad = [key for key in KEYS if not math.isfinite(bench.values[key])]
    if bad:
        raise ValueError(f"results without a finite value: {bad}")
    doc: dict[str, Any] = {key: round(float(bench.values[key]), 4) for key in KEYS}
    doc["machine"] = bench.machine
    doc["run"] = bench.run
    return doc


def goal_rows(values: Mapping[str, float]) -> list[tuple[str, str, str, str, str]]:
    """Table rows: measure, ours, peer (where it applies), goal, pass or miss."""
    rows = []
    for goal in GOALS:
        value = values[goal.key]
        peer = goal.show(values[goal.peer_key]) if goal.peer_key else "—"
        verdict = "pass" if goal.met(value) else "**miss**"
        rows.append((goal.measure, goal.show(value), peer, goal.text(), verdict))
    return rows


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], align: Sequence[str]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _machine_line(machine: Mapping[str, Any]) -> str:
    parts = [
        str(machine.get("cpu", "unknown CPU")),
        f"{machine.get('cores', '?')} cores",
        f"{machine.get('memory_gb', '?')} GB",
        str(machine.get("os", "")),
        f"Python {machine.get('python', '?')}",
    ]
    before, after = machine.get("load_before"), machine.get("load_after")
    if before and after:
        # The machine is shared: a busy one stretches every tail.
        parts.append(
            f"1-minute load average {before[0]:.1f} at the start, {after[0]:.1f} at the end"
        )
    return ", ".join(p for p in parts if p)


def markdown(bench: BenchRun, plot_name: str = "latency.png") -> str:
    """results.md: the goal table, then the details that explain it."""
    run, machine = bench.run, bench.machine
    lines = ["# Bedrock Stream benchmarks", ""]
    if run.get("mode") == "smoke":
        lines += ["> Smoke run: a handful of samples per measure. These are not results.", ""]
    lines += [
        f"Machine: {_machine_line(machine)}.",
        f"Run: `{COMMANDS.get(str(run.get('mode')), '?')}` ({run.get('mode', '?')} mode), "
        f"{run.get('started', '?')}, {run.get('duration_s', 0):.0f} s.",
        "",
    ]
    lines += _table(
        ("measure", "ours", "peer", "goal", "pass/miss"),
        goal_rows(bench.values),
        ("---", "---:", "---:", "---", "---"),
    )
    lines += ["", f"![Latency distributions, ours against the peer]({plot_name})", ""]
    for section in _SECTIONS:
        lines += section(run)
    return "\n".join(lines).rstrip() + "\n"


def _details(run: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    found = run.get(name)
    return found if isinstance(found, Mapping) else {}


def _cold_section(run: Mapping[str, Any]) -> list[str]:
    cold = _details(run, "cold_start")
    if not cold:
        return []
    wall, cpu = cold.get("median_ms", {}), cold.get("cpu_median_ms", {})
    rows = [
        (name, f"{wall.get(name, math.nan):.0f}", f"{cpu.get(name, math.nan):.0f}")
        for name in ("ours", "peer", "boto3")
    ]
    python = cold.get("python", "?")
    which = "Lambda's version" if cold.get("lambda_python") else "not the version Lambda runs"
    lines = ["## Cold start", "", f"Process start to ready, medians of {cold.get('rounds')} "]
    lines[-1] += f"paired, alternating rounds in Lambda's environment, on Python {python} "
    lines[-1] += f"({which}) (ms):"
    lines += ["", *_table(("process", "wall", "CPU"), rows, ("---", "---:", "---:")), ""]
    top = cold.get("importtime_top", [])
    if top:
        lines += [
            f"Import time of ours (`-X importtime`, medians of {cold.get('importtime_runs')} "
            "starts; the top 10; each run writes the top 25 to "
            "bench/results/importtime-ours-top25.txt, which is not committed):",
            "",
            *_table(
                ("module", "cumulative ms", "self ms"),
                [(f"`{m}`", f"{c:.1f}", f"{s:.1f}") for m, c, s in top[:10]],
                ("---", "---:", "---:"),
            ),
            "",
        ]
    pulled = cold.get("importtime_pulled_in", [])
    if pulled:
        shown = ", ".join(f"`{name}` {ms:.0f} ms" for name, ms in pulled[:10])
        lines += [
            "Imported while our modules load (directly, or by what they call at import, such "
            f"as the tracer patching libraries), with everything under it: {shown}.",
            "",
        ]
    packages = cold.get("importtime_packages", [])
    if packages:
        shown = ", ".join(f"`{name}` {ms:.0f} ms" for name, ms in packages[:10])
        lines += [f"Self time by top-level package: {shown}.", ""]
    return lines


def _latency_section(run: Mapping[str, Any]) -> list[str]:
    chain = _details(run, "chain")
    if not chain:
        return []
    rows = []
    for label, key in (
        ("chain-added, ours", "chain_ours_ms"),
        ("chain-added, peer", "chain_peer_ms"),
        ("TTFB overhead, ours", "ttfb_ours_ms"),
        ("TTFB overhead, peer", "ttfb_peer_ms"),
        ("Bedrock's own TTFB (direct)", "bedrock_ttfb_ms"),
        ("delta latency at the direct client", "direct_delta_ms"),
    ):
        s = chain.get(key, {})
        rows.append(
            (
                label,
                str(s.get("n", 0)),
                *(f"{s.get(p, math.nan):.2f}" for p in ("p50", "p90", "p99")),
            )
        )
    lines = [
        "## Latency (ms)",
        "",
        *_table(("", "n", "p50", "p90", "p99"), rows, ("---",) + ("---:",) * 4),
    ]
    share, first = chain.get("twin_share_ms_p50"), chain.get("twin_first_byte_ms_p50")
    if share is not None and first is not None:
        lines += [
            "",
            "Of ours, the local Function URL and Runtime API alone take, at p50, "
            f"{share:.2f} ms per chunk (arrival at the Runtime API to the client's read) and "
            f"{first:.2f} ms of the TTFB (request to first byte of a trivial test function). "
            "In AWS that part is Lambda's, and the peer pays it too (through the Web Adapter); "
            "here the peer is measured straight on uvicorn.",
        ]
    return [*lines, ""]


def _other_section(run: Mapping[str, Any]) -> list[str]:
    lines = []
    throughput = _details(run, "throughput")
    if throughput:
        shown = ", ".join(f"{size}: {rate:.0f} MB/s" for size, rate in throughput.items())
        lines += [f"Runtime throughput by write size (median): {shown}.", ""]
    memory = _details(run, "memory")
    if memory:
        shown = ", ".join(
            f"{count} streams: {mb:.1f} MB" for count, mb in memory.get("rss_mb", {}).items()
        )
        lines += [f"RSS of the execution environment: {shown}.", ""]
    levels = _details(run, "concurrency").get("exact", {})
    if levels:
        shown = ", ".join(f"{ok}/{level}" for level, ok in levels.items())
        lines += [f"Concurrent echo streams byte-exact, per level: {shown}.", ""]
    notes = run.get("notes", [])
    if notes:
        lines += ["## Method", "", *(f"- {note}" for note in notes), ""]
    return lines


_SECTIONS: tuple[Callable[[Mapping[str, Any]], list[str]], ...] = (
    _latency_section,
    _cold_section,
    _other_section,
)


def write_all(bench: BenchRun, out_dir: Path) -> dict[str, Path]:
    """Write results.json, results.md and latency.png into out_dir; their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out_dir / "results.json",
        "md": out_dir / "results.md",
        "png": out_dir / "latency.png",
    }
    doc = results_document(bench)  # first: a run with a missing key writes nothing
    paths["json"].write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    paths["md"].write_text(markdown(bench, paths["png"].name))
    plot(bench, paths["png"])
    return paths
