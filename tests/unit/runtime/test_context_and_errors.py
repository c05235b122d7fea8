"""Context from Runtime API headers, deadline arithmetic, trace id, error payloads."""

from __future__ import annotations

import pytest

from streaming_runtime.context import context_from_headers, remaining_millis, set_trace_id
from streaming_runtime.errors import InitError, error_payload

HEADERS = {
    "lambda-runtime-aws-request-id": "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
    "lambda-runtime-deadline-ms": "1542409706888",
    "lambda-runtime-invoked-function-arn": "arn:aws:lambda:us-east-2:123456789012:function:f",
    "lambda-runtime-trace-id": "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1",
    "lambda-runtime-cognito-identity": '{"cognitoIdentityId": "i", "cognitoIdentityPoolId": "p"}',
    "lambda-runtime-client-context": '{"client": {"app_title": "t"}, "custom": {"k": 1}}',
}
ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "f",
    "AWS_LAMBDA_FUNCTION_VERSION": "7",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/f",
    "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/21/[7]abc",
}


@pytest.mark.parametrize(
    ("deadline", "now", "left"), [(10_000, 4_000, 6_000), (10_000, 10_000, 0), (10_000, 12_000, 0)]
)
def test_remaining_time_is_deadline_minus_now_never_negative(
    deadline: int, now: int, left: int
) -> None:
    assert remaining_millis(deadline, now) == left


def test_context_takes_invocation_headers_and_function_environment() -> None:
    context = context_from_headers(HEADERS, ENV)
    assert context.aws_request_id == "8476a536-e9f4-11e8-9739-2dfe598c3fcd"
    assert context.invoked_function_arn.endswith(":function:f")
    assert (context.function_name, context.function_version) == ("f", "7")
    assert context.memory_limit_in_mb == 512
    assert (context.log_group_name, context.log_stream_name) == (
        "/aws/lambda/f",
        "2026/11/21/[7]abc",
    )
    assert context.identity is not None
    assert context.identity.cognito_identity_pool_id == "p"
    assert context.client_context is not None
    assert context.client_context.custom == {"k": 1}


def test_remaining_time_uses_the_deadline_header() -> None:
    context = context_from_headers(HEADERS, ENV)
    context.clock_ms = lambda: 1542409706888 - 2500
    assert context.get_remaining_time_in_millis() == 2500


def test_optional_headers_may_be_missing_or_malformed() -> None:
    context = context_from_headers(
        {
            "lambda-runtime-aws-request-id": "r",
            "lambda-runtime-deadline-ms": "5",
            "lambda-runtime-client-context": "not json",
        },
        {},
    )
    assert context.identity is None
    assert context.client_context is None
    assert context.function_version == "$LATEST"


def test_trace_id_is_set_per_invocation_and_removed_when_absent() -> None:
    environ: dict[str, str] = {}
    set_trace_id(HEADERS, environ)
    assert environ["_X_AMZN_TRACE_ID"] == HEADERS["lambda-runtime-trace-id"]
    set_trace_id({"lambda-runtime-aws-request-id": "r"}, environ)
    assert "_X_AMZN_TRACE_ID" not in environ


def test_error_payload_from_a_raised_exception() -> None:
    def fail() -> None:
        raise ValueError("bad value")

    with pytest.raises(ValueError, match="bad value") as caught:
        fail()
    payload = error_payload(caught.value)
    assert payload["errorType"] == "ValueError"
    assert payload["errorMessage"] == "bad value"
    assert any("in fail" in line for line in payload["stackTrace"])


def test_init_errors_use_lambda_runtime_error_names() -> None:
    payload = error_payload(InitError("Runtime.HandlerNotFound", "no handler"))
    assert payload == {
        "errorType": "Runtime.HandlerNotFound",
        "errorMessage": "no handler",
        "stackTrace": [],
    }
