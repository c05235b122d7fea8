"""The Runtime API client: fetch invocations and report results, over one connection.

API reference: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
(docs/PROTOCOLS.md §1).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import NamedTuple

from streaming_runtime.errors import AFTER_RESTORE_ERROR
from streaming_runtime.framing import (
    ERROR_BODY_TRAILER,
    ERROR_TYPE_TRAILER,
    HTTP_INTEGRATION_CONTENT_TYPE,
    header_safe,
    request_head,
)
from streaming_runtime.transport import Connection, Response, TransportError
from streaming_runtime.types import ErrorPayload

API_PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = ERROR_TYPE_TRAILER
XRAY_CAUSE_HEADER = "Lambda-Runtime-Function-XRay-Error-Cause"


class InvocationRequest(NamedTuple):
    """What ``GET /next`` returned: the event bytes and the per-invocation headers."""

    request_id: str
    headers: dict[str, str]
    event: bytes


class RuntimeApiError(Exception):
    """The Runtime API refused a call (status other than 2xx)."""


_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def percent_encode(value: str) -> str:
    """Encode a path segment like JavaScript's encodeURIComponent (without urllib's import cost)."""
    return "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in value.encode())


def _invocation_path(request_id: str, kind: str) -> str:
    return f"{API_PREFIX}/invocation/{percent_encode(request_id)}/{kind}"


def streaming_head(host: str, request_id: str) -> bytes:
    """Head of the chunked ``/response`` POST that announces both error trailers."""
    return request_head(
        "POST",
        _invocation_path(request_id, "response"),
        [
            ("Host", host),
            ("Lambda-Runtime-Function-Response-Mode", "streaming"),
            ("Transfer-Encoding", "chunked"),
            ("Trailer", f"{ERROR_TYPE_TRAILER}, {ERROR_BODY_TRAILER}"),
            ("Content-Type", HTTP_INTEGRATION_CONTENT_TYPE),
        ],
    )


def sized_request(
    host: str, method: str, path: str, body: bytes, error_type: str = "", *, xray_cause: str = ""
) -> bytes:
    """A complete request with a ``Content-Length`` body (and the error headers, if given)."""
    headers = [("Host", host), ("Content-Type", "application/json")]
    if error_type:
        headers.append((ERROR_TYPE_HEADER, header_safe(error_type)))
    if xray_cause:
        headers.append((XRAY_CAUSE_HEADER, xray_cause))  # ASCII JSON on one line (xray.py)
    headers.append(("Content-Length", str(len(body))))
    return request_head(method, path, headers) + body


def _accepted(response: Response) -> Response:
    """The response when its status is 2xx; RuntimeApiError otherwise."""
    if not 200 <= response.status < 300:
        raise RuntimeApiError(f"Runtime API answered {response.status}: {response.body!r}")
    return response


class RuntimeClient:
    """Talks to ``AWS_LAMBDA_RUNTIME_API``; the address is a parameter for tests."""

    def __init__(self, address: str) -> None:
        self.connection = Connection(address)
        self.host = address

    def _exchange(self, data: bytes, *, retry: bool = False) -> Response:
        reused = self.connection.is_open
        try:
            self.connection.send(data)
            response = self.connection.read_response()
        except TransportError:
            if not (retry and reused):
                raise
            # The server may have closed an idle keep-alive connection: try once more afresh
            # (only for GET /next, a whole request that nothing was sent of yet).
            self.connection.reset()
            self.connection.send(data)
            response = self.connection.read_response()
        return _accepted(response)

    def next_invocation(self) -> InvocationRequest:
        """Block until the next event arrives, on a fresh connection if the last one broke."""
        if self.connection.broken is not None:
            self.connection.reset()
        head = request_head("GET", f"{API_PREFIX}/invocation/next", [("Host", self.host)])
        response = self._exchange(head, retry=True)
        request_id = response.headers.get("lambda-runtime-aws-request-id")
        if not request_id:
            raise RuntimeApiError("GET /next returned no Lambda-Runtime-Aws-Request-Id")
        return InvocationRequest(request_id, response.headers, response.body)

    def invocations(self) -> Iterator[InvocationRequest]:
        """Every invocation, forever; slice it to run a given number."""
        while True:
            yield self.next_invocation()

    def send_buffered(self, request_id: str, body: bytes) -> None:
        """Post a whole (non-streamed) result."""
        path = _invocation_path(request_id, "response")
        self._exchange(sized_request(self.host, "POST", path, body))

    def _post_error(
        self, path: str, payload: ErrorPayload, error_type: str, xray_cause: str
    ) -> None:
        body = json.dumps(payload).encode()
        request = sized_request(
            self.host, "POST", path, body, error_type=error_type, xray_cause=xray_cause
        )
        self._exchange(request)

    def report_error(self, request_id: str, payload: ErrorPayload, xray_cause: str = "") -> None:
        """Post an invocation error (only before a streamed response was opened)."""
        path = _invocation_path(request_id, "error")
        self._post_error(path, payload, payload["errorType"], xray_cause)

    def report_init_error(
        self, payload: ErrorPayload, xray_cause: str = "", error_type: str = ""
    ) -> None:
        """Post an initialization error, before the first ``GET /next``.

        The error-type header is the payload's type unless error_type names another (SnapStart's
        Runtime.BeforeSnapshotError, as awslambdaric sends it).
        """
        path = f"{API_PREFIX}/init/error"
        self._post_error(path, payload, error_type or payload["errorType"], xray_cause)

    def restore_next(self) -> None:
        """``GET /restore/next`` (SnapStart): returns once this environment is restored.

        Lambda takes the snapshot while this request waits, so the answer comes in a restored
        copy. The connection is then dropped and the next request opens a new one: AWS does
        not document how connections that span a snapshot behave, and a loopback connect is
        cheap, so nothing from before the snapshot is reused (awslambdaric opens a connection
        per request anyway). https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html
        """
        head = request_head("GET", f"{API_PREFIX}/restore/next", [("Host", self.host)])
        self._exchange(head)
        self.connection.close()

    def report_restore_error(self, payload: ErrorPayload, xray_cause: str = "") -> None:
        """Post a failed after-restore hook (SnapStart) as Runtime.AfterRestoreError."""
        path = f"{API_PREFIX}/restore/error"
        self._post_error(path, payload, AFTER_RESTORE_ERROR, xray_cause)

    def finish_stream(self) -> None:
        """Read the Runtime API's answer to a streamed response that was just ended."""
        _accepted(self.connection.read_response())
