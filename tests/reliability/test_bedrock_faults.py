"""The local Bedrock's fault directives and its record of how each answer ended, read by boto3.

Each fault answers as Bedrock's API reference models it (HTTP errors before the stream,
exception messages in it), so botocore raises what it would raise against the real service;
the emulator records whether each answer completed, was refused, was reset by the fault, or
was closed early by its client (what the fault matrix checks the function does).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError, EventStreamError
from urllib3.exceptions import ProtocolError

from local.bedrock import BedrockEmulator
from local.bedrock.directives import parse_line
from tests.functional.test_bedrock_emulator import MODEL, claude, deltas, make_client, user

FAST = "ttft_ms=0 rate=100000"
HAIKU = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
TOOLS = {"tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": {}}}}]}


@pytest.fixture(scope="module")
def emulator() -> Iterator[BedrockEmulator]:
    with BedrockEmulator() as running:
        yield running


@pytest.fixture(scope="module")
def client(emulator: BedrockEmulator) -> Any:
    return make_client(emulator.url)


def ending(emulator: BedrockEmulator, marker: str, timeout: float = 5.0) -> str:
    """How the emulator's answer to the request holding marker ended."""
    end = emulator.wait_end(lambda r: marker.encode() in r.raw_body, timeout)
    assert end is not None, f"no recorded end for {marker}"
    return end.ending


def test_the_new_faults_parse() -> None:
    for fault in (
        "model_not_ready",
        "model_timeout",
        "unavailable",
        "midstream_internal",
        "midstream_throttle",
        "reset",
        "no_stop",
    ):
        assert parse_line(f"#! fault={fault} after=2").fault == fault


@pytest.mark.parametrize(
    ("fault", "code", "status"),
    [
        ("model_not_ready", "ModelNotReadyException", 429),
        ("model_timeout", "ModelTimeoutException", 408),
        ("unavailable", "ServiceUnavailableException", 503),
    ],
)
@pytest.mark.parametrize("streaming", [True, False], ids=["stream", "converse"])
def test_http_faults_are_the_modeled_errors_and_are_recorded_as_refused(
    client: Any, emulator: BedrockEmulator, *, fault: str, code: str, status: int, streaming: bool
) -> None:
    marker = f"http-{fault}-{streaming}"
    call = client.converse_stream if streaming else client.converse
    with pytest.raises(ClientError) as caught:
        call(modelId=MODEL, messages=user(f"#! fault={fault}\n{marker}"))
    error = caught.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    assert ending(emulator, marker) == "refused"


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ("midstream", "modelStreamErrorException"),
        ("midstream_internal", "internalServerException"),
        ("midstream_throttle", "throttlingException"),
    ],
)
def test_in_stream_exceptions_after_n_deltas(
    client: Any, emulator: BedrockEmulator, fault: str, code: str
) -> None:
    marker = f"exc-{fault}"
    response = client.converse_stream(
        modelId=MODEL, messages=user(f"#! tokens=9 fault={fault} after=4 {FAST}\n{marker}")
    )
    seen: list[dict[str, Any]] = []
    with pytest.raises(EventStreamError) as caught:
        seen.extend(response["stream"])
    assert caught.value.response["Error"]["Code"] == code
    assert f"fault={fault}" in caught.value.response["Error"]["Message"]
    assert len(deltas(seen)) == 4
    assert ending(emulator, marker) == "completed"  # the exception was the answer's last word


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ("midstream_internal", "internalServerException"),
        ("midstream_throttle", "throttlingException"),
    ],
)
def test_in_stream_exceptions_in_a_native_stream(client: Any, fault: str, code: str) -> None:
    body = json.dumps(claude(f"#! tokens=9 fault={fault} after=2 {FAST}\nx"))
    response = client.invoke_model_with_response_stream(modelId=MODEL, body=body)
    seen: list[dict[str, Any]] = []
    with pytest.raises(EventStreamError) as caught:
        seen.extend(response["body"])
    assert caught.value.response["Error"]["Code"] == code
    chunks = [json.loads(event["chunk"]["bytes"]) for event in seen]
    assert [c["type"] for c in chunks].count("content_block_delta") == 2


@pytest.mark.parametrize(
    ("fault", "code", "status"),
    [
        ("midstream_internal", "InternalServerException", 500),
        ("midstream_throttle", "ThrottlingException", 429),
    ],
)
def test_in_stream_faults_without_a_stream_are_http_errors(
    client: Any, fault: str, code: str, status: int
) -> None:
    with pytest.raises(ClientError) as caught:
        client.converse(modelId=MODEL, messages=user(f"#! fault={fault} {FAST}\nx"))
    error = caught.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)


@pytest.mark.parametrize("fault", ["reset", "no_stop"])
def test_stream_only_faults_are_refused_without_a_stream(client: Any, fault: str) -> None:
    with pytest.raises(ClientError) as caught:
        client.converse(modelId=MODEL, messages=user(f"#! fault={fault} {FAST}\nx"))
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "streams only" in caught.value.response["Error"]["Message"]


def test_reset_breaks_the_connection_after_n_deltas(client: Any, emulator: BedrockEmulator) -> None:
    marker = "reset-converse"
    response = client.converse_stream(
        modelId=MODEL, messages=user(f"#! tokens=9 fault=reset after=3 {FAST}\n{marker}")
    )
    seen: list[dict[str, Any]] = []
    with pytest.raises(ProtocolError) as caught:
        seen.extend(response["stream"])
    # An RST, not a clean close: the read fails with "connection reset by peer".
    assert "reset" in str(caught.value).lower()
    assert len(deltas(seen)) == 3
    assert ending(emulator, marker) == "reset"


