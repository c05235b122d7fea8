"""Complete (non-streamed) HTTP answers: buffered function results and the URL's own errors."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class HttpResult:
    """A whole HTTP response: status, headers, Set-Cookie values, body."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    cookies: tuple[str, ...] = ()
    body: bytes = b""


def json_result(status: int, payload: object, *extra: tuple[str, str]) -> HttpResult:
    """A JSON answer made by the URL itself (not by the function)."""
    body = json.dumps(payload).encode()
    return HttpResult(status, (("Content-Type", "application/json"), *extra), (), body)


FORBIDDEN = json_result(
    403, {"Message": "Forbidden"}, ("x-amzn-ErrorType", "AccessDeniedException")
)
THROTTLED = json_result(
    429, {"Message": "Rate Exceeded."}, ("x-amzn-ErrorType", "TooManyRequestsException")
)
TOO_LARGE = json_result(
    413, {"Message": "Request must be smaller than 6291456 bytes for the InvokeFunction operation"}
)


def function_error(error_type: str, message: str, raw: bytes | None = None) -> HttpResult:
    """502 with Lambda's error JSON: the function failed, crashed or timed out before a byte."""
    body = raw if raw else json.dumps({"errorType": error_type, "errorMessage": message}).encode()
    headers = (
        ("Content-Type", "application/json"),
        ("X-Amz-Function-Error", "Unhandled"),
        ("x-amzn-ErrorType", error_type),
    )
    return HttpResult(502, headers, (), body)


def buffered_result(payload: bytes) -> HttpResult:
    """Interpret a buffered function result as a Function URL does (docs/PROTOCOLS.md §4.3)."""
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return function_error("Runtime.InvalidResponse", "The function's response is not JSON")
    if not isinstance(data, dict) or "statusCode" not in data:
        # Valid JSON without statusCode: status 200, the value itself as a JSON body.
        return HttpResult(200, (("Content-Type", "application/json"),), (), payload)
    status = data["statusCode"]
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        return function_error("Runtime.InvalidResponse", f"Invalid statusCode {status!r}")
    headers = [(str(k), str(v)) for k, v in (data.get("headers") or {}).items()]
    for name, values in (data.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(value)) for value in values)
    cookies = tuple(str(cookie) for cookie in data.get("cookies") or ())
    raw_body = data.get("body")
    text = (
        raw_body
        if isinstance(raw_body, str)
        else ("" if raw_body is None else json.dumps(raw_body))
    )
    if data.get("isBase64Encoded"):
        try:
            body = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            return function_error("Runtime.InvalidResponse", "body is not valid base64")
    else:
        body = text.encode("utf-8")
    return HttpResult(status, tuple(headers), cookies, body)
