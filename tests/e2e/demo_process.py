"""`python -m local` (what `make demo` runs) as a process of its own, on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from tests.e2e.conftest import ROOT

# Settings of this shell that `make demo` would read: a test sets what it wants instead.
_INHERITED = (
    "AUTH",
    "BEDROCK",
    "BEDROCK_PORT",
    "BEDROCK_ENDPOINT",
    "MAX_CONCURRENCY",
    "ALLOWED_MODELS",
    "AWS_ACCESS_KEY_ID",
)


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_demo(port: int, *, stderr: int, **settings: str) -> subprocess.Popen[str]:
    """The demo on ``port`` with ``settings``, its stdout a text pipe; the caller stops it."""
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED}
    env.update(PORT=str(port), **settings)
    return subprocess.Popen(
        [sys.executable, "-m", "local"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
