"""Cold start: process start to ready, ours against the FastAPI peer and boto3 alone.

Every process starts in Lambda's environment as the local twin builds it
(local/lambda_env/config.py: LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_NAME, the X-Ray daemon
address, a region, placeholder credentials, the local Bedrock's endpoint; see
https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
Outside it the X-Ray SDK builds a sampling client at import, which Lambda never pays for.

- ours: lambda_src/bootstrap started as Lambda starts the exec wrapper, with `_HANDLER` naming
  bench/cold/ours_ready.py (the real handler imported, the Bedrock client built); ready is its
  first `GET /next` at a local Runtime API.
- peer: bench/cold/peer_ready.py (bench/peer/main.py imported, which builds its client, and
  uvicorn's Config and Server constructed); ready is the line it prints.
- boto3: bench/cold/boto3_ready.py (boto3 imported, a bedrock-runtime client built).

All three run on one interpreter: `make bench` picks Lambda's Python version
(bench/lambda_python.py).

Runs are paired and alternating (one of each per round, the order rotating), after a warm-up
round that fills the page cache and the bytecode caches; the ratios are of the medians.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from subprocess import Popen

from bench.servers import PEER_DIR
from bench.stats import median
from bench.twin_server import caller_env, function_config
from local.lambda_env.config import FunctionConfig, process_environment
from local.runtime_api import RuntimeApiServer

ROOT = Path(__file__).resolve().parents[1]
COLD = ROOT / "bench" / "cold"
BEDROCK_URL = "http://127.0.0.1:9"  # building a client makes no connection
NAMES = ("ours", "peer", "boto3")
_TIMEOUT_S = 60.0
FIRST_PARTY = ("bedrock_stream", "streaming_runtime", "ours_ready")


@dataclass
class ColdResult:
    """Process start to ready, in ms, per contender and round."""

    ms: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in NAMES})
    cpu_ms: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in NAMES})

    def medians(self) -> dict[str, float]:
        """The median wall time per contender."""
        return {name: median(values) for name, values in self.ms.items()}

    def cpu_medians(self) -> dict[str, float]:
        """The median CPU time (user + system) per contender."""
        return {name: median(values) for name, values in self.cpu_ms.items()}


def _environment(config: FunctionConfig, runtime_api: str, **extra: str) -> dict[str, str]:
    env = process_environment(
        config, runtime_api, bedrock_endpoint=BEDROCK_URL, caller=caller_env()
    )
    return {**env, **extra}


def ours_command(python: str = sys.executable) -> tuple[list[str], FunctionConfig]:
    """The exec-wrapper command line and the function's configuration, for `ours_ready`;
    the wrapper takes the interpreter from its first argument, as Lambda passes its own."""
    config = replace(function_config(), handler="ours_ready.handler")
    wrapper, _interpreter, *rest = config.launch_command()
    return [wrapper, python, *rest], config


@dataclass(frozen=True)
class Spawn:
    """One process start: wall time to ready, the CPU time it used, what it wrote to stderr."""

    wall_ms: float
    cpu_ms: float
    stderr: str


def _spawn(
    command: list[str], cwd: Path, env: dict[str, str], ready: Callable[[Popen[bytes]], bool]
) -> Spawn:
    """Start, wait until `ready`, kill; stderr goes to a file (a full pipe would block it)."""
    with tempfile.TemporaryFile() as errors:
        began = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        ok = ready(process)
        wall_ms = (time.perf_counter() - began) * 1000
        process.kill()
        _, _, usage = os.wait4(process.pid, 0)
        process.returncode = -9  # reaped here, so that Popen does not wait again
        if process.stdout is not None:
            process.stdout.close()
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    if not ok:
        raise RuntimeError(f"{command[-1]} did not get ready: {stderr[-2000:]}")
    return Spawn(wall_ms, (usage.ru_utime + usage.ru_stime) * 1000, stderr)


def start_ours(python: str = sys.executable, extra_env: dict[str, str] | None = None) -> Spawn:
    """Spawn to the first `GET /next`."""
    command, config = ours_command(python)
    with RuntimeApiServer() as api:
        env = _environment(config, api.address, PYTHONPATH=str(COLD), **(extra_env or {}))
        return _spawn(command, config.task_root, env, lambda _p: api.wait_ready(_TIMEOUT_S))


def _printed_ready(process: Popen[bytes]) -> bool:
    assert process.stdout is not None
    return bool(process.stdout.readline().strip() == b"ready")


def _start_script(python: str, script: str, task_root: Path, pythonpath: Path | None) -> Spawn:
    config = FunctionConfig(task_root=task_root, handler="run.sh", name=f"bench-{script}")
    extra = {"PYTHONPATH": str(pythonpath)} if pythonpath else {}
    env = _environment(config, "127.0.0.1:9001", **extra)
    command = [python, "-u", str(COLD / script)]
    return _spawn(command, task_root, env, _printed_ready)


START: dict[str, Callable[[str], Spawn]] = {
    "ours": start_ours,
    "peer": lambda python: _start_script(python, "peer_ready.py", PEER_DIR, PEER_DIR),
    "boto3": lambda python: _start_script(python, "boto3_ready.py", COLD, None),
}


def measure(
    rounds: int,
    progress: Callable[[str], None] = lambda _line: None,
    python: str = sys.executable,
) -> ColdResult:
    """`rounds` paired rounds after one warm-up round, every process on `python` (an
    interpreter whose environment holds the function's and the peer's packages)."""
    result = ColdResult()
    for turn in range(-1, rounds):
        order = NAMES[turn % 3 :] + NAMES[: turn % 3]
        for name in order:
            spawn = START[name](python)
            if turn >= 0:
                result.ms[name].append(spawn.wall_ms)
                result.cpu_ms[name].append(spawn.cpu_ms)
        if turn >= 0 and (turn + 1) % max(1, rounds // 4) == 0:
            progress(f"cold start: round {turn + 1}/{rounds}")
    return result


# `-X importtime` lines: "import time: <self us> | <cumulative us> | <indent><module>".
_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\| ( *)(\S+)\s*$")


@dataclass(frozen=True)
class ImportRow:
    """One module's import time, in microseconds."""

    module: str
    self_us: int
    cumulative_us: int
    depth: int
    parent: str = ""  # the module whose import imported this one ("" at the top)


