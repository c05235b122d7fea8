"""Error payloads for the Runtime API, built from exceptions."""

from __future__ import annotations

from streaming_runtime.types import ErrorPayload

# The error types of SnapStart's two failures, as AWS's runtime client names them
# (awslambdaric: lambda_runtime_exception.py).
BEFORE_SNAPSHOT_ERROR = "Runtime.BeforeSnapshotError"
AFTER_RESTORE_ERROR = "Runtime.AfterRestoreError"


class InitError(Exception):
    """The handler could not be loaded; ``error_type`` follows Lambda's ``Runtime.*`` names."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def error_payload(exc: BaseException) -> ErrorPayload:
    """``{errorMessage, errorType, stackTrace}`` as the Runtime API docs define the error body."""
    import traceback  # noqa: PLC0415 - only on failure, not on every cold start

    error_type = exc.error_type if isinstance(exc, InitError) else type(exc).__name__
    frames = traceback.format_tb(exc.__traceback__) if exc.__traceback__ else []
    try:
        message = str(exc)
    except Exception:  # a handler's exception whose __str__ fails must not end the loop
        message = f"<unprintable {error_type}>"
    return {
        "errorMessage": message,
        "errorType": error_type,
        "stackTrace": [frame.rstrip("\n") for frame in frames],
    }
