"""Bedrock's errors as the emulator sends them: HTTP errors before the stream, exceptions in it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from local.bedrock.directives import Fault


@dataclass(frozen=True)
class ErrorKind:
    """One modeled Bedrock error: its code, HTTP status and a message like the service's."""

    code: str
    status: int
    message: str


class BedrockError(Exception):
    """Raised by request parsing; the server answers with the kind's status and shape."""

    def __init__(self, kind: ErrorKind, message: str | None = None) -> None:
        super().__init__(message or kind.message)
        self.kind = kind
        self.message = message or kind.message


# Codes and statuses from botocore's bedrock-runtime service model (docs/PROTOCOLS.md section 5.5).
THROTTLING = ErrorKind(
    "ThrottlingException", 429, "Too many requests, please wait before trying again."
)
ACCESS_DENIED = ErrorKind(
    "AccessDeniedException", 403, "You don't have access to the model with the specified model ID."
)
VALIDATION = ErrorKind(
    "ValidationException", 400, "Malformed input request, please reformat your input and try again."
)
MODEL_ERROR = ErrorKind("ModelErrorException", 424, "The model produced an error (emulated).")
NOT_FOUND = ErrorKind("ResourceNotFoundException", 404, "Unknown operation.")
INTERNAL = ErrorKind("InternalServerException", 500, "The local Bedrock failed; see its stderr.")

# The same codes and statuses in the API reference's Errors section of each operation.
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html#API_runtime_ConverseStream_Errors
MODEL_NOT_READY = ErrorKind(
    "ModelNotReadyException",
    429,
    "The model specified in the request is not ready to serve inference requests (emulated).",
)
MODEL_TIMEOUT = ErrorKind(
    "ModelTimeoutException",
    408,
    "The request took too long to process: the model timeout was exceeded (emulated).",
)
SERVICE_UNAVAILABLE = ErrorKind(
    "ServiceUnavailableException", 503, "The service isn't currently available (emulated)."
)
INTERNAL_FAULT = ErrorKind(
    "InternalServerException", 500, "An internal server error occurred (emulated)."
)

# The faults that are refused on the initial call (docs/API.md section 9).
HTTP_FAULTS: dict[Fault, ErrorKind] = {
    "throttle": THROTTLING,
    "access_denied": ACCESS_DENIED,
    "validation": VALIDATION,
    "model_not_ready": MODEL_NOT_READY,
    "model_timeout": MODEL_TIMEOUT,
    "unavailable": SERVICE_UNAVAILABLE,
}

# In-stream exception: `:exception-type` is the lowerCamel union member (docs/PROTOCOLS.md 5.3).
MODEL_STREAM_ERROR = "modelStreamErrorException"


def error_headers(kind: ErrorKind) -> dict[str, str]:
    """Headers of an error response; botocore reads the code from x-amzn-ErrorType."""
    # The real header carries a namespace after the colon; botocore keeps the part before it.
    return {
        "Content-Type": "application/json",
        "x-amzn-ErrorType": f"{kind.code}:http://internal.amazon.com/coral/com.amazon.bedrock/",
    }


def stream_error_payload(after: int) -> dict[str, object]:
    """Payload of the midstream modelStreamErrorException (message plus the model's own error)."""
    return {
        "message": f"Model stream error after {after} deltas (emulated fault=midstream).",
        "originalStatusCode": 500,
        "originalMessage": "The model stopped generating unexpectedly (emulated).",
    }


def _message_only(message: str, fault: str) -> Callable[[int], dict[str, object]]:
    def payload(after: int) -> dict[str, object]:
        return {"message": f"{message} (emulated fault={fault} after {after} deltas)."}

    return payload


@dataclass(frozen=True)
class StreamException:
    """An exception message sent in the stream in place of the rest of the answer."""

    exception_type: str  # the lowerCamel member of the stream's union, as Bedrock sends it
    payload: Callable[[int], dict[str, object]]  # the JSON payload, given the deltas sent
    without_stream: ErrorKind  # what Converse and InvokeModel, which have no stream, answer


# Fault -> the exception it sends. Both stream unions (ConverseStreamOutput and ResponseStream)
# have these three members; internalServerException and throttlingException carry only
# `message` (botocore's bedrock-runtime model; docs/PROTOCOLS.md §5.3).
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ResponseStream.html
STREAM_EXCEPTIONS: dict[Fault, StreamException] = {
    "midstream": StreamException(MODEL_STREAM_ERROR, stream_error_payload, MODEL_ERROR),
    "midstream_internal": StreamException(
        "internalServerException",
        _message_only("An internal server error occurred", "midstream_internal"),
        INTERNAL_FAULT,
    ),
    "midstream_throttle": StreamException(
        "throttlingException",
        _message_only("Too many requests, please wait before trying again", "midstream_throttle"),
        THROTTLING,
    ),
}