def parse_importtime(text: str) -> list[ImportRow]:
    """The rows of a `-X importtime` report (other lines are ignored)."""
    rows = []
    for line in text.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            self_us, cumulative_us, indent, module = match.groups()
            rows.append(ImportRow(module, int(self_us), int(cumulative_us), len(indent) // 2))
    return _with_parents(rows)


def _with_parents(rows: list[ImportRow]) -> list[ImportRow]:
    """A module's line comes after those of the modules it imported, one level deeper."""
    out: list[ImportRow] = []
    open_parents: dict[int, str] = {}  # depth -> the module at that depth seen last (from the end)
    for row in reversed(rows):
        open_parents[row.depth] = row.module
        out.append(replace(row, parent=open_parents.get(row.depth - 1, "")))
    return out[::-1]


def dependencies_of(
    rows: list[ImportRow], first_party: tuple[str, ...] = FIRST_PARTY
) -> list[tuple[str, int]]:
    """What our own modules pull in: the cumulative time of each other module that one of
    ours imported first, summed per top-level package, largest first."""
    totals: dict[str, int] = {}
    for row in rows:
        ours = row.module.split(".", 1)[0] in first_party
        if not ours and row.parent.split(".", 1)[0] in first_party:
            package = row.module.split(".", 1)[0]
            totals[package] = totals.get(package, 0) + row.cumulative_us
    return sorted(totals.items(), key=lambda item: item[1], reverse=True)


def top_cumulative(rows: list[ImportRow], count: int = 25) -> list[ImportRow]:
    """The modules that took longest including what they imported."""
    return sorted(rows, key=lambda row: row.cumulative_us, reverse=True)[:count]


def by_package(rows: list[ImportRow]) -> list[tuple[str, int]]:
    """Self time summed per top-level package, largest first (the whole import, split up)."""
    totals: dict[str, int] = {}
    for row in rows:
        package = row.module.split(".", 1)[0]
        totals[package] = totals.get(package, 0) + row.self_us
    return sorted(totals.items(), key=lambda item: item[1], reverse=True)


def merge_runs(runs: list[list[ImportRow]]) -> list[ImportRow]:
    """Per module, the median self and cumulative time over several reports."""
    seen: dict[str, list[ImportRow]] = {}
    for rows in runs:
        for row in rows:
            seen.setdefault(row.module, []).append(row)
    return [
        ImportRow(
            module,
            round(median([r.self_us for r in rows])),
            round(median([r.cumulative_us for r in rows])),
            rows[0].depth,
            rows[0].parent,
        )
        for module, rows in seen.items()
    ]


def importtime_report(
    out_dir: Path, runs: int = 3, python: str = sys.executable
) -> list[ImportRow]:
    """Start ours `runs` times with PYTHONPROFILEIMPORTTIME (the variable form of
    `-X importtime`); write the first raw report and the top 25 of the medians to out_dir."""
    profile = {"PYTHONPROFILEIMPORTTIME": "1"}
    texts = [start_ours(python, profile).stderr for _ in range(runs)]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "importtime-ours.txt").write_text(texts[0])
    rows = merge_runs([parse_importtime(text) for text in texts])
    lines = [f"# median of {runs} runs", f"{'cumulative ms':>13} {'self ms':>8}  module"]
    lines += [
        f"{row.cumulative_us / 1000:>13.1f} {row.self_us / 1000:>8.1f}  {row.module}"
        for row in top_cumulative(rows)
    ]
    (out_dir / "importtime-ours-top25.txt").write_text("\n".join(lines) + "\n")
    return rows
