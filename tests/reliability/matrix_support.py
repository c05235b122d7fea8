"""The fault matrix's formats, requests and clients: one request per cell, read as its client would.

Every cell runs the real function (lambda_src, through its bootstrap and runtime) behind the
local Function URL, calling the local Bedrock; the only knobs are the Bedrock directive line
of the prompt, the twin's fault hooks (local/lambda_env/faults.py), and what the client does.
"""

from __future__ import annotations

import http.client
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tests.e2e.chat.twin import ChatTwin
from tests.e2e.conftest import Received
from tests.e2e.handler_twin.exchange import post
from tests.e2e.handler_twin.wire import starts

THINK = 4  # reasoning tokens of the reasoning variant: THINK text events, then a signature
WORDS = tuple(f"w{i:02d}" for i in range(30))  # one local token each: "w00", " w01", ...
ANSWER = " ".join(WORDS)
AFTER = 3  # in-stream faults strike after this many answer pieces
TOOL = {
    "name": "get_weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def kept(count: int) -> str:
    """The answer's text after `count` deltas."""
    return " ".join(WORDS[:count])


@dataclass(frozen=True)
class Wire:
    """One column of the matrix: how its request is made and how its client reads the answer."""

    reader: str  # the key of tests.reliability.seen.READERS
    path: str
    body: Callable[[str, str], dict[str, Any]]  # (prompt, marker) -> request body
    directives: str = ""  # added to every directive line of its cells
    chunks_before_text: int = 2  # response chunks before the first delta: prelude, start
    streams: bool = True  # False: nothing reaches the client before the whole answer
    tool: bool = False  # the answer is one tool call (its input streamed in pieces)

    def prompt(self, directives: str) -> str:
        """The prompt of a cell: its directive line, then the text the model answers with."""
        if self.tool:
            rest = json.dumps({"city": "Paris", "words": ANSWER})
            return f"#! {directives} {self.directives}\n{rest}"
        return f"#! echo {directives} {self.directives}\n{ANSWER}"


# The marker goes in the system prompt: Bedrock's request carries it, the answer does not.
def _chat(fmt: str, **extra: Any) -> Callable[[str, str], dict[str, Any]]:
    return lambda prompt, marker: {"prompt": prompt, "system": marker, "format": fmt, **extra}


def _openai(stream: bool) -> Callable[[str, str], dict[str, Any]]:
    def body(prompt: str, marker: str) -> dict[str, Any]:
        messages = [{"role": "system", "content": marker}, {"role": "user", "content": prompt}]
        return {"messages": messages, "stream": stream}

    return body


# The matrix's columns: every wire format, and a reasoning and a tool-use stream.
WIRES: dict[str, Wire] = {
    "sse": Wire("sse", "/chat", _chat("sse")),
    "ndjson": Wire("ndjson", "/chat", _chat("ndjson")),
    "text": Wire("text", "/chat", _chat("text"), chunks_before_text=1),  # no start record
    "openai_stream": Wire("openai_stream", "/v1/chat/completions", _openai(stream=True)),
    "openai": Wire("openai", "/v1/chat/completions", _openai(stream=False), streams=False),
    "sse_reasoning": Wire(
        "sse",
        "/chat",
        _chat("sse", reasoning={"budget_tokens": 1024}, max_tokens=4096),
        directives=f"think={THINK}",
        chunks_before_text=2 + THINK + 1,
    ),
    "ndjson_tool": Wire(
        "ndjson", "/chat", _chat("ndjson", tools=[TOOL]), directives="tool=get_weather", tool=True
    ),
}


def new_marker(fault: str, fmt: str) -> str:
    """A marker that names the cell and finds its Bedrock requests."""
    return f"cell-{fault}-{fmt}-{uuid.uuid4().hex[:8]}"


def send(twin: ChatTwin, wire: Wire, prompt: str, marker: str) -> Received:
    """The cell's request, read to its end."""
    return post(twin, wire.body(prompt, marker), path=wire.path)


def send_and_leave(twin: ChatTwin, wire: Wire, prompt: str, marker: str) -> bytes:
    """Send the cell's request and leave: after the third delta (or the start record of a tool
    call); for an answer that is not streamed, once Bedrock has the request."""
    parts = urlsplit(twin.url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    seen = b""
    try:
        body = json.dumps(wire.body(prompt, marker)).encode()
        conn.request("POST", wire.path, body, {"Content-Type": "application/json"})
        if not wire.streams:
            until = time.monotonic() + 10
            while not any(marker.encode() in r.raw_body for r in twin.bedrock.requests):
                assert time.monotonic() < until, "Bedrock never got the request"
                time.sleep(0.01)
            return seen
        response = conn.getresponse()
        wanted = b'"start"' if wire.tool else WORDS[AFTER - 1].encode()
        while wanted not in seen:
            data = response.read1(65536)
            assert data, f"the answer ended before {wanted!r}: {seen!r}"
            seen += data
        return seen
    finally:
        conn.close()  # the client leaves; nothing tells the function (docs/PROTOCOLS.md §3.2)


def new_starts(twin: ChatTwin, since: int) -> list[tuple[str, str]]:
    """(environment, request id) of the invocations started after log line `since`."""
    return starts(list(twin.logs)[since:])
