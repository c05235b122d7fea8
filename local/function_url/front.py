"""The Function URL's decisions for one request: preflight, auth, invoke, and the answer."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from local.function_url import results
from local.function_url.cors import CorsConfig, is_preflight, strip_cors
from local.function_url.event import HttpRequest, IamAuthorizer, UrlIdentity, build_event
from local.function_url.outcome import final_result
from local.function_url.prelude import HTTP_INTEGRATION, PreludeError, PreludeParser
from local.function_url.results import HttpResult
from local.function_url.sigv4 import LocalCredentials, SignatureError, verify
from local.lambda_env.config import trace_id
from local.lambda_env.pool import EnvironmentPool, InitFailed, Run, Throttled

AuthType = Literal["NONE", "AWS_IAM"]
InvokeMode = Literal["RESPONSE_STREAM", "BUFFERED"]
Ending = Literal["complete", "error", "truncated"]
# Lambda's synchronous invocation payload limit (also the Function URL request limit).
MAX_REQUEST = 6 * 1024 * 1024


@dataclass(frozen=True)
class UrlConfig:
    """The ``AWS::Lambda::Url`` settings the twin honours."""

    auth_type: AuthType = "NONE"
    invoke_mode: InvokeMode = "RESPONSE_STREAM"
    cors: CorsConfig | None = None
    identity: UrlIdentity = field(default_factory=UrlIdentity)
    credentials: LocalCredentials | None = None  # required for AWS_IAM


@dataclass
class StreamedResult:
    """A streamed answer: the prelude's status, headers and cookies, then body pieces."""

    status: int
    headers: list[tuple[str, str]]
    cookies: tuple[str, ...]
    body: Iterator[bytes]
    run: Run

    def ending(self) -> tuple[Ending, str | None]:
        """How the stream ended, once ``body`` is exhausted, and the error type if any."""
        self.run.settle()
        invocation = self.run.invocation
        if invocation.outcome == "truncated":
            if self.run.timed_out:
                return "truncated", "Sandbox.Timedout"
            return "truncated", invocation.failure or "Runtime.TruncatedResponse"
        response = invocation.response
        error_type = response.trailer("lambda-runtime-function-error-type") if response else None
        return ("error", error_type) if error_type else ("complete", None)


Answer = HttpResult | StreamedResult


class FunctionUrl:
    """Turns HTTP requests into invocations of the pool's function and back."""

    def __init__(
        self, pool: EnvironmentPool, config: UrlConfig, log: Callable[[str], None] = print
    ) -> None:
        self.pool = pool
        self.config = config
        self.log = log

    def handle(self, request: HttpRequest) -> Answer:
        """The answer to ``request``: a complete result or a stream still arriving."""
        origin = request.header("origin")
        cors = self.config.cors
        if cors is not None and is_preflight(
            request.method, origin, request.header("access-control-request-method")
        ):
            # Answered by the URL from its configuration, without invoking the function.
            headers = cors.preflight_headers(
                origin, request.header("access-control-request-headers")
            )
            return HttpResult(200, tuple(headers))
        answer = self._invoke(request)
        if cors is None or not cors.allows(origin):
            return answer
        extra = cors.response_headers(origin)
        if isinstance(answer, HttpResult):
            return HttpResult(
                answer.status,
                (*strip_cors(list(answer.headers)), *extra),
                answer.cookies,
                answer.body,
            )
        answer.headers = strip_cors(answer.headers) + extra
        return answer

    def _invoke(self, request: HttpRequest) -> Answer:
        if len(request.body) > MAX_REQUEST:
            return results.TOO_LARGE
        authorizer = None
        if self.config.auth_type == "AWS_IAM":
            authorizer = self._authorize(request)
            if authorizer is None:
                return results.FORBIDDEN
        request_id = str(uuid.uuid4())
        identity = self.config.identity
        host = request.header("host")
        if host:
            # On AWS the Host is the URL's domain, <url-id>.lambda-url.<region>.on.aws.
            identity = dataclasses.replace(identity, domain=host.rsplit(":", 1)[0])
        # The front end starts the X-Ray trace: the function sees its root in the event's
        # x-amzn-trace-id header and the whole header in Lambda-Runtime-Trace-Id.
        trace = trace_id(sampled=self.pool.config.traced)
        root = trace.split(";", 1)[0]
        traced = request
        if request.header("x-amzn-trace-id") is None:
            traced = dataclasses.replace(
                request, headers=[*request.headers, ("X-Amzn-Trace-Id", root)]
            )
        event = build_event(traced, request_id=request_id, identity=identity, authorizer=authorizer)
        try:
            run = self.pool.invoke(json.dumps(event).encode(), request_id=request_id, trace=trace)
        except Throttled:
            return results.THROTTLED
        except InitFailed as exc:
            failure = exc.failure
            return results.function_error(failure.error_type, failure.message, failure.raw)
        answer = self._answer(run)
        ids = [("x-amzn-RequestId", request_id), ("X-Amzn-Trace-Id", root)]
        if isinstance(answer, HttpResult):
            return HttpResult(answer.status, (*answer.headers, *ids), answer.cookies, answer.body)
        answer.headers.extend(ids)
        return answer

    def _authorize(self, request: HttpRequest) -> IamAuthorizer | None:
        creds = self.config.credentials
        if creds is None:
            return None
        try:
            verify(request, creds)
        except SignatureError as exc:
            self.log(f"[url] 403: {exc}")
            return None
        return {
            "accessKey": creds.access_key,
            "accountId": creds.account_id,
            "callerId": "AIDALOCALTWINCALLER",
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": f"arn:aws:iam::{creds.account_id}:user/local",
            "userId": "AIDALOCALTWINCALLER",
        }

    def _answer(self, run: Run) -> Answer:
        invocation = run.invocation
        pieces = invocation.iter_body()
        parser = PreludeParser()
        streaming = False
        first = b""
        for piece in pieces:
            response = invocation.response
            mode = response.header("lambda-runtime-function-response-mode") if response else None
            streaming = mode is not None and self.config.invoke_mode == "RESPONSE_STREAM"
            if not streaming:
                continue  # buffered: wait for the whole result
            if invocation.content_type != HTTP_INTEGRATION:
                # No prelude: status 200 and the runtime's content type (docs/PROTOCOLS.md §2.3).
                content_type = invocation.content_type or "application/octet-stream"
                return StreamedResult(
                    200, [("Content-Type", content_type)], (), _chain(piece, pieces), run
                )
            try:
                first = parser.feed(piece)
            except PreludeError as exc:
                # The URL cannot make an HTTP response of it; the invocation runs on unread.
                self.log(f"[url] 502: {exc}")
                return results.function_error("Runtime.InvalidResponse", str(exc))
            if parser.prelude is not None:
                break
        return self._finish(run, parser, first, pieces, streaming)

    def _finish(
        self,
        run: Run,
        parser: PreludeParser,
        first: bytes,
        pieces: Iterator[bytes],
        streaming: bool,
    ) -> Answer:
        if streaming and parser.prelude is not None:
            prelude = parser.prelude
            return StreamedResult(
                prelude.status, list(prelude.headers), prelude.cookies, _chain(first, pieces), run
            )
        run.invocation.wait()
        run.settle()
        return final_result(run.invocation, timed_out=run.timed_out, timeout_s=run.timeout_s)


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest
