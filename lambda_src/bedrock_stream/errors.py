"""The one error taxonomy: app errors, Bedrock error codes, and how each reaches the client."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

from botocore.eventstream import ParserError as EventStreamParserError
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
)
from botocore.exceptions import ReadTimeoutError as BotoReadTimeoutError
from urllib3.exceptions import ProtocolError
from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeoutError

StreamCode = Literal[
    "throttled",
    "model_stream_error",
    "upstream_error",
    "upstream_stalled",
    "deadline",
    "internal",
]

# docs/API.md §4: code -> (HTTP status, may the client retry).
HTTP_CODES: Final[dict[str, tuple[int, bool]]] = {
    "invalid_request": (400, False),
    "unauthorized": (401, False),
    "forbidden": (403, False),
    "model_not_allowed": (403, False),
    "model_access_denied": (403, False),
    "not_found": (404, False),
    "model_not_found": (404, False),
    "method_not_allowed": (405, False),
    "payload_too_large": (413, False),
    "throttled": (429, True),
    "internal": (500, False),
    "upstream_error": (502, True),
    "model_not_ready": (503, True),
    "unavailable": (503, True),
    "upstream_timeout": (504, True),
}

# In-stream codes (docs/API.md §4) -> may the client retry (resume, §5).
STREAM_CODES: Final[dict[StreamCode, bool]] = {
    "throttled": True,
    "model_stream_error": True,
    "upstream_error": True,
    "upstream_stalled": True,
    "deadline": True,
    "internal": False,
}


@dataclass(frozen=True)
class BedrockRule:
    """How one Bedrock error code is answered before and after the first byte."""

    http_code: str
    stream_code: StreamCode
    retry: bool  # retried by us with backoff, before the first byte only


# Bedrock errors: HTTP ones (docs/PROTOCOLS.md §5.5) in UpperCamel; in-stream ones (§5.3) arrive in
# lowerCamel and are looked up by upper-casing their first letter.
BEDROCK_RULES: Final[dict[str, BedrockRule]] = {
    "AccessDeniedException": BedrockRule("model_access_denied", "upstream_error", retry=False),
    "ResourceNotFoundException": BedrockRule("model_not_found", "upstream_error", retry=False),
    "ValidationException": BedrockRule("invalid_request", "upstream_error", retry=False),
    "ThrottlingException": BedrockRule("throttled", "throttled", retry=True),
    "ServiceQuotaExceededException": BedrockRule("throttled", "throttled", retry=False),
    "ModelTimeoutException": BedrockRule("upstream_timeout", "upstream_error", retry=False),
    "ModelNotReadyException": BedrockRule("model_not_ready", "upstream_error", retry=True),
    "ModelErrorException": BedrockRule("upstream_error", "model_stream_error", retry=False),
    "ModelStreamErrorException": BedrockRule("upstream_error", "model_stream_error", retry=False),
    "InternalServerException": BedrockRule("upstream_error", "upstream_error", retry=True),
    "ServiceUnavailableException": BedrockRule("unavailable", "upstream_error", retry=True),
}
UNKNOWN_BEDROCK_RULE: Final = BedrockRule("upstream_error", "upstream_error", retry=False)

# Failures below the API (transport), checked in order with isinstance.
TRANSPORT_RULES: Final[tuple[tuple[type[BaseException], BedrockRule, str], ...]] = (
    (
        BotoReadTimeoutError,
        BedrockRule("upstream_timeout", "upstream_stalled", retry=True),
        "Bedrock did not answer in time",
    ),
    (
        ConnectTimeoutError,
        BedrockRule("unavailable", "upstream_error", retry=True),
        "could not connect to Bedrock in time",
    ),
    (
        EndpointConnectionError,
        BedrockRule("unavailable", "upstream_error", retry=True),
        "could not connect to Bedrock",
    ),
    (
        ConnectionClosedError,
        BedrockRule("upstream_error", "upstream_error", retry=True),
        "Bedrock closed the connection",
    ),
    (
        Urllib3ReadTimeoutError,
        BedrockRule("upstream_timeout", "upstream_stalled", retry=False),
        "Bedrock went silent (socket read timeout)",
    ),
    (
        ProtocolError,
        BedrockRule("upstream_error", "upstream_error", retry=False),
        "the connection to Bedrock broke",
    ),
    # A frame botocore cannot read (ChecksumMismatch, InvalidHeadersLength, ...): what Bedrock
    # sent was damaged on the way, not our fault; a new request will likely go through.
    # https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream
    (
        EventStreamParserError,
        BedrockRule("upstream_error", "upstream_error", retry=False),
        "Bedrock's event stream was damaged (a frame failed its checksum or framing checks)",
    ),
)


class AppError(Exception):
    """A failure with its place in the taxonomy: HTTP code, stream code, message."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        stream_code: StreamCode = "internal",
        retry: bool = False,
        retry_after_s: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.headers = headers or {}
        self.code = code
        self.message = message
        self.stream_code = stream_code
        self.retry = retry
        self.retry_after_s = retry_after_s

    @property
    def status(self) -> int:
        """The HTTP status for this error before the first byte."""
        return HTTP_CODES[self.code][0]

    @property
    def retryable(self) -> bool:
        """Whether the client may try again (sent in the error body)."""
        return HTTP_CODES[self.code][1]

    def with_retry_after(self, seconds: int) -> AppError:
        """The same error carrying a Retry-After value."""
        return AppError(
            self.code,
            self.message,
            stream_code=self.stream_code,
            retry=self.retry,
            retry_after_s=seconds,
            headers=self.headers,
        )


def bedrock_rule(code: str) -> BedrockRule:
    """The rule for a Bedrock error code in either spelling (HTTP UpperCamel, stream lowerCamel)."""
    return BEDROCK_RULES.get(code[:1].upper() + code[1:], UNKNOWN_BEDROCK_RULE)


def classify(exc: BaseException) -> AppError:
    """Turn any exception from the request path or Bedrock into an AppError."""
    if isinstance(exc, AppError):
        return exc
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code", "")) or "Unknown"
        message = str(err.get("Message", "")) or code
        rule = bedrock_rule(code)
        return AppError(
            rule.http_code,
            f"Bedrock {code}: {message}",
            stream_code=rule.stream_code,
            retry=rule.retry,
        )
    for kind, rule, message in TRANSPORT_RULES:
        if isinstance(exc, kind):
            return AppError(rule.http_code, message, stream_code=rule.stream_code, retry=rule.retry)
    return AppError("internal", "internal error", stream_code="internal")


ErrorShape = Callable[[AppError], object]

# In-stream code -> the §4 code of the same failure, for answers that are not streamed.
STREAM_TO_HTTP: Final[dict[StreamCode, str]] = {
    "throttled": "throttled",
    "model_stream_error": "upstream_error",
    "upstream_error": "upstream_error",
    "upstream_stalled": "upstream_timeout",
    "deadline": "upstream_timeout",
    "internal": "internal",
}


def from_stream_code(code: str, message: str) -> AppError:
    """The AppError for an in-stream failure of an answer that was not streamed."""
    for stream_code, http_code in STREAM_TO_HTTP.items():
        if stream_code == code:
            return AppError(http_code, message, stream_code=stream_code)
    return AppError("internal", message)


def error_body(err: AppError) -> dict[str, dict[str, object]]:
    """The JSON body of an error answered before the stream starts (docs/API.md §4)."""
    return {"error": {"code": err.code, "message": err.message, "retryable": err.retryable}}
