"""The same logical responses as ../node_task/index.mjs, with our streaming runtime."""

from __future__ import annotations

import time
from typing import Any


class Error(Exception):
    """Named like JavaScript's Error so both runtimes report the same error type."""


def handler(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    if event.get("fail") == "early":
        raise Error(event["message"])
    stream.start(event["status"], event["headers"], event["cookies"])
    for chunk in event["chunks"]:
        stream.write(chunk)
        time.sleep(event["pause_ms"] / 1000)
    if event.get("fail") == "late":
        raise Error(event["message"])
