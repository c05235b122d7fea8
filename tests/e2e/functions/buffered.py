"""A buffered (non-streaming) test function: returns a Function URL result object."""

from __future__ import annotations

import base64
import os
from typing import Any


def handler(event: dict[str, Any], context: Any) -> Any:
    """A result dict for most paths; a bare JSON value for /bare."""
    if event["rawPath"] == "/bare":
        return {"hello": "world"}
    if event["rawPath"] == "/binary":
        return {
            "statusCode": 200,
            "headers": {"content-type": "application/octet-stream"},
            "body": base64.b64encode(bytes(range(256))).decode(),
            "isBase64Encoded": True,
        }
    return {
        "statusCode": 201,
        "headers": {"content-type": "text/plain", "x-pid": str(os.getpid())},
        "cookies": ["flavour=buffered"],
        "body": "buffered body",
        "isBase64Encoded": False,
    }
