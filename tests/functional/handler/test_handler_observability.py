"""Observability: EMF metrics and their values, X-Ray subsegments, no content in logs by default."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import aws_xray_sdk
import pytest
from aws_xray_sdk.core import xray_recorder
from moto.xray.mock_client import MockEmitter, MockXrayClient, XRaySegment

from tests.functional.handler.handler_fakes import (
    TEST_MODELS,
    FakeBedrock,
    FakeStream,
    Sleep,
    client_error,
    converse_events,
    make_config,
    make_event,
)
from tests.functional.handler.handler_run import (
    emf_records,
    handle_once,
    logged_request,
    metric_values,
)

PROMPT = "zebra-cobalt-7731 is my secret prompt"
ANSWER = ["quartz-", "falcon-", "2286 is the answer"]


def serve(client: Any, body: Any = None, **config: Any) -> FakeStream:
    event = make_event(body=body or {"prompt": PROMPT})
    return handle_once(event, client, config=make_config(**config))


def test_emf_metrics_for_a_finished_stream(capsys):
    # a little time before the first token, so duration and rate are not zero
    client = FakeBedrock([[Sleep(0.02), *converse_events(ANSWER, usage=(40, 20))]])
    stream = serve(client)
    records = emf_records(capsys.readouterr().out)
    values = metric_values(records)
    assert values["InputTokens"] == ([40.0], "Count")
    assert values["OutputTokens"] == ([20.0], "Count")
    done = stream.terminal()[1]
    assert values["TimeToFirstToken"] == ([float(done["metrics"]["ttft_ms"])], "Milliseconds")
    assert values["StreamDuration"] == ([float(done["metrics"]["duration_ms"])], "Milliseconds")
    rate = values["OutputTokensPerSecond"]
    assert rate == ([done["metrics"]["output_tokens_per_s"]], "Count/Second")
    (outcome,) = [r for r in records if "Requests" in r]
    assert outcome["outcome"] == "done"
    assert outcome["Requests"] == [1.0]
    assert all(r["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "BedrockStream" for r in records)
    (main,) = [r for r in records if "StreamDuration" in r]
    assert main["model"] == TEST_MODELS[0]  # the default model


def test_emf_outcome_for_an_error_before_the_stream(capsys):
    client = FakeBedrock([client_error("AccessDeniedException", 403)])
    serve(client)
    records = emf_records(capsys.readouterr().out)
    (outcome,) = [r for r in records if "Requests" in r]
    assert outcome["outcome"] == "model_access_denied"
    assert "StreamDuration" not in metric_values(records)


def test_prompt_and_answer_are_not_logged_by_default(log_lines):
    serve(FakeBedrock([converse_events(ANSWER)]), body={"prompt": PROMPT, "system": PROMPT})
    text = log_lines.getvalue()
    record = logged_request(log_lines)
    # the request is logged, with its request id and outcome...
    assert record["function_request_id"] == "req-0001"
    assert record["correlation_id"] == make_event()["requestContext"]["requestId"]
    assert record["outcome"] == "done"
    assert record["answer_chars"] == len("".join(ANSWER))
    # ...but neither the prompt nor the answer
    assert "zebra-cobalt-7731" not in text
    assert "2286" not in text


def test_invalid_request_does_not_log_the_prompt(log_lines):
    serve(FakeBedrock([]), body={"prompt": PROMPT, "temperature": 9})
    assert "zebra-cobalt-7731" not in log_lines.getvalue()
    assert logged_request(log_lines)["error"] == "invalid_request"


def test_prompt_and_answer_are_logged_with_log_content(log_lines):
    serve(FakeBedrock([converse_events(ANSWER)]), log_content=True)
    record = logged_request(log_lines)
    assert record["prompt"] == [{"role": "user", "content": PROMPT}]
    assert record["answer"] == "".join(ANSWER)


class RecordingEmitter(MockEmitter):  # type: ignore[misc]
    """moto's X-Ray mock emitter, keeping what it is asked to send."""

    def __init__(self) -> None:
        super().__init__()
        self.entities: list[dict[str, Any]] = []

    def send_entity(self, entity: Any) -> None:
        self.entities.append(json.loads(entity.serialize()))


@pytest.fixture
def xray() -> Iterator[RecordingEmitter]:
    was_enabled = aws_xray_sdk.global_sdk_config.sdk_enabled()
    # Powertools turns the SDK off outside Lambda; the test turns it on around moto's mock.
    aws_xray_sdk.global_sdk_config.set_sdk_enabled(True)
    emitter = RecordingEmitter()
    try:
        with MockXrayClient():
            xray_recorder._emitter = emitter
            yield emitter
    finally:
        aws_xray_sdk.global_sdk_config.set_sdk_enabled(was_enabled)


def find_subsegments(entity: dict[str, Any], name: str) -> list[dict[str, Any]]:
    found = [entity] if entity.get("name") == name else []
    for child in entity.get("subsegments", []):
        found += find_subsegments(child, name)
    return found


def bedrock_subsegment(emitter: RecordingEmitter) -> dict[str, Any]:
    found = [s for e in emitter.entities for s in find_subsegments(e, "## bedrock_stream")]
    assert len(found) == 1, f"expected one bedrock_stream subsegment, found {len(found)}"
    return found[0]


def test_xray_subsegment_with_annotations(xray):
    with XRaySegment():
        stream = serve(FakeBedrock([converse_events(ANSWER)]))
    sub = bedrock_subsegment(xray)
    annotations = sub["annotations"]
    assert annotations["model"] == TEST_MODELS[0]  # the default model
    assert annotations["outcome"] == "done"
    assert annotations["ttft_ms"] == stream.terminal()[1]["metrics"]["ttft_ms"]
    handler_segments = [
        s for e in xray.entities for s in find_subsegments(e, "## streaming_handler")
    ]
    assert handler_segments
    assert handler_segments[0]["annotations"]["ColdStart"] in (True, False)


def test_xray_outcome_of_a_failed_stream(xray):
    with XRaySegment():
        serve(FakeBedrock([converse_events(["cut"], stop_reason=None)]))
    assert bedrock_subsegment(xray)["annotations"]["outcome"] == "upstream_error"


def test_xray_check_fails_when_the_subsegment_is_missing(xray):
    # GET /models never calls Bedrock: the helper the tests above rely on must notice.
    with XRaySegment():
        handle_once(make_event("GET", "/models"), FakeBedrock([]))
    assert xray.entities, "the segment was not emitted at all"
    with pytest.raises(AssertionError, match="found 0"):
        bedrock_subsegment(xray)
