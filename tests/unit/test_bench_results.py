"""The benchmark's report writer: results.json keys, the goal table, and the plot file."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from bench.report import GOALS, KEYS, BenchRun, goal_rows, markdown, results_document, write_all

# Issue 12's keys, exactly: results.json is read by tools that expect these names.
ISSUE_KEYS = (
    "handler_added_latency_us_p50",
    "handler_added_latency_us_p99",
    "chain_added_latency_ms_p50",
    "ttfb_overhead_ms_p50",
    "runtime_throughput_mb_s",
    "cold_init_ratio_vs_fastapi",
    "cold_init_ratio_vs_boto3",
    "rss_mb_after_500_streams",
    "rss_growth_mb_100_to_500",
    "concurrent_streams_ok",
    "peer_chain_added_latency_ms_p50",
    "peer_ttfb_overhead_ms_p50",
)
# Every goal met.
GOOD = {
    "handler_added_latency_us_p50": 12.5,
    "handler_added_latency_us_p99": 80.0,
    "chain_added_latency_ms_p50": 0.42,
    "ttfb_overhead_ms_p50": 2.5,
    "runtime_throughput_mb_s": 480.0,
    "cold_init_ratio_vs_fastapi": 0.5,  # on the boundary of <= 0.5
    "cold_init_ratio_vs_boto3": 1.1,
    "rss_mb_after_500_streams": 61.0,
    "rss_growth_mb_100_to_500": 0.25,
    "concurrent_streams_ok": 50.0,
    "peer_chain_added_latency_ms_p50": 0.31,
    "peer_ttfb_overhead_ms_p50": 7.75,
}


def fake_run(values: dict[str, float] | None = None) -> BenchRun:
    rng = random.Random(7)
    return BenchRun(
        values=dict(GOOD if values is None else values),
        distributions={
            "chain_ours_ms": [rng.gauss(0.4, 0.1) for _ in range(300)],
            "chain_peer_ms": [rng.gauss(0.3, 0.1) for _ in range(300)],
            "ttfb_ours_ms": [rng.gauss(2.5, 0.5) for _ in range(50)],
            "ttfb_peer_ms": [rng.gauss(7.5, 1.0) for _ in range(50)],
        },
        machine={"cpu": "Test CPU", "cores": 2, "memory_gb": 4, "python": "3.11.7"},
        run={
            "mode": "full",
            "started": "2026-01-01 00:00 UTC",
            "duration_s": 321.0,
            "cold_start": {
                "rounds": 9,
                "median_ms": {"ours": 280.0, "peer": 560.0, "boto3": 255.0},
                "cpu_median_ms": {"ours": 250.0, "peer": 500.0, "boto3": 230.0},
                "importtime_runs": 3,
                "importtime_top": [("bedrock_stream.handler", 180.0, 0.4)],
                "importtime_packages": [("botocore", 70.0)],
            },
            "concurrency": {"exact": {1: 1, 50: 50}},
            "chain": {
                "chain_ours_ms": {"n": 300, "p50": 0.42, "p90": 0.9, "p99": 2.0},
                "twin_share_ms_p50": 0.17,
                "twin_first_byte_ms_p50": 1.33,
            },
        },
    )


def test_the_keys_are_the_issues_and_every_goal_has_a_row() -> None:
    assert KEYS == ISSUE_KEYS
    assert {g.key for g in GOALS} | {g.peer_key for g in GOALS if g.peer_key} == set(KEYS)


def test_results_json_has_exactly_the_keys_as_numbers_and_metadata_apart(tmp_path: Path) -> None:
    paths = write_all(fake_run(), tmp_path)
    doc = json.loads(paths["json"].read_text())
    assert set(doc) == {*ISSUE_KEYS, "machine", "run"}
    for key in ISSUE_KEYS:
        assert isinstance(doc[key], int | float), key
        assert doc[key] == pytest.approx(GOOD[key])
    assert doc["machine"]["cpu"] == "Test CPU"
    assert doc["run"]["mode"] == "full"


@pytest.mark.parametrize(
    ("how", "key"), [("drop", "concurrent_streams_ok"), ("nan", "rss_mb_after_500_streams")]
)
def test_a_missing_or_non_finite_value_writes_nothing(tmp_path: Path, how: str, key: str) -> None:
    values = dict(GOOD)
    if how == "drop":
        del values[key]
    else:
        values[key] = math.nan
    with pytest.raises(ValueError, match=key):
        write_all(fake_run(values), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_key_is_refused() -> None:
    with pytest.raises(ValueError, match="unexpected"):
        results_document(fake_run({**GOOD, "made_up_ms": 1.0}))


def test_the_table_says_pass_and_miss_by_each_goal() -> None:
    values = {
        **GOOD,
        "handler_added_latency_us_p50": 50.0,  # the goal is < 50: on it is a miss
        "runtime_throughput_mb_s": 50.0,  # >= 50: on it is a pass
        "concurrent_streams_ok": 40.0,  # 50 needed
        "cold_init_ratio_vs_boto3": 1.49,
    }
    verdicts = {row[0]: row[4] for row in goal_rows(values)}
    assert verdicts["handler latency per delta, p50"] == "**miss**"
    assert verdicts["runtime throughput"] == "pass"
    assert verdicts["concurrent streams, all byte-exact"] == "**miss**"
    assert verdicts["cold start ÷ boto3 client alone"] == "**miss**"
    assert verdicts["cold start ÷ FastAPI peer's"] == "pass"
    assert sum(v == "pass" for v in verdicts.values()) == len(GOALS) - 3


def test_the_markdown_table_has_ours_the_peer_the_goal_and_the_verdict() -> None:
    text = markdown(fake_run())
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert table[0] == "| measure | ours | peer | goal | pass/miss |"
    rows = {line.split(" | ")[0].removeprefix("| "): line for line in table[1:]}
    assert rows["chain-added latency per delta, p50"] == (
        "| chain-added latency per delta, p50 | 0.42 ms | 0.31 ms | < 1 ms | pass |"
    )
    assert rows["TTFB overhead, p50 (warm)"] == (
        "| TTFB overhead, p50 (warm) | 2.50 ms | 7.75 ms | < 5 ms | pass |"
    )
    assert (
        rows["RSS after 500 streams"] == "| RSS after 500 streams | 61.0 MB | — | < 90 MB | pass |"
    )
    assert "Machine: Test CPU, 2 cores, 4 GB" in text
    assert "`make bench` (full mode)" in text
    assert "![Latency distributions, ours against the peer](latency.png)" in text
    assert "| ours | 280 | 250 |" in text  # the cold-start medians
    assert "`bedrock_stream.handler` | 180.0 | 0.4 |" in text
    assert "| chain-added, ours | 300 | 0.42 | 0.90 | 2.00 |" in text
    assert "0.17 ms per chunk" in text
    assert "1.33 ms of the TTFB" in text


def test_the_plot_is_a_png_with_both_panels_drawn(tmp_path: Path) -> None:
    empty = fake_run()
    empty.distributions = {}
    full_png = write_all(fake_run(), tmp_path / "full")["png"]
    empty_png = write_all(empty, tmp_path / "empty")["png"]
    data = full_png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    # Drawn histograms and legends make a larger image than the bare axes.
    assert len(data) > len(empty_png.read_bytes()) + 5000