def test_reset_in_a_native_stream(client: Any, emulator: BedrockEmulator) -> None:
    body = json.dumps(claude(f"#! tokens=9 fault=reset after=2 {FAST}\nreset-native"))
    response = client.invoke_model_with_response_stream(modelId=MODEL, body=body)
    seen: list[dict[str, Any]] = []
    with pytest.raises(ProtocolError):
        seen.extend(response["body"])
    chunks = [json.loads(event["chunk"]["bytes"]) for event in seen]
    assert [c["type"] for c in chunks].count("content_block_delta") == 2
    assert ending(emulator, "reset-native") == "reset"


def test_no_stop_ends_the_body_cleanly_without_message_stop(
    client: Any, emulator: BedrockEmulator
) -> None:
    marker = "no-stop-converse"
    events = list(
        client.converse_stream(
            modelId=MODEL, messages=user(f"#! tokens=9 fault=no_stop after=5 {FAST}\n{marker}")
        )["stream"]
    )  # botocore raises nothing: only a reader that looks for messageStop can tell
    assert len(deltas(events)) == 5
    kinds = {kind for event in events for kind in event}
    assert kinds == {"messageStart", "contentBlockDelta"}
    assert ending(emulator, marker) == "completed"


def test_no_stop_in_a_native_stream_leaves_out_the_closing_chunks(client: Any) -> None:
    body = json.dumps(claude(f"#! tokens=9 fault=no_stop after=2 {FAST}\nx"))
    events = list(client.invoke_model_with_response_stream(modelId=MODEL, body=body)["body"])
    types = [json.loads(event["chunk"]["bytes"])["type"] for event in events]
    assert types.count("content_block_delta") == 2
    assert "message_stop" not in types
    assert all(
        "amazon-bedrock-invocationMetrics" not in e["chunk"]["bytes"].decode() for e in events
    )


def test_a_fault_can_cut_a_tool_call_in_half(client: Any) -> None:
    text = '#! tool=get_weather fault=midstream after=2 ttft_ms=0 rate=100000\n{"city": "Paris"}'
    response = client.converse_stream(
        modelId=HAIKU, messages=user(text), toolConfig=TOOLS, inferenceConfig={"maxTokens": 500}
    )
    seen: list[dict[str, Any]] = []
    with pytest.raises(EventStreamError):
        seen.extend(response["stream"])
    starts = [e for e in seen if "contentBlockStart" in e]
    assert starts
    assert starts[0]["contentBlockStart"]["start"]["toolUse"]["name"] == "get_weather"
    pieces = [
        e["contentBlockDelta"]["delta"]["toolUse"]["input"]
        for e in seen
        if "toolUse" in e.get("contentBlockDelta", {}).get("delta", {})
    ]
    assert len(pieces) == 2
    assert not [e for e in seen if "contentBlockStop" in e]  # the call never completed


def test_a_completed_stream_is_recorded_as_completed(
    client: Any, emulator: BedrockEmulator
) -> None:
    events = list(
        client.converse_stream(modelId=MODEL, messages=user(f"#! echo {FAST}\nwhole-answer"))[
            "stream"
        ]
    )
    assert "metadata" in events[-1]
    assert ending(emulator, "whole-answer") == "completed"


def test_a_client_that_closes_mid_stall_is_recorded_at_once(
    client: Any, emulator: BedrockEmulator
) -> None:
    marker = "closed-mid-stall"
    response = client.converse_stream(
        modelId=MODEL,
        messages=user(f"#! tokens=6 fault=stall after=2 stall_s=60 {FAST}\n{marker}"),
    )
    stream = response["stream"]
    iterator = iter(stream)
    got = [next(iterator) for _ in range(3)]  # messageStart and two deltas, then silence
    assert len(deltas(got)) == 2
    closed_at = time.monotonic()
    # As the function's close_stream() does: shut the socket down, then close the stream.
    raw = stream._raw_stream._fp.fp.raw._sock
    raw.shutdown(socket.SHUT_RDWR)
    stream.close()
    end = emulator.wait_end(lambda r: marker.encode() in r.raw_body, 10)
    assert end is not None
    assert end.ending == "client_closed"
    assert end.ended_at - closed_at < 5  # seen while silent, not after the 60 s stall


def test_stopping_the_emulator_ends_a_silent_stream_as_stopped() -> None:
    with BedrockEmulator() as short_lived:
        response = make_client(short_lived.url).converse_stream(
            modelId=MODEL,
            messages=user(f"#! tokens=4 fault=stall after=1 stall_s=60 {FAST}\nstopped-mid-stall"),
        )
        reader = threading.Thread(target=lambda: list(_swallow(response["stream"])), daemon=True)
        reader.start()
        assert short_lived.wait_end(lambda r: False, 0.3) is None  # nothing ended yet
        short_lived.stop()
        reader.join(timeout=10)
        assert [e.ending for e in short_lived.ends] == ["stopped"]


def _swallow(events: Any) -> Iterator[Any]:
    try:
        yield from events
    except Exception:  # the cut stream ends the reader; the ending is what this test checks
        return
