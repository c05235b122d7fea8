"""Our runtime against AWS's own Node.js runtime client, at the HTTP level.

Both serve the same logical responses (tests/conformance/*_task) through the same recording
Runtime API. What must match: the request line, the headers that carry meaning, the decoded
body bytes (prelude, 8 NUL, data), chunk-by-chunk delivery of writes, and the error trailers.
Where they legitimately differ, the test says why.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from local.runtime_api import Invocation, RecordedRequest, RuntimeApiServer

pytestmark = pytest.mark.node

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RIC = ROOT / "node_modules" / "aws-lambda-ric" / "index.mjs"
NODE = shutil.which("node", path=f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}")
FUNCTION_ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "conformance",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
    "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/conformance",
    "AWS_LAMBDA_LOG_STREAM_NAME": "stream",
}
OK = {
    "status": 201,
    "headers": {"content-type": "text/plain; charset=utf-8", "x-custom": "v"},
    "cookies": ["a=1; Path=/", "b=2"],
    "chunks": ["alpha ", "βeta ", "gamma 🚀"],
    "pause_ms": 60,
}
LATE = {**OK, "fail": "late", "message": "failed mid-stream"}
EARLY = {**OK, "fail": "early", "message": "failed before any byte"}

Run = Callable[[dict[str, Any]], Invocation]


def _start(command: list[str], task: Path, handler: str) -> Iterator[Run]:
    api = RuntimeApiServer()
    api.start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "_X_AMZN"))},
        **FUNCTION_ENV,
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "LAMBDA_TASK_ROOT": str(task),
        "_HANDLER": handler,
    }
    env.pop("PYTHONPATH", None)
    process = subprocess.Popen(command, cwd=task, env=env, stderr=subprocess.DEVNULL)
    try:
        assert api.wait_ready(20), f"{command[0]} never asked for an invocation"

        def run(event: dict[str, Any]) -> Invocation:
            invocation = api.submit(json.dumps(event).encode())
            assert invocation.wait(20), "no response"
            return invocation

        yield run
    finally:
        process.kill()
        process.wait()
        api.stop()


@pytest.fixture(scope="module")
def node() -> Iterator[Run]:
    if NODE is None or not RIC.exists():
        pytest.fail("Node.js and aws-lambda-ric are required: run `make deps`")
    yield from _start([NODE, str(RIC), "index.handler"], HERE / "node_task", "index.handler")


@pytest.fixture(scope="module")
def python() -> Iterator[Run]:
    bootstrap = str(ROOT / "lambda_src" / "bootstrap")
    yield from _start(
        [bootstrap, sys.executable, "/var/runtime/bootstrap.py"],
        HERE / "python_task",
        "conform.handler",
    )


def _trailer_names(request: RecordedRequest) -> set[str]:
    """All names a request declared in ``Trailer`` (one combined line or several lines)."""
    values = [value for name, value in request.headers if name.lower() == "trailer"]
    return {part.strip().lower() for value in values for part in value.split(",")}


def _data_chunks(request: RecordedRequest) -> list[bytes]:
    """The chunks after the prelude delimiter, as the runtime framed them."""
    body = b"".join(data for _, data in request.chunks)
    offset = body.index(b"\0" * 8) + 8
    chunks, seen = [], 0
    for _, data in request.chunks:
        if seen >= offset:
            chunks.append(data)
        seen += len(data)
    return chunks


def _error(request: RecordedRequest) -> dict[str, Any]:
    body = request.trailer("Lambda-Runtime-Function-Error-Body")
    assert body is not None
    decoded: dict[str, Any] = json.loads(base64.b64decode(body, validate=True))
    return decoded


def test_successful_stream_is_the_same_on_the_wire(node: Run, python: Run) -> None:
    ours, theirs = python(OK).response, node(OK).response
    assert ours is not None
    assert theirs is not None
    assert ours.method == theirs.method == "POST"
    assert ours.path.rsplit("/", 1)[1] == theirs.path.rsplit("/", 1)[1] == "response"
    for name in ("Lambda-Runtime-Function-Response-Mode", "Transfer-Encoding", "Content-Type"):
        assert ours.header(name) == theirs.header(name), name
    # Node declares the trailers on two Trailer lines, we on one comma-joined line: the same
    # field in HTTP (RFC 9110 §5.3).
    assert _trailer_names(ours) == _trailer_names(theirs)
    # Byte-identical body: JSON prelude, 8 NUL bytes, then the writes.
    assert ours.body == theirs.body
    # Each write is delivered as its own chunk. (Node sends the prelude and the 8 NUL bytes as
    # two chunks, we as one: chunk boundaries carry no meaning, docs/PROTOCOLS.md §2.2.)
    assert _data_chunks(ours) == _data_chunks(theirs) == [c.encode() for c in OK["chunks"]]
    assert ours.trailers == theirs.trailers == []


def test_failure_after_the_first_byte_keeps_the_bytes_and_sends_the_same_trailers(
    node: Run, python: Run
) -> None:
    ours, theirs = python(LATE).response, node(LATE).response
    assert ours is not None
    assert theirs is not None
    assert ours.body == theirs.body
    assert ours.trailer("Lambda-Runtime-Function-Error-Type") == "Error"
    assert theirs.trailer("Lambda-Runtime-Function-Error-Type") == "Error"
    our_error, their_error = _error(ours), _error(theirs)
    assert our_error["errorType"] == their_error["errorType"] == "Error"
    assert our_error["errorMessage"] == their_error["errorMessage"] == LATE["message"]
    # Stack traces differ by name: the Runtime API docs call the field "stackTrace" (what we
    # send, like aws-lambda-go); the Node client calls it "trace". Both are lists of lines.
    assert isinstance(our_error["stackTrace"], list)
    assert isinstance(their_error["trace"], list)


def test_failure_before_the_first_byte(node: Run, python: Run) -> None:
    ours, theirs = python(EARLY), node(EARLY)
    assert ours.response is not None
    assert theirs.response is not None
    # A legitimate difference: the Node client opens a streaming /response with no body and
    # reports the error in trailers; we post to /invocation/{id}/error, the documented path
    # for errors before a response was started (docs/PROTOCOLS.md §2.4), which gives the caller a
    # real error instead of an empty 200 stream.
    assert theirs.outcome == "streaming"
    assert theirs.response.body == b""
    assert ours.outcome == "error"
    our_error = json.loads(ours.response.body)
    their_error = _error(theirs.response)
    assert ours.response.header("Lambda-Runtime-Function-Error-Type") == "Error"
    assert our_error["errorType"] == their_error["errorType"] == "Error"
    assert our_error["errorMessage"] == their_error["errorMessage"] == EARLY["message"]
