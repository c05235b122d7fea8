"""Talking to the real function through the twin: prompts, requests, and what the twin logged."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.e2e.chat.twin import ChatTwin
from tests.e2e.conftest import Received, fetch
from tests.e2e.handler_twin.wire import log_docs, starts

FAST = "rate=20000 ttft_ms=0"  # where timing does not matter


def echo(text: str, directives: str = FAST) -> str:
    """A prompt the local Bedrock answers with exactly ``text``."""
    return f"#! echo {directives}\n{text}"


def post(
    twin: ChatTwin,
    body: dict[str, Any] | bytes,
    *,
    path: str = "/chat",
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Received:
    """POST a JSON body (or raw bytes) to the twin and read the whole response."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return fetch(
        twin.url,
        path,
        method="POST",
        body=raw,
        headers={"Content-Type": "application/json", **(headers or {})},
        timeout=timeout,
    )


def envs_of(twin: ChatTwin) -> dict[str, str]:
    """Request id -> the environment that ran it, from the twin's START lines."""
    return {request_id: env for env, request_id in starts(list(twin.logs))}


def request_record(twin: ChatTwin, request_id: str, timeout: float = 5.0) -> dict[str, Any]:
    """The function's `request` log record of one request (the log may lag the response)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for doc in log_docs(list(twin.logs)):
            if doc.get("message") == "request" and request_id in json.dumps(doc):
                return doc
        time.sleep(0.05)
    raise AssertionError(f"no request log line for {request_id}")
