"""The invocation loop: event in, handler called, outcome reported, next."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

from streaming_runtime.client import InvocationRequest, RuntimeClient
from streaming_runtime.context import context_from_headers, set_trace_id
from streaming_runtime.errors import error_payload
from streaming_runtime.loader import is_streaming
from streaming_runtime.logsink import LineSink, LogSink
from streaming_runtime.stream import ResponseStream
from streaming_runtime.transport import TransportError
from streaming_runtime.types import ErrorPayload
from streaming_runtime.xray import cause_of


def _encode_result(result: Any) -> bytes:
    if isinstance(result, bytes):
        return result
    return json.dumps(result).encode()


class Invoker:
    """Runs one handler for each invocation and reports to the Runtime API."""

    def __init__(
        self,
        handler: Callable[..., Any],
        client: RuntimeClient,
        environ: MutableMapping[str, str] = os.environ,
        log: LogSink | None = None,
    ) -> None:
        self.handler = handler
        self.client = client
        self.environ = environ
        self.log = log or LineSink()
        self.streaming = is_streaming(handler)

    def __call__(self, invocation: InvocationRequest) -> None:
        """Handle one invocation; handler errors are reported, never raised."""
        set_trace_id(invocation.headers, self.environ)
        stream = ResponseStream(self.client, invocation.request_id)
        try:
            context = context_from_headers(invocation.headers, self.environ)
            event = json.loads(invocation.event) if invocation.event else {}
            if self.streaming:
                self.handler(event, context, stream=stream)
                stream.close()
            else:
                body = _encode_result(self.handler(event, context))
                self.client.send_buffered(invocation.request_id, body)
        except TransportError:
            raise
        except Exception as exc:
            payload = error_payload(exc)
            self.log.record(invocation.request_id, payload)
            self._report(invocation.request_id, stream, payload, exc)

    def _report(
        self, request_id: str, stream: ResponseStream, payload: ErrorPayload, exc: BaseException
    ) -> None:
        if stream.closed:
            return  # the failure came after the response was complete (reading the 202)
        if stream.started:
            stream.fail(payload)  # after the first byte, only trailers can carry the error
        else:
            self.client.report_error(request_id, payload, cause_of(exc, payload))


def run(
    invoke: Callable[[InvocationRequest], None],
    invocations: Iterable[InvocationRequest],
    log: LogSink | None = None,
) -> int:
    """Handle each invocation in turn; returns how many were handled."""
    sink = log or LineSink()
    count = 0
    for invocation in invocations:
        try:
            invoke(invocation)
        except TransportError as exc:
            # The connection to the Runtime API broke mid-response: that response is lost (the
            # Runtime API records it as cut short); the next invocation gets a new connection.
            sink.record(invocation.request_id, error_payload(exc))
        count += 1
    return count
