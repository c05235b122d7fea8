"""Handlers run by the real bootstrap in the runtime's functional tests; the event steers them."""

from __future__ import annotations

import functools
import os
import time
from typing import Any


def stream_chunks(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    """Start with the event's status/headers/cookies, then write each chunk, pausing between."""
    if "status" in event:
        stream.start(event["status"], event.get("headers"), event.get("cookies"))
    for chunk in event.get("chunks", []):
        stream.write(chunk)
        time.sleep(event.get("pause_s", 0))


def fail_early(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    """Raise before anything was sent."""
    raise ValueError(event.get("message", "early failure"))


def fail_late(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    """Send some of the body, then raise."""
    stream.start(200, {"content-type": "text/plain"})
    for chunk in event.get("chunks", ["partial "]):
        stream.write(chunk)
    raise RuntimeError(event.get("message", "late failure"))


def _traced(handler: Any) -> Any:
    """A wrapper like Powertools' decorators: forwards keyword arguments, keeps the signature."""

    @functools.wraps(handler)
    def wrapper(event: dict[str, Any], context: Any, **kwargs: Any) -> Any:
        return handler(event, context, **kwargs)

    return wrapper


@_traced
def report_context(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    """Write what the handler sees of its context and environment, as JSON."""
    import json

    stream.start(200, {"content-type": "application/json"})
    stream.write(
        json.dumps(
            {
                "aws_request_id": context.aws_request_id,
                "invoked_function_arn": context.invoked_function_arn,
                "function_name": context.function_name,
                "function_version": context.function_version,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "log_group_name": context.log_group_name,
                "log_stream_name": context.log_stream_name,
                "remaining_ms": context.get_remaining_time_in_millis(),
                "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
                "wrapped_by": os.environ.get("WRAPPED_BY"),
                "event": event,
            }
        )
    )


def buffered(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A classic Function URL handler returning a result dict."""
    return {"statusCode": 201, "headers": {"content-type": "text/plain"}, "body": event["body"]}


def returns_nothing(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    """Return without writing anything: the response must still end cleanly."""


def report_sys_path(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    """Write the import path and interpreter the runtime runs with."""
    import json
    import sys

    stream.write(json.dumps({"sys_path": sys.path, "executable": sys.executable}))


# --- misbehaving handlers (test_runtime_misbehaving_handlers.py) ----------------------------


def write_value(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    """Optionally start, then write the event's value as it is (an int, a list, None...)."""
    if event.get("start"):
        stream.start(200, {"content-type": "text/plain"})
        stream.write("before ")
    stream.write(event.get("value"))


def write_after_close(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    """Write, close, then write again."""
    stream.write("complete")
    stream.close()
    stream.write("too late")


def start_twice(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    """Start, write, then start again."""
    stream.start(200, {"content-type": "text/plain"})
    stream.write("first")
    stream.start(500, {"content-type": "text/plain"})


def bad_start(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    """Start with the event's (invalid) status."""
    stream.start(event.get("status"), event.get("headers"))


def unserializable(event: dict[str, Any], context: Any) -> Any:
    """A buffered handler returning what json.dumps cannot encode."""
    return {"statusCode": 200, "body": {1, 2, 3}}


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("str() of this exception fails")


def raise_unprintable(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    """Raise an exception whose message cannot be formatted (optionally after starting)."""
    if event.get("start"):
        stream.write("partial")
    raise _Unprintable


def raise_base(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    """Raise a BaseException subclass (optionally after starting)."""
    if event.get("start"):
        stream.write("partial")
    kind = event["kind"]
    if kind == "SystemExit":
        raise SystemExit(event.get("code", 3))
    if kind == "KeyboardInterrupt":
        raise KeyboardInterrupt
    raise GeneratorExit


def huge_error(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    """Raise with a message of the event's size (optionally after starting)."""
    if event.get("start"):
        stream.write("partial")
    raise ValueError("m" * event["size"])


def print_huge(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    """Print megabytes to stdout and stderr, then answer."""
    import sys

    line = "p" * 1023 + "\n"
    for _ in range(event["mb"] * 1024):
        sys.stdout.write(line)
        sys.stderr.write(line)
    sys.stdout.flush()
    stream.write("printed")


def big_chunk(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    """Write one chunk of the event's size in megabytes, then a small one."""
    stream.start(200, {"content-type": "application/octet-stream"})
    stream.write(b"x" * (event["mb"] * 1024 * 1024))
    stream.write(b"end")


# --- the connection to the Runtime API breaking (test_runtime_connection.py) ----------------


def write_until_broken(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    """Write numbered chunks until a write fails, then try a few more; report to a file.

    The Runtime API resets the connection after some chunks; the report says which writes
    raised, so the test can check that none went out on a new connection.
    """
    import json

    outcomes: list[str] = []
    stream.start(200, {"content-type": "text/plain"})
    failed_at = None
    for index in range(event.get("max_writes", 2000)):
        try:
            stream.write(f"chunk-{index};")
            outcomes.append("ok")
        except Exception as exc:  # what a handler that keeps going sees
            outcomes.append(type(exc).__name__)
            failed_at = failed_at if failed_at is not None else index
        if failed_at is not None and index >= failed_at + event.get("after_failure", 5):
            break
        time.sleep(event.get("pause_s", 0.005))
    with open(event["report"], "w") as report:
        json.dump(outcomes, report)
