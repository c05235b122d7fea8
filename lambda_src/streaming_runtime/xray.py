"""The X-Ray error cause of a failed invocation or init, sent with the error to the Runtime API.

Lambda takes it in the ``Lambda-Runtime-Function-XRay-Error-Cause`` header of
/invocation/{id}/error and /init/error and shows it in the function's trace
(https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html; docs/PROTOCOLS.md §1.4).
"""

from __future__ import annotations

import json
import os

from streaming_runtime.types import ErrorPayload, XRayCause, XRayStackFrame

# AWS's own runtime clients drop a cause of 1 MiB or more (awslambdaric's
# lambda_runtime_client.py, aws-lambda-go). This one is cut to far less instead, keeping the
# frames nearest the error, so that the header also fits the 64 KiB line limit of common HTTP
# servers (the local Runtime API's among them) and the trace stays readable.
MAX_CAUSE_BYTES = 32 * 1024
_MAX_TEXT = 512  # characters kept of the type, the message and the working directory


def _size(value: object) -> int:
    return len(json.dumps(value))


def stack_frames(exc: BaseException) -> list[XRayStackFrame]:
    """The traceback of exc, outermost frame first, as X-Ray stack frames."""
    import traceback  # noqa: PLC0415 - only on failure, not on every cold start

    return [
        {"path": frame.filename, "line": frame.lineno or 0, "label": frame.name}
        for frame in traceback.extract_tb(exc.__traceback__)
    ]


def xray_cause(
    error_type: str, message: str, frames: list[XRayStackFrame], working_directory: str
) -> str:
    """The cause as one line of ASCII JSON within MAX_CAUSE_BYTES; "" when it cannot fit."""
    cause: XRayCause = {
        "working_directory": working_directory[:_MAX_TEXT],
        "exceptions": [
            {"type": error_type[:_MAX_TEXT], "message": message[:_MAX_TEXT], "stack": []}
        ],
        "paths": [],
    }
    room = MAX_CAUSE_BYTES - _size(cause)
    kept: list[XRayStackFrame] = []
    paths: set[str] = set()
    for frame in reversed(frames):  # innermost first: the frames nearest the error matter most
        cost = _size(frame) + 2  # with ", " before it
        new_path = frame["path"] not in paths
        if new_path:
            cost += _size(frame["path"]) + 2
        if cost > room:
            break
        room -= cost
        kept.append(frame)
        paths.add(frame["path"])
    kept.reverse()
    cause["exceptions"][0]["stack"] = kept
    cause["paths"] = list(dict.fromkeys(frame["path"] for frame in kept))
    # ensure_ascii: the header stays ASCII on one line whatever the message holds.
    text = json.dumps(cause, separators=(",", ":"))
    return text if len(text) <= MAX_CAUSE_BYTES else ""


def cause_of(exc: BaseException, payload: ErrorPayload) -> str:
    """The cause header for exc, reported with payload (its type and message)."""
    try:
        cwd = os.getcwd()
    except OSError:  # the working directory was removed
        cwd = ""
    return xray_cause(payload["errorType"], payload["errorMessage"], stack_frames(exc), cwd)
