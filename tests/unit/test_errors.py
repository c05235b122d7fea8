"""The error taxonomy: Bedrock codes (HTTP and in-stream spellings) to statuses and stream codes."""

from __future__ import annotations

import threading

import pytest
from botocore.eventstream import (
    ChecksumMismatch,
    DuplicateHeader,
    InvalidHeadersLength,
    InvalidPayloadLength,
)
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    EventStreamError,
    ReadTimeoutError,
)
from urllib3.exceptions import ProtocolError
from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeout

from bedrock_stream.errors import (
    BEDROCK_RULES,
    HTTP_CODES,
    STREAM_CODES,
    AppError,
    classify,
    error_body,
)
from bedrock_stream.pump import stream_error
from bedrock_stream.retry import RetryPolicy, call_within, with_retries

# Bedrock code -> (HTTP status before the first byte, §4 code, in-stream code, retried by us)
TABLE = [
    ("AccessDeniedException", 403, "model_access_denied", "upstream_error", False),
    ("ResourceNotFoundException", 404, "model_not_found", "upstream_error", False),
    ("ValidationException", 400, "invalid_request", "upstream_error", False),
    ("ThrottlingException", 429, "throttled", "throttled", True),
    ("ServiceQuotaExceededException", 429, "throttled", "throttled", False),
    ("ModelTimeoutException", 504, "upstream_timeout", "upstream_error", False),
    ("ModelNotReadyException", 503, "model_not_ready", "upstream_error", True),
    ("ModelErrorException", 502, "upstream_error", "model_stream_error", False),
    ("ModelStreamErrorException", 502, "upstream_error", "model_stream_error", False),
    ("InternalServerException", 502, "upstream_error", "upstream_error", True),
    ("ServiceUnavailableException", 503, "unavailable", "upstream_error", True),
    ("SomethingNewException", 502, "upstream_error", "upstream_error", False),
]


@pytest.mark.parametrize(("code", "status", "app_code", "stream_code", "retry"), TABLE)
def test_http_errors(code, status, app_code, stream_code, retry):
    err = classify(ClientError({"Error": {"Code": code, "Message": "m"}}, "ConverseStream"))
    assert (err.status, err.code, err.stream_code, err.retry) == (
        status,
        app_code,
        stream_code,
        retry,
    )
    assert err.message == f"Bedrock {code}: m"


@pytest.mark.parametrize(("code", "status", "app_code", "stream_code", "retry"), TABLE)
def test_in_stream_lower_camel_codes(code, status, app_code, stream_code, retry):
    lower = code[0].lower() + code[1:]
    err = classify(EventStreamError({"Error": {"Code": lower, "Message": "m"}}, "ConverseStream"))
    assert (err.code, err.stream_code) == (app_code, stream_code)
    assert err.stream_code in STREAM_CODES


def test_table_covers_every_bedrock_error_of_the_model():
    assert set(BEDROCK_RULES) == {row[0] for row in TABLE[:-1]}


@pytest.mark.parametrize(
    ("exc", "app_code", "stream_code", "retry"),
    [
        (ReadTimeoutError(endpoint_url="http://x"), "upstream_timeout", "upstream_stalled", True),
        (ConnectTimeoutError(endpoint_url="http://x"), "unavailable", "upstream_error", True),
        (EndpointConnectionError(endpoint_url="http://x"), "unavailable", "upstream_error", True),
        (
            Urllib3ReadTimeout(None, None, "read timed out"),
            "upstream_timeout",
            "upstream_stalled",
            False,
        ),
        (ProtocolError("Connection broken"), "upstream_error", "upstream_error", False),
        # botocore's event-stream parser errors: Bedrock's bytes were damaged, not our bug
        (ChecksumMismatch(0x1234, 0x5678), "upstream_error", "upstream_error", False),
        (InvalidHeadersLength(200000), "upstream_error", "upstream_error", False),
        (InvalidPayloadLength(30000000), "upstream_error", "upstream_error", False),
        (DuplicateHeader(":event-type"), "upstream_error", "upstream_error", False),
        (ValueError("bug"), "internal", "internal", False),
    ],
)
def test_transport_and_unknown_failures(exc, app_code, stream_code, retry):
    err = classify(exc)
    assert (err.code, err.stream_code, err.retry) == (app_code, stream_code, retry)


def test_a_bad_checksum_mid_stream_is_a_retryable_upstream_error_event():
    event = stream_error(classify(ChecksumMismatch(1, 2)))
    assert (event.code, event.retryable) == ("upstream_error", True)
    assert "checksum" in event.message


def test_every_code_has_a_status_in_api_md_ranges():
    assert {code: status for code, (status, _) in HTTP_CODES.items()} == {
        "invalid_request": 400,
        "unauthorized": 401,
        "forbidden": 403,
        "model_not_allowed": 403,
        "model_access_denied": 403,
        "not_found": 404,
        "model_not_found": 404,
        "method_not_allowed": 405,
        "payload_too_large": 413,
        "throttled": 429,
        "internal": 500,
        "upstream_error": 502,
        "model_not_ready": 503,
        "unavailable": 503,
        "upstream_timeout": 504,
    }


def test_error_body_shape():
    assert error_body(AppError("throttled", "slow down")) == {
        "error": {"code": "throttled", "message": "slow down", "retryable": True}
    }


def test_retry_policy_gives_up_with_retry_after_for_throttling():
    calls = []

    def call():
        calls.append(1)
        raise ClientError(
            {"Error": {"Code": "ThrottlingException", "Message": "m"}}, "ConverseStream"
        )

    sleeps: list[float] = []
    with pytest.raises(AppError) as info:
        with_retries(
            call, RetryPolicy(3, 0.5, 8.0), lambda: 100.0, sleep=sleeps.append, rand=lambda: 1.0
        )
    assert len(calls) == 3
    assert sleeps == [0.5, 1.0]
    assert info.value.retry_after_s == 2


def test_retry_policy_does_not_retry_client_errors():
    calls = []

    def call():
        calls.append(1)
        raise ClientError(
            {"Error": {"Code": "ValidationException", "Message": "m"}}, "ConverseStream"
        )

    with pytest.raises(AppError):
        with_retries(call, RetryPolicy(5), lambda: 100.0, sleep=lambda s: None)
    assert len(calls) == 1


def test_backoff_has_jitter_within_bounds():
    policy = RetryPolicy(5, 0.2, 1.0)
    assert policy.backoff(1, 0.0) == pytest.approx(0.1)
    assert policy.backoff(1, 1.0) == pytest.approx(0.2)
    assert policy.backoff(10, 1.0) == pytest.approx(1.0)


def test_call_within_returns_in_time():
    assert call_within(lambda: 42, 1.0, on_late=lambda v: None) == 42


def test_call_within_reraises_the_call_error():
    def boom():
        raise ValueError("x")

    with pytest.raises(ValueError, match="x"):
        call_within(boom, 1.0, on_late=lambda v: None)


def test_call_within_times_out_and_hands_over_the_late_result():
    release = threading.Event()
    late: list[int] = []
    got_late = threading.Event()

    def slow() -> int:
        release.wait(5)
        return 7

    def on_late(value: int) -> None:
        late.append(value)
        got_late.set()

    with pytest.raises(AppError) as info:
        call_within(slow, 0.05, on_late)
    assert (info.value.status, info.value.code) == (504, "upstream_timeout")
    release.set()
    assert got_late.wait(2)
    assert late == [7]
