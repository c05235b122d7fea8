"""Pure request handling: routing table, refusals, replies (no sockets)."""

from __future__ import annotations

import json

import pytest

from local.bedrock.errors import BedrockError
from local.bedrock.service import OPERATIONS, JsonReply, StreamReply, reply

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


def converse_body(text: str) -> bytes:
    return json.dumps({"messages": [{"role": "user", "content": [{"text": text}]}]}).encode()


def refusal(suffix: str, raw: bytes, attempt: int = 1) -> str:
    with pytest.raises(BedrockError) as caught:
        reply(OPERATIONS[suffix], MODEL, raw, "r", attempt=attempt)
    return caught.value.kind.code


def test_routes_cover_the_four_operations() -> None:
    assert {op.name for op in OPERATIONS.values()} == {
        "ConverseStream",
        "Converse",
        "InvokeModelWithResponseStream",
        "InvokeModel",
    }


def test_stream_reply_has_event_stream_headers() -> None:
    answer = reply(OPERATIONS["converse-stream"], MODEL, converse_body("#! echo\nx"), "r")
    assert isinstance(answer, StreamReply)
    assert answer.headers == {"Content-Type": "application/vnd.amazon.eventstream"}


def test_native_stream_reply_names_the_body_content_type() -> None:
    raw = json.dumps({"inputText": "#! echo\nx"}).encode()
    answer = reply(OPERATIONS["invoke-with-response-stream"], "amazon.titan-text-lite-v1", raw, "r")
    assert isinstance(answer, StreamReply)
    assert answer.headers["X-Amzn-Bedrock-Content-Type"] == "application/json"


def test_invoke_model_reports_usage_headers_and_waits_like_the_model() -> None:
    raw = json.dumps({"inputText": "#! echo ttft_ms=200 rate=10\na b c"}).encode()
    answer = reply(OPERATIONS["invoke"], "amazon.titan-text-lite-v1", raw, "r")
    assert isinstance(answer, JsonReply)
    assert answer.headers["X-Amzn-Bedrock-Output-Token-Count"] == "3"
    assert answer.delay == pytest.approx(0.2 + 2 * 0.1)


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ("throttle", "ThrottlingException"),
        ("access_denied", "AccessDeniedException"),
        ("validation", "ValidationException"),
    ],
)
def test_http_faults_refuse_every_attempt_unless_after_is_given(fault: str, code: str) -> None:
    always = converse_body(f"#! fault={fault}\nx")
    assert refusal("converse", always) == code
    assert refusal("converse", always, attempt=7) == code
    twice = converse_body(f"#! fault={fault} after=2\nx")
    assert refusal("converse-stream", twice, attempt=2) == code
    assert isinstance(
        reply(OPERATIONS["converse-stream"], MODEL, twice, "r", attempt=3), StreamReply
    )


def test_refusals_for_bad_input() -> None:
    assert refusal("converse", b"{not json") == "ValidationException"
    assert refusal("converse", b"[]") == "ValidationException"
    assert refusal("converse", converse_body("#! nonsense\nx")) == "ValidationException"
    assert refusal("converse", json.dumps({"messages": []}).encode()) == "ValidationException"
    assert refusal("converse", converse_body("#! fault=midstream\nx")) == "ModelErrorException"
