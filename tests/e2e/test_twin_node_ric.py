"""Cross-check: AWS's Node.js runtime client streams through the local Function URL exactly
like our Python runtime does for the same logical response (status, headers, cookies, chunks).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import NODE, RIC, MakeTwin, Received, fetch

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(NODE is None or not RIC.exists(), reason="needs node and aws-lambda-ric"),
]

SPEC = {
    "status": 207,
    "headers": {"content-type": "text/plain; charset=utf-8", "x-custom": "v"},
    "cookies": ["a=1; Path=/", "b=2"],
    "chunks": ["alpha ", "βeta ", "gamma 🚀", "\u0000zero"],
    "pause_ms": 150,
}
JSON = {"Content-Type": "application/json"}
# Per-request or per-process values, not part of the logical response.
VARYING = {"date", "x-amzn-requestid", "x-amzn-trace-id", "x-pid"}


def _node_twin(make_twin: MakeTwin, node_task_root: Path) -> str:
    command = (str(NODE), str(RIC), "index.handler")
    return make_twin("index.handler", root=node_task_root, command=command).base_url


def _shape(got: Received) -> tuple[int, list[tuple[str, str]], list[bytes], bool]:
    headers = sorted((k.lower(), v) for k, v in got.headers if k.lower() not in VARYING)
    return got.status, headers, [data for _, data in got.chunks], got.complete


def test_node_ric_streams_like_the_python_runtime(
    make_twin: MakeTwin, node_task_root: Path
) -> None:
    body = json.dumps(SPEC).encode()
    python_url = make_twin().base_url
    node_url = _node_twin(make_twin, node_task_root)
    from_python = fetch(python_url, "/mirror", method="POST", body=body, headers=JSON)
    from_node = fetch(node_url, "/mirror", method="POST", body=body, headers=JSON)
    expected_chunks = [chunk.encode() for chunk in SPEC["chunks"]]  # type: ignore[union-attr]
    assert _shape(from_node) == _shape(from_python)
    status, headers, chunks, complete = _shape(from_node)
    assert (status, chunks, complete) == (207, expected_chunks, True)
    assert ("set-cookie", "a=1; Path=/") in headers
    assert ("x-custom", "v") in headers
    # Each write arrived on its own, spread over the handler's pauses, for both runtimes.
    for got in (from_python, from_node):
        assert got.chunks[-1][0] - got.chunks[0][0] > 0.3  # 3 pauses of 150 ms


def test_node_ric_is_reused_while_warm(make_twin: MakeTwin, node_task_root: Path) -> None:
    body = json.dumps({**SPEC, "pause_ms": 0}).encode()
    url = _node_twin(make_twin, node_task_root)
    for _ in range(3):
        assert fetch(url, "/", method="POST", body=body, headers=JSON).status == 207


def test_a_failure_before_any_byte_is_502_for_both(
    make_twin: MakeTwin, node_task_root: Path
) -> None:
    # Node's RIC reports it with trailers on /response, ours on /error (docs/PROTOCOLS.md §2.5):
    # the URL answers both with 502 and the error type.
    not_json = {"Content-Type": "application/json"}
    python = fetch(make_twin().base_url, "/mirror", method="POST", body=b"{", headers=not_json)
    node = fetch(
        _node_twin(make_twin, node_task_root), "/", method="POST", body=b"{", headers=not_json
    )
    assert python.status == node.status == 502
    assert python.header("x-amzn-errortype") == "JSONDecodeError"
    assert node.header("x-amzn-errortype") == "SyntaxError"
    assert json.loads(node.body)["errorType"] == "SyntaxError"


@pytest.mark.parametrize(
    "raw", ["Not Found", "Not Found\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000"]
)
def test_an_invalid_prelude_is_502(make_twin: MakeTwin, node_task_root: Path, raw: str) -> None:
    # aws-lambda-nodejs-runtime-interface-client issue #97: end("Not Found") gave a 502.
    url = _node_twin(make_twin, node_task_root)
    got = fetch(url, "/", method="POST", body=json.dumps({"raw": raw}).encode(), headers=JSON)
    assert got.status == 502
    assert json.loads(got.body)["errorType"] == "Runtime.InvalidResponse"
    # The environment is not harmed: the next request streams.
    ok = {**SPEC, "pause_ms": 0}
    assert fetch(url, "/", method="POST", body=json.dumps(ok).encode(), headers=JSON).status == 207
