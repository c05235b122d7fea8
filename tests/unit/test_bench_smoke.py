"""The benchmark suite runs end to end (smoke mode), and the local Bedrock's delta stamps.

Marked `bench` (about 20 s of processes and loopback traffic): deselect with `-m "not bench"`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.chain import _REPLY, StampedBedrock, bedrock_client, read_direct, stamped_bedrock
from bench.report import KEYS
from local.bedrock import handler as bedrock_handler

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.bench


def test_the_local_bedrock_stamps_each_delta_it_sends_and_unwraps_after() -> None:
    original = getattr(bedrock_handler, _REPLY)
    with stamped_bedrock() as bedrock:
        assert isinstance(bedrock, StampedBedrock)
        assert getattr(bedrock_handler, _REPLY) is not original
        sample = read_direct(bedrock_client(bedrock.url), "any-model", "tokens=5 rate=50 ttft_ms=0")
        sent = bedrock.sent[sample.marker]
    assert getattr(bedrock_handler, _REPLY) is original
    assert len(sample.deltas) == len(sent) == 5
    # Stamped as sent: before it arrives, and 1/50 s apart as paced.
    assert all(put <= got for put, got in zip(sent, sample.deltas, strict=True))
    assert sent[-1] - sent[0] >= 4 / 50 * 0.9


def test_smoke_run_writes_every_key_the_table_and_the_plot(tmp_path: Path) -> None:
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--smoke", "--out", str(out), "--scratch", str(scratch)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    doc = json.loads((out / "results.json").read_text())
    assert set(doc) == {*KEYS, "machine", "run"}
    assert all(isinstance(doc[key], int | float) for key in KEYS)
    assert doc["run"]["mode"] == "smoke"
    # What the smoke run can tell for sure: streams were exact at its levels (1 and 5).
    assert doc["concurrent_streams_ok"] == 5
    assert doc["run"]["memory"]["inexact"] == 0
    assert doc["run"]["chain"]["dropped_rounds"] == 0
    table = (out / "results.md").read_text()
    assert "| measure | ours | peer | goal | pass/miss |" in table
    assert (out / "latency.png").read_bytes().startswith(b"\x89PNG")
    assert (scratch / "importtime-ours-top25.txt").read_text().count("\n") >= 25
