"""A streaming handler for the throughput benchmark: `bytes` bytes in writes of `chunk` bytes."""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    """Write the requested amount as fast as the runtime takes it."""
    chunk = b"x" * int(event["chunk"])
    stream.start(200, {"content-type": "application/octet-stream"})
    for _ in range(int(event["bytes"]) // len(chunk)):
        stream.write(chunk)
