"""The requests of `python -m cli check`, timed: each returns what a verdict needs."""

from __future__ import annotations

import time
from typing import Any, Final

from cli.transport import Reply, StreamCut, Target, authorize, fetch, open_stream
from cli.verdicts import Arrival, StreamTrace
from cli.wire import NdjsonReader, StreamEvent

# An ordinary prompt that works on real Bedrock and makes any model write for a while: a few
# hundred short tokens, seconds even for a fast model. max_tokens keeps it cheap (and below
# any sensible MAX_TOKENS_LIMIT); stopping at max_tokens is still a `done`.
PROMPT: Final = "Count from 1 to 200, one number per line."
MAX_TOKENS: Final = 300
TERMINAL: Final = frozenset({"done", "error"})


def get(target: Target) -> tuple[Reply, float]:
    """`GET` ``target.url`` with the target's auth; the reply and the seconds it took."""
    started = time.monotonic()
    reply = fetch(target, "GET", authorize(target, "GET", {"Accept": "application/json"}))
    return reply, time.monotonic() - started


def chat_payload(model: str | None) -> dict[str, Any]:
    """The check's chat request (docs/API.md §2), asking for NDJSON."""
    payload: dict[str, Any] = {"prompt": PROMPT, "max_tokens": MAX_TOKENS, "format": "ndjson"}
    if model:
        payload["model"] = model
    return payload


def record_stream(target: Target, model: str | None) -> StreamTrace:
    """POST the check's prompt and time every read until the terminal event.

    Raises StatusError or ConnectError when no stream starts.
    """
    sent = time.monotonic()
    stream = open_stream(target, chat_payload(model))
    reader = NdjsonReader()
    arrivals: list[Arrival] = []
    terminal: StreamEvent | None = None
    started: str | None = None
    cut: str | None = None
    try:
        for chunk in stream.chunks():
            at = time.monotonic() - sent
            events = list(reader.feed(chunk))
            arrivals.append(Arrival(at, len(chunk), tuple(event.type for event in events)))
            for event in events:
                if event.type == "start" and isinstance(event.data.get("model"), str):
                    started = event.data["model"]
                if event.type in TERMINAL and terminal is None:
                    terminal = event
            if terminal is not None:
                break
    except StreamCut as exc:
        cut = str(exc)
    finally:
        stream.close()
    return StreamTrace(
        tuple(arrivals),
        terminal,
        model=started,
        cut=cut,
        leftover=reader.leftover,
        content_type=stream.response.getheader("Content-Type"),
    )


def preflight(target: Target, origin: str, requested: tuple[str, ...]) -> Reply:
    """The browser's CORS preflight for `POST` on ``target.url`` from ``origin``.

    Never signed nor keyed: browsers send preflights without credentials
    (https://fetch.spec.whatwg.org/#cors-preflight-fetch).
    """
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": ",".join(requested),
    }
    return fetch(target.anonymous(), "OPTIONS", headers)
