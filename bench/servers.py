"""The processes a benchmark talks to: the twin (our function) and the FastAPI peer.

Each runs in a process of its own, so that the benchmark's clients and the local Bedrock in
this process do not share an interpreter lock with them; each stops when the `with` ends.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench.twin_server import caller_env
from local.lambda_env.config import FunctionConfig, process_environment

ROOT = Path(__file__).resolve().parents[1]
PEER_DIR = ROOT / "bench" / "peer"


def _wait_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _terminate(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Close its stdin (the twin server stops at EOF), then terminate it after 15 s."""
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        _terminate(process)


@contextlib.contextmanager
def twin(
    bedrock_url: str, *, max_concurrency: int = 50, log: Path | None = None
) -> Iterator[tuple[str, int]]:
    """The local Function URL running our function: (base URL, the twin's pid)."""
    command = [sys.executable, "-m", "bench.twin_server", "--bedrock", bedrock_url]
    command += ["--max-concurrency", str(max_concurrency)]
    if log is not None:
        command += ["--log", str(log)]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode().strip()
        if not line.startswith("URL "):
            raise RuntimeError(f"the twin did not start: {line!r}")
        yield line.removeprefix("URL "), process.pid
    finally:
        _stop(process)


def peer_environment(bedrock_url: str, port: int) -> dict[str, str]:
    """Lambda's environment for the peer's process (as the adapter would run it), and PORT."""
    config = FunctionConfig(task_root=PEER_DIR, handler="run.sh", name="fastapi-peer")
    env = process_environment(
        config, "127.0.0.1:9001", bedrock_endpoint=bedrock_url, caller=caller_env()
    )
    env["PORT"] = str(port)
    env["AWS_LWA_INVOKE_MODE"] = "response_stream"
    return env


@contextlib.contextmanager
def peer(bedrock_url: str, model: str) -> Iterator[str]:
    """The FastAPI peer served by uvicorn on loopback: its base URL."""
    port = _free_port()
    env = {**peer_environment(bedrock_url, port), "BEDROCK_MODEL": model}
    process = subprocess.Popen(
        [sys.executable, "main.py"],
        cwd=PEER_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_port(port, process, timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        _terminate(process)


def children(pid: int) -> list[int]:
    """The pids whose parent is pid (the twin's execution environments)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the command name, which is in parentheses and may hold spaces.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def rss_mb(pid: int) -> float:
    """A process's resident memory now (VmRSS), in MB (2**20 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"no VmRSS for pid {pid}")
