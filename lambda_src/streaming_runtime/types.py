"""Types shared by the runtime and the handlers it calls: the handler API in one place."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypedDict


class Prelude(TypedDict):
    """The JSON metadata prelude of a Function URL streaming response (docs/PROTOCOLS.md §2.3)."""

    statusCode: int
    headers: dict[str, str]
    cookies: list[str]


class ErrorPayload(TypedDict):
    """The error JSON the Runtime API takes on /error and in the error-body trailer."""

    errorMessage: str
    errorType: str
    stackTrace: list[str]


class LambdaContextProtocol(Protocol):
    """What a handler may read from its context; the attributes Powertools uses."""

    aws_request_id: str
    invoked_function_arn: str
    function_name: str
    function_version: str
    memory_limit_in_mb: int
    log_group_name: str
    log_stream_name: str

    def get_remaining_time_in_millis(self) -> int: ...


class ResponseStreamProtocol(Protocol):
    """The stream a streaming handler receives as the keyword argument ``stream``."""

    @property
    def started(self) -> bool: ...

    def start(
        self,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        cookies: Sequence[str] | None = None,
    ) -> None:
        """Send the HTTP prelude (status, headers, cookies) to the client now."""

    def write(self, data: bytes | str) -> None:
        """Send one chunk of the body to the client now."""

    def close(self) -> None:
        """End the response; returning from the handler does the same."""


class StreamingHandler(Protocol):
    def __call__(
        self, event: dict[str, Any], context: Any, *, stream: ResponseStreamProtocol
    ) -> Any: ...


class BufferedHandler(Protocol):
    def __call__(self, event: dict[str, Any], context: Any) -> Any: ...


class XRayStackFrame(TypedDict):
    """One frame of an X-Ray exception's stack."""

    path: str
    line: int
    label: str


class XRayException(TypedDict):
    """One exception of an X-Ray error cause."""

    type: str
    message: str
    stack: list[XRayStackFrame]


class XRayCause(TypedDict):
    """The JSON of ``Lambda-Runtime-Function-XRay-Error-Cause`` (docs/PROTOCOLS.md §1.4)."""

    working_directory: str
    exceptions: list[XRayException]
    paths: list[str]


# A SnapStart runtime hook as snapshot_restore_py keeps it: (function, args, kwargs).
Hook = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class RestoreClient(Protocol):
    """The Runtime API calls of the restore protocol (client.RuntimeClient has them)."""

    def restore_next(self) -> None:
        """Block until this environment is restored from the snapshot."""

    def report_init_error(
        self, payload: ErrorPayload, xray_cause: str = "", error_type: str = ""
    ) -> None:
        """Post an init error."""

    def report_restore_error(self, payload: ErrorPayload, xray_cause: str = "") -> None:
        """Post an after-restore error."""
