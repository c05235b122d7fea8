"""A streaming test function for the twin: one behaviour per path, picked from a table."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable
from typing import Any

Stream = Any


def _query(event: dict[str, Any], name: str, default: int) -> int:
    return int((event.get("queryStringParameters") or {}).get(name, default))


def chunks(event: dict[str, Any], stream: Stream) -> None:
    """N chunks, delay_ms apart, each stamped with time.monotonic() at write."""
    count, delay = _query(event, "n", 5), _query(event, "delay_ms", 200) / 1000
    headers = {"content-type": "text/plain", "x-pid": str(os.getpid())}
    stream.start(200, headers, ["session=abc; Path=/", "theme=dark"])
    for index in range(count):
        stream.write(f"chunk {index} {time.monotonic():.6f}\n")
        if index < count - 1:
            time.sleep(delay)


def sleep(event: dict[str, Any], stream: Stream) -> None:
    """Start the stream, then outlive the function's timeout."""
    stream.start(200, {"content-type": "text/plain", "x-pid": str(os.getpid())})
    stream.write("before the timeout\n")
    time.sleep(_query(event, "s", 60))
    stream.write("never sent\n")


def sleep_silent(event: dict[str, Any], stream: Stream) -> None:
    """Outlive the timeout without sending anything."""
    time.sleep(_query(event, "s", 60))


def echo(event: dict[str, Any], stream: Stream) -> None:
    """The event itself, as JSON."""
    stream.start(200, {"content-type": "application/json", "x-pid": str(os.getpid())})
    stream.write(json.dumps(event))


def binary(event: dict[str, Any], stream: Stream) -> None:
    """The decoded request body, unchanged, as octets."""
    body = event.get("body", "")
    data = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    stream.start(200, {"content-type": "application/octet-stream"})
    stream.write(data)


def cors(event: dict[str, Any], stream: Stream) -> None:
    """A function that sets its own (conflicting) CORS header."""
    stream.start(200, {"content-type": "text/plain", "access-control-allow-origin": "*"})
    stream.write("ok")


def fail_early(event: dict[str, Any], stream: Stream) -> None:
    """An exception before the prelude."""
    raise ValueError("failed before the first byte")


def fail_late(event: dict[str, Any], stream: Stream) -> None:
    """An exception after some of the body."""
    stream.start(200, {"content-type": "text/plain"})
    stream.write("partial\n")
    raise ValueError("failed mid-stream")


def crash(event: dict[str, Any], stream: Stream) -> None:
    """The process dies mid-stream."""
    stream.start(200, {"content-type": "text/plain"})
    stream.write("going down\n")
    os._exit(3)


def exit_early(event: dict[str, Any], stream: Stream) -> None:
    """sys.exit() before the first byte: the runtime process ends, as in Lambda."""
    raise SystemExit(0)


def mirror(event: dict[str, Any], stream: Stream) -> None:
    """The response the request body describes (the Node twin is node/index.mjs)."""
    spec = json.loads(event["body"])
    stream.start(spec["status"], spec["headers"], spec["cookies"])
    for chunk in spec["chunks"]:
        stream.write(chunk)
        time.sleep(spec["pause_ms"] / 1000)


ROUTES: dict[str, Callable[[dict[str, Any], Stream], None]] = {
    "/chunks": chunks,
    "/sleep": sleep,
    "/sleep-silent": sleep_silent,
    "/echo": echo,
    "/binary": binary,
    "/cors": cors,
    "/fail-early": fail_early,
    "/fail-late": fail_late,
    "/crash": crash,
    "/mirror": mirror,
    "/exit": exit_early,
}


def handler(event: dict[str, Any], context: Any, *, stream: Stream) -> None:
    """Dispatch on the path."""
    ROUTES[event["rawPath"]](event, stream)
