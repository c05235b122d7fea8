"""What a client of each wire format saw, in one comparable shape (the fault matrix's cells).

`seen(fmt, received)` reads an HTTP response as that format's client would and says how it
ended: `done`, `error <code>` (an in-stream terminal event), `cut` (the body stopped without a
terminal event: docs/API.md §3 says a client may then say the stream was cut off), or
`<status> <code>` (an error before the first byte: the service's JSON, OpenAI's, or Lambda's
own `errorType` when the platform answered).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.e2e.conftest import Received
from tests.e2e.handler_twin.wire import parse_sse

# Marks of a leak that an error message must never carry (docs/API.md §4: clear messages).
_TRACEBACK = re.compile(r'Traceback|File "')
_ACCOUNT_ID = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
_ARN = re.compile(r"arn:", re.IGNORECASE)
_TEXT_ERROR = re.compile(r"\n\[error (?P<code>[a-z_]+): (?P<message>[^\n]*)\]\n\Z")


@dataclass
class Seen:
    """One response as its client saw it."""

    status: int
    end: str  # done | error <code> | cut | <status> <code>
    text: str = ""  # the answer's text received (deltas, or the completion's content)
    reasoning: int = 0  # reasoning events received
    tool_uses: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # every error message in the response
    request_id: str = ""


def leaks(message: str) -> list[str]:
    """What in an error message must not be there: a traceback, an account id, an ARN."""
    marks = [("traceback", _TRACEBACK), ("account id", _ACCOUNT_ID), ("ARN", _ARN)]
    return [name for name, pattern in marks if pattern.search(message)]


def _http_error(received: Received) -> Seen:
    try:
        doc = json.loads(received.body)
    except ValueError:
        doc = None
    assert isinstance(doc, dict), f"a {received.status} without a JSON object: {received.body!r}"
    if isinstance(doc.get("error"), dict):  # the service's §4 shape and OpenAI's share these
        code, message = doc["error"].get("code"), doc["error"].get("message")
    else:  # the platform's answer (Lambda's error JSON): the function never answered
        code, message = doc.get("errorType"), doc.get("errorMessage")
    assert isinstance(code, str), doc
    assert isinstance(message, str), doc
    return Seen(received.status, f"{received.status} {code}", errors=[message])


def _sse(received: Received) -> Seen:
    sse = parse_sse(received)
    out = Seen(received.status, "cut")
    for event in sse.events:
        if event.name == "delta":
            out.text += event.data["text"]
        elif event.name == "reasoning":
            out.reasoning += 1
        elif event.name == "tool_use":
            out.tool_uses.append(event.data)
        elif event.name == "done":
            out.end = "done"
        elif event.name == "error":
            out.end = f"error {event.data['code']}"
            out.errors.append(event.data["message"])
    return out


def _ndjson(received: Received) -> Seen:
    out = Seen(received.status, "cut")
    lines = received.body.decode("utf-8").split("\n")
    for line in lines[:-1]:  # a last line without its newline was cut: not a record
        record = json.loads(line)
        kind = record["type"]
        if kind == "delta":
            out.text += record["text"]
        elif kind == "reasoning":
            out.reasoning += 1
        elif kind == "tool_use":
            out.tool_uses.append({k: v for k, v in record.items() if k != "type"})
        elif kind == "done":
            out.end = "done"
        elif kind == "error":
            out.end = f"error {record['code']}"
            out.errors.append(record["message"])
    return out


def _text(received: Received) -> Seen:
    body = received.body.decode("utf-8")
    match = _TEXT_ERROR.search(body)
    if match:
        return Seen(
            received.status,
            f"error {match['code']}",
            body[: match.start()],
            errors=[match["message"]],
        )
    return Seen(received.status, "done" if received.complete else "cut", body)


def _openai_stream(received: Received) -> Seen:
    out = Seen(received.status, "cut")
    for record in received.body.decode("utf-8").split("\n\n")[:-1]:
        assert record.startswith("data: "), record
        data = record.removeprefix("data: ")
        if data == "[DONE]":
            out.end = "done"
            continue
        chunk = json.loads(data)
        if "error" in chunk:
            out.end = f"error {chunk['error']['code']}"
            out.errors.append(chunk["error"]["message"])
            continue
        for choice in chunk["choices"]:
            delta = choice["delta"]
            out.text += delta.get("content") or ""
            out.reasoning += 1 if delta.get("reasoning_content") else 0
            out.tool_uses.extend(delta.get("tool_calls") or [])
    return out


def _openai(received: Received) -> Seen:
    if not received.complete:
        return Seen(received.status, "cut")
    doc = json.loads(received.body)
    message = doc["choices"][0]["message"]
    return Seen(
        received.status,
        "done",
        message.get("content") or "",
        tool_uses=list(message.get("tool_calls") or []),
    )


# Format -> how its client reads a 200 response.
READERS: dict[str, Callable[[Received], Seen]] = {
    "sse": _sse,
    "ndjson": _ndjson,
    "text": _text,
    "openai_stream": _openai_stream,
    "openai": _openai,
}


def seen(fmt: str, received: Received) -> Seen:
    """The response as a client of `fmt` saw it."""
    if received.status != 200:
        out = _http_error(received)
    else:
        out = READERS[fmt](received)
        if not received.complete and out.end.startswith(("done", "error")):
            out.end += " (then cut)"  # a terminal event and yet no clean end: never expected
    out.request_id = received.header("x-amzn-RequestId") or ""
    return out
