"""``python -m local`` (what ``make demo`` runs): the real stack, served and stopped cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from local.bedrock import BedrockEmulator
from tests import recorded_streams as rec
from tests.e2e.conftest import ROOT, Received, fetch
from tests.e2e.demo_process import free_port, start_demo
from tests.e2e.replay.frames import Replay
from tests.e2e.replay.server import ReplayBedrock

pytestmark = [
    pytest.mark.node,  # synthesizes with the CDK CLI when cdk.out is stale
    pytest.mark.skipif(not (ROOT / "app.py").exists(), reason="needs the CDK app"),
]


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


Demo = tuple[subprocess.Popen[str], str, list[str]]


@contextmanager
def running_demo(tmp_path: Path, **extra_env: str) -> Iterator[Demo]:
    """`python -m local` on a free port until its banner is out; killed afterwards."""
    log = (tmp_path / "demo.log").open("w")
    port = free_port()
    process = start_demo(
        port, stderr=subprocess.DEVNULL, **{"FUNCTION_TIMEOUT_S": "30", **extra_env}
    )
    banner: list[str] = []
    assert process.stdout is not None
    deadline = time.monotonic() + 180  # a cold synth bundles the asset with pip
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        banner.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C"):
            break
    try:
        assert any(line.startswith("Function URL: ") for line in banner), (
            banner,
            (tmp_path / "demo.log").read_text()[-3000:],
        )
        yield process, f"http://127.0.0.1:{port}", banner
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        log.close()


def _chat(url: str, request: dict[str, str]) -> Received:
    """POST a chat request as JSON to the demo."""
    body = json.dumps(request).encode()
    return fetch(
        url, "/chat", method="POST", body=body, headers={"Content-Type": "application/json"}
    )


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    with running_demo(tmp_path) as running:
        yield running


def test_demo_serves_the_real_function_and_stops_cleanly(demo: Demo) -> None:
    process, url, banner = demo
    assert f"Function URL: {url}" in banner
    assert any(line.startswith("Bedrock endpoint: http://127.0.0.1:") for line in banner)
    # No reserved concurrency in the stack: the URL throttles beyond 100 (docs/API.md §12.5).
    assert any(line.endswith(", concurrency 100") for line in banner), banner
    assert any(f"curl -N {url}/chat -d " in line for line in banner)
    # The answer streams through the real handler, runtime and local Bedrock.
    text = "one two three four five six seven eight"
    request = {"prompt": f"#! echo rate=20\n{text}", "format": "text"}
    got = _chat(url, request)
    assert got.status == 200
    assert got.body.decode() == text
    assert len(got.chunks) > 3  # word by word, not in one piece
    assert got.chunks[-1][0] - got.chunks[0][0] > 0.1
    models = json.loads(fetch(url, "/models").body)
    # docs/API.md §12.5: the local default is now Claude Haiku 4.5 (a global profile).
    assert models["default"] == "global.anthropic.claude-haiku-4-5-20251001-v1:0"
    # SIGTERM stops the demo and every execution environment it started.
    environments = _children(process.pid)
    assert environments
    process.send_signal(signal.SIGTERM)
    assert process.wait(20) == 0
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in environments) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in environments)


def test_bedrock_endpoint_points_the_function_at_another_bedrock(tmp_path: Path) -> None:
    # docs/API.md §12.5: a replay server, a VPC endpoint, another emulator; here an emulator of
    # the test's own, which records what reaches it.
    with BedrockEmulator() as other, running_demo(tmp_path, BEDROCK_ENDPOINT=other.url) as demo:
        _process, url, banner = demo
        request = {"prompt": "#! echo\nrouted elsewhere", "format": "text"}
        got = _chat(url, request)

        assert [line for line in banner if line.startswith("Bedrock endpoint:")] == [
            f"Bedrock endpoint: {other.url}"
        ]
        assert (got.status, got.body.decode()) == (200, "routed elsewhere")
        assert [r.operation for r in other.requests] == ["ConverseStream"]


def test_bedrock_endpoint_replays_recorded_streams_through_make_demo(tmp_path: Path) -> None:
    # docs/API.md §12.5: `make demo` pointed at a replay server serving recorded-style bytes
    # (real framing, `p` padding, chunks cut mid-frame): two tool calls reach the client whole.
    recording = {"two_tools": Replay("converse-stream", rec.CLAUDE_TWO_TOOLS)}
    with (
        ReplayBedrock(recording) as replay,
        running_demo(tmp_path, BEDROCK_ENDPOINT=replay.url) as demo,
    ):
        _process, url, banner = demo
        request = {
            "prompt": "replay:two_tools",
            "model": "anthropic.claude-3-haiku-20240307-v1:0",
            "format": "ndjson",
        }
        got = fetch(
            url,
            "/chat",
            method="POST",
            body=json.dumps(request).encode(),
            headers={"Content-Type": "application/json"},
        )

        assert f"Bedrock endpoint: {replay.url}" in banner
        events = [json.loads(line) for line in got.body.decode().splitlines()]
        calls = [(e["id"], e["input"]) for e in events if e["type"] == "tool_use"]
        assert calls == [
            ("tooluse_A0jTtaiQTFmqD_cIq8I1BA", {"location": "Berlin"}),
            ("tooluse_LTc2TUMgTRiobK5Z5CCNSw", {"location": "Paris"}),
        ]
        assert events[-1]["type"] == "done"
        assert events[-1]["stop_reason"] == "tool_use"
        assert [r.operation for r in replay.received] == ["converse-stream"]


def test_max_concurrency_from_the_environment_wins(tmp_path: Path) -> None:
    with running_demo(tmp_path, MAX_CONCURRENCY="3") as (_process, _url, banner):
        assert any(line.endswith(", concurrency 3") for line in banner), banner
