"""Bedrock's errors as the emulator sends them: HTTP errors before the stream, exceptions in it."""

from __future__ import annotations

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


# Codes and statuses from botocore's bedrock-runtime service model (protocols.md section 5.5).
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

# The faults that are refused on the initial call (API.md section 9).
HTTP_FAULTS: dict[Fault, ErrorKind] = {
    "throttle": THROTTLING,
    "access_denied": ACCESS_DENIED,
    "validation": VALIDATION,
}

# In-stream exception: `:exception-type` is the lowerCamel union member (protocols.md 5.3).
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
