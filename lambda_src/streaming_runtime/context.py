"""The Lambda context object, built from ``GET /next`` headers and the environment."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

# Records here are NamedTuples and slotted classes, not dataclasses: importing dataclasses
# pulls in inspect (~10 ms), paid at every cold start before the first invocation.


def remaining_millis(deadline_ms: int, now_ms: int) -> int:
    """Milliseconds left until the deadline, never negative."""
    return max(0, deadline_ms - now_ms)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class CognitoIdentity(NamedTuple):
    """``context.identity`` as the managed Python runtime exposes it."""

    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None


class ClientContext(NamedTuple):
    """``context.client_context`` (AWS Mobile SDK invocations only)."""

    client: dict[str, Any] | None = None
    custom: dict[str, Any] | None = None
    env: dict[str, Any] | None = None


class LambdaContext:
    """The attributes handlers and Powertools read, with the managed runtime's names."""

    __slots__ = (
        "aws_request_id",
        "client_context",
        "clock_ms",
        "deadline_ms",
        "function_name",
        "function_version",
        "identity",
        "invoked_function_arn",
        "log_group_name",
        "log_stream_name",
        "memory_limit_in_mb",
        "tenant_id",
    )

    def __init__(
        self,
        *,
        aws_request_id: str,
        invoked_function_arn: str,
        deadline_ms: int,
        function_name: str = "",
        function_version: str = "$LATEST",
        memory_limit_in_mb: int = 0,
        log_group_name: str = "",
        log_stream_name: str = "",
        identity: CognitoIdentity | None = None,
        client_context: ClientContext | None = None,
        tenant_id: str | None = None,
        clock_ms: Callable[[], int] = _now_ms,
    ) -> None:
        self.aws_request_id = aws_request_id
        self.invoked_function_arn = invoked_function_arn
        self.deadline_ms = deadline_ms
        self.function_name = function_name
        self.function_version = function_version
        self.memory_limit_in_mb = memory_limit_in_mb
        self.log_group_name = log_group_name
        self.log_stream_name = log_stream_name
        self.identity = identity
        self.client_context = client_context
        self.tenant_id = tenant_id
        self.clock_ms = clock_ms

    def __repr__(self) -> str:
        return f"LambdaContext(aws_request_id={self.aws_request_id!r})"

    def get_remaining_time_in_millis(self) -> int:
        """Time left before Lambda stops this invocation."""
        return remaining_millis(self.deadline_ms, self.clock_ms())

    def log(self, message: str) -> None:
        """Write to the function's log, like the managed runtime's ``context.log``."""
        sys.stdout.write(message)
        sys.stdout.flush()


def _json_object(raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def context_from_headers(
    headers: Mapping[str, str], environ: Mapping[str, str] = os.environ
) -> LambdaContext:
    """Build the context; ``headers`` are lower-cased ``GET /next`` response headers."""
    identity = _json_object(headers.get("lambda-runtime-cognito-identity"))
    client = _json_object(headers.get("lambda-runtime-client-context"))
    return LambdaContext(
        aws_request_id=headers["lambda-runtime-aws-request-id"],
        invoked_function_arn=headers.get("lambda-runtime-invoked-function-arn", ""),
        deadline_ms=int(headers.get("lambda-runtime-deadline-ms", "0")),
        function_name=environ.get("AWS_LAMBDA_FUNCTION_NAME", ""),
        function_version=environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        memory_limit_in_mb=int(environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "0") or 0),
        log_group_name=environ.get("AWS_LAMBDA_LOG_GROUP_NAME", ""),
        log_stream_name=environ.get("AWS_LAMBDA_LOG_STREAM_NAME", ""),
        identity=CognitoIdentity(
            identity.get("cognitoIdentityId"), identity.get("cognitoIdentityPoolId")
        )
        if identity
        else None,
        client_context=ClientContext(client.get("client"), client.get("custom"), client.get("env"))
        if client
        else None,
        tenant_id=headers.get("lambda-runtime-aws-tenant-id"),
    )


def set_trace_id(headers: Mapping[str, str], environ: Any = os.environ) -> None:
    """Expose the X-Ray trace id for this invocation, removing a stale one when absent."""
    trace_id = headers.get("lambda-runtime-trace-id")
    if trace_id:
        environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        environ.pop("_X_AMZN_TRACE_ID", None)
