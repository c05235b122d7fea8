"""`make demo` traces every request (docs/API.md §13): LOCAL_TRACE_FILE, a summary a trace."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import IO

import pytest

from tests.e2e.conftest import ROOT, fetch
from tests.e2e.demo_process import free_port, start_demo

pytestmark = [
    pytest.mark.node,  # synthesizes with the CDK CLI when cdk.out is stale
    pytest.mark.skipif(not (ROOT / "app.py").exists(), reason="needs the CDK app"),
]


def _lines(stream: IO[str], into: queue.Queue[str]) -> None:
    for line in iter(stream.readline, ""):
        into.put(line.rstrip("\n"))


def _until(lines: queue.Queue[str], seen: list[str], wanted: str, timeout: float) -> str | None:
    """The first line (already seen or arriving within timeout) that contains wanted."""
    deadline = time.monotonic() + timeout
    while True:
        found = next((line for line in seen if wanted in line), None)
        if found is not None or time.monotonic() >= deadline:
            return found
        try:
            seen.append(lines.get(timeout=max(0.0, deadline - time.monotonic())))
        except queue.Empty:
            return None


def test_the_demo_samples_every_request_and_writes_local_trace_file(tmp_path: Path) -> None:
    trace_file = tmp_path / "traces.jsonl"
    port = free_port()
    process = start_demo(port, stderr=subprocess.PIPE, LOCAL_TRACE_FILE=str(trace_file))
    out: queue.Queue[str] = queue.Queue()
    err: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    assert process.stderr is not None
    for stream, into in ((process.stdout, out), (process.stderr, err)):
        threading.Thread(target=_lines, args=(stream, into), daemon=True).start()
    banner: list[str] = []
    logs: list[str] = []
    try:
        # A cold synth bundles the asset with pip.
        assert _until(out, banner, "Ctrl-C", 240) is not None, (banner, logs)
        announced = _until(err, logs, "X-Ray daemon: udp://127.0.0.1:", 5)
        assert announced is not None
        assert f"segment documents appended to {trace_file}" in announced

        got = fetch(
            f"http://127.0.0.1:{port}",
            "/chat",
            method="POST",
            body=json.dumps({"prompt": "#! echo rate=2000 ttft_ms=0\ntraced in the demo"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert got.status == 200
        root = (got.header("X-Amzn-Trace-Id") or "").removeprefix("Root=")

        summary = _until(err, logs, f"[xray] trace {root} ", 30)
        assert summary is not None, logs[-30:]
        assert (
            " ok: ## streaming_handler, ## bedrock_stream, bedrock-runtime ConverseStream"
            in summary
        )
        assert "outcome=done" in summary
        documents = [json.loads(line) for line in trace_file.read_text().splitlines()]
        mine = [d for d in documents if d["trace_id"] == root]
        assert {d["name"] for d in mine} == {
            "## streaming_handler",
            "## bedrock_stream",
            "bedrock-runtime",
        }
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
    assert process.returncode == 0
