"""The complete HTTP answer for an invocation that ended before it could be streamed."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from local.function_url import results
from local.function_url.prelude import HTTP_INTEGRATION, PreludeError, PreludeParser
from local.function_url.results import HttpResult
from local.runtime_api import Invocation, RecordedRequest


def final_result(invocation: Invocation, *, timed_out: bool, timeout_s: float) -> HttpResult:
    """What the URL answers once ``invocation`` is over and nothing was sent yet."""
    response = invocation.response
    if invocation.outcome == "truncated" or response is None:
        if timed_out:
            message = f"Task timed out after {timeout_s:.2f} seconds"
            return results.function_error("Sandbox.Timedout", message)
        error_type = invocation.failure or "Runtime.ExitError"
        return results.function_error(error_type, "Runtime exited without providing a reason")
    return _BY_OUTCOME[invocation.outcome or "buffered"](response)


def _error(response: RecordedRequest) -> HttpResult:
    error_type = response.header("lambda-runtime-function-error-type") or "Unhandled"
    return results.function_error(error_type, "", response.body)


def _buffered(response: RecordedRequest) -> HttpResult:
    return results.buffered_result(response.body)


def _streamed(response: RecordedRequest) -> HttpResult:
    error_type = response.trailer("lambda-runtime-function-error-type")
    if error_type:
        # Failed before the prelude (Node's RIC reports handler errors this way, §2.5).
        return results.function_error(error_type, "", _trailer_body(response.trailer))
    content_type = response.header("content-type")
    if content_type != HTTP_INTEGRATION:
        # No prelude: status 200 and the runtime's content type (docs/PROTOCOLS.md §2.3).
        headers = (("Content-Type", content_type or "application/octet-stream"),)
        return HttpResult(200, headers, (), response.body)
    parser = PreludeParser()
    try:
        rest = parser.feed(response.body)
        prelude = parser.finish()
    except PreludeError as exc:
        return results.function_error("Runtime.InvalidResponse", str(exc))
    return HttpResult(prelude.status, prelude.headers, prelude.cookies, rest)


_BY_OUTCOME: dict[str, Callable[[RecordedRequest], HttpResult]] = {
    "error": _error,
    "buffered": _buffered,
    "streaming": _streamed,
}


def _trailer_body(trailer: Callable[[str], str | None]) -> bytes | None:
    encoded = trailer("lambda-runtime-function-error-body")
    if not encoded:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None
