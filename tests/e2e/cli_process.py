"""`python -m cli` as a process of its own, in a clean environment, read as it writes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass

from tests.e2e.chat.twin import ROOT

# A prompt text the local Bedrock echoes word by word: 30 tokens.
ECHO = " ".join(f"word{i}" for i in range(30))


@dataclass
class Run:
    """One run of the client: its exit status, what it wrote, when stdout's pieces came."""

    returncode: int
    stdout: str
    stderr: str
    arrivals: list[tuple[float, int]]  # (seconds since start, bytes) per read of stdout


def cli_env(**extra: str) -> dict[str, str]:
    """A clean environment: no AWS config of the machine's, no URL unless given."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    env.update(extra)
    return env


def run_cli(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> Run:
    """Run the client; stdout is read as it arrives, with arrival times."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        env=env or cli_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdin.write(stdin.encode())
    proc.stdin.close()
    out, arrivals = b"", []
    try:
        while data := os.read(proc.stdout.fileno(), 65536):
            arrivals.append((time.monotonic() - started, len(data)))
            out += data
        returncode = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = proc.stderr.read().decode()
    proc.stdout.close()
    proc.stderr.close()
    return Run(returncode, out.decode(), err, arrivals)
