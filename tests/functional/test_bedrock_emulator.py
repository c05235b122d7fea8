"""The local Bedrock, decoded by boto3 itself: every operation, directive and provider family."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.eventstream import ChecksumMismatch
from botocore.exceptions import ClientError, EventStreamError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from local.bedrock import BedrockEmulator
from tests.unit.test_bedrock_providers import IDS, NATIVE_CASES, NativeCase

FAST = "ttft_ms=0 rate=100000"
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


def make_client(url: str, read_timeout: float = 10) -> Any:
    """A real boto3 client with dummy credentials and no retries, pointed at the emulator."""
    config = Config(retries={"total_max_attempts": 1}, read_timeout=read_timeout, connect_timeout=5)
    return boto3.client(
        "bedrock-runtime",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="AKIDLOCAL",
        aws_secret_access_key="local-secret",
        config=config,
    )


@pytest.fixture(scope="module")
def client(bedrock_emulator: BedrockEmulator) -> Any:
    return make_client(bedrock_emulator.url)


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"text": text}]}]


def stream_events(
    client: Any, messages: list[dict[str, Any]], **kwargs: Any
) -> list[dict[str, Any]]:
    response = client.converse_stream(modelId=MODEL, messages=messages, **kwargs)
    return list(response["stream"])


def drain(events: Iterable[dict[str, Any]], into: list[dict[str, Any]]) -> None:
    """Collect events until the stream ends or raises."""
    into.extend(events)


def deltas(events: list[dict[str, Any]]) -> list[str]:
    return [e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e]


# --- ConverseStream and Converse -------------------------------------------------------------


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(st.characters(codec="utf-8"), max_size=200))
def test_echo_is_exact_for_any_text(client: Any, text: str) -> None:
    events = stream_events(client, user(f"#! echo {FAST}\n{text}"))
    assert "".join(deltas(events)) == text


def test_converse_stream_events_come_in_bedrock_order(client: Any) -> None:
    events = stream_events(client, user(f"#! echo {FAST}\nThree small words"))
    kinds = [next(iter(event)) for event in events]
    assert kinds == ["messageStart"] + ["contentBlockDelta"] * 3 + [
        "contentBlockStop",
        "messageStop",
        "metadata",
    ]
    assert events[0]["messageStart"] == {"role": "assistant"}  # "p" padding parsed away
    assert events[-2]["messageStop"]["stopReason"] == "end_turn"
    usage = events[-1]["metadata"]["usage"]
    assert usage["outputTokens"] == 3
    assert usage["totalTokens"] == usage["inputTokens"] + 3
    assert isinstance(events[-1]["metadata"]["metrics"]["latencyMs"], int)


def test_converse_returns_the_whole_answer(client: Any) -> None:
    response = client.converse(modelId=MODEL, messages=user(f"#! echo {FAST}\nAll at once ✓"))
    assert response["output"]["message"] == {
        "role": "assistant",
        "content": [{"text": "All at once ✓"}],
    }
    assert response["stopReason"] == "end_turn"
    assert response["usage"]["outputTokens"] == 4


def test_default_answer_is_deterministic_realistically_paced_and_bounded(client: Any) -> None:
    started = time.monotonic()
    first = stream_events(client, user("Explain response streaming in Lambda"))
    elapsed = time.monotonic() - started
    second = stream_events(
        client, user("#! ttft_ms=0 rate=100000\nExplain response streaming in Lambda")
    )
    assert deltas(first) == deltas(second)  # the directive line is not part of the prompt
    assert 40 <= len(deltas(first)) < 120
    assert elapsed >= 0.3 + 39 / 50 * 0.8  # default TTFT and ~50 tokens/s, generous bound


def test_tokens_directive_sets_the_answer_length(client: Any) -> None:
    assert len(deltas(stream_events(client, user(f"#! tokens=17 {FAST}\nhi")))) == 17


def test_continuation_sends_only_what_follows_the_assistant_text(client: Any) -> None:
    messages = [
        *user(f"#! echo {FAST}\nThe quick brown fox jumps"),
        {"role": "assistant", "content": [{"text": "The quick br"}]},
    ]
    assert "".join(deltas(stream_events(client, messages))) == "own fox jumps"
    default = [*user("#! ttft_ms=0 rate=100000\nTell a story")]
    full = "".join(deltas(stream_events(client, default)))
    resumed = [*default, {"role": "assistant", "content": [{"text": full[:30]}]}]
    assert full[:30] + "".join(deltas(stream_events(client, resumed))) == full


def test_anthropic_refuses_a_prefill_ending_in_whitespace_like_bedrock(client: Any) -> None:
    messages = [
        *user(f"#! echo {FAST}\nThe quick brown fox"),
        {"role": "assistant", "content": [{"text": "The quick "}]},
    ]
    with pytest.raises(ClientError) as caught:
        stream_events(client, messages)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "trailing whitespace" in caught.value.response["Error"]["Message"]
    # Other providers take it; an Anthropic prefill without the space works.
    other = client.converse_stream(modelId="amazon.nova-lite-v1:0", messages=messages)
    assert "".join(deltas(list(other["stream"]))) == "brown fox"
    messages[-1] = {"role": "assistant", "content": [{"text": "The quick"}]}
    assert "".join(deltas(stream_events(client, messages))) == " brown fox"


def test_max_tokens_and_stop_sequences(client: Any) -> None:
    events = stream_events(
        client, user(f"#! tokens=50 {FAST}\nx"), inferenceConfig={"maxTokens": 4}
    )
    assert len(deltas(events)) == 4
    assert events[-2]["messageStop"]["stopReason"] == "max_tokens"
    events = stream_events(
        client,
        user(f"#! echo {FAST}\nred green STOP blue"),
        inferenceConfig={"stopSequences": ["STOP"]},
    )
    assert "".join(deltas(events)) == "red green "
    assert events[-2]["messageStop"]["stopReason"] == "stop_sequence"


def test_events_arrive_incrementally_at_the_directed_rate(client: Any) -> None:
    response = client.converse_stream(
        modelId=MODEL, messages=user("#! tokens=6 ttft_ms=300 rate=10\nx")
    )
    started = time.monotonic()
    arrivals = [time.monotonic() for event in response["stream"] if "contentBlockDelta" in event]
    assert len(arrivals) == 6
    assert arrivals[0] - started >= 0.2  # time to first token
    assert arrivals[-1] - arrivals[0] >= 0.4  # five gaps of 0.1 s, each yielded as it came


# --- faults ------------------------------------------------------------------------------------

HTTP_FAULTS = [
    ("throttle", "ThrottlingException", 429),
    ("access_denied", "AccessDeniedException", 403),
    ("validation", "ValidationException", 400),
]
CALLS = {
    "converse_stream": lambda c, t: list(
        c.converse_stream(modelId=MODEL, messages=user(t))["stream"]
    ),
    "converse": lambda c, t: c.converse(modelId=MODEL, messages=user(t)),
    "invoke_model_with_response_stream": lambda c, t: list(
        c.invoke_model_with_response_stream(modelId=MODEL, body=json.dumps(claude(t)))["body"]
    ),
    "invoke_model": lambda c, t: c.invoke_model(modelId=MODEL, body=json.dumps(claude(t))),
}


def claude(text: str) -> dict[str, Any]:
    return {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 500,
        "messages": [{"role": "user", "content": text}],
    }


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("fault_case", HTTP_FAULTS, ids=[f[0] for f in HTTP_FAULTS])
def test_http_faults_raise_the_modeled_client_error(
    client: Any, bedrock_emulator: BedrockEmulator, call: str, fault_case: tuple[str, str, int]
) -> None:
    fault, code, status = fault_case
    marker = f"<fault {fault} via {call}>"
    with pytest.raises(ClientError) as caught:
        CALLS[call](client, f"#! fault={fault}\n{marker}")
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert caught.value.response["Error"]["Message"]
    sent = [r for r in bedrock_emulator.requests if r.raw_body and marker.encode() in r.raw_body]
    assert len(sent) == 1  # refused once, not retried (total_max_attempts=1)


def test_throttle_after_n_lets_an_sdk_retry_succeed(bedrock_emulator: BedrockEmulator) -> None:
    retrying = boto3.client(
        "bedrock-runtime",
        endpoint_url=bedrock_emulator.url,
        region_name="us-east-1",
        aws_access_key_id="AKIDLOCAL",
        aws_secret_access_key="local-secret",
        config=Config(retries={"mode": "standard", "total_max_attempts": 3}),
    )
    text = f"#! fault=throttle after=1 {FAST}\nretry-marker"
    response = retrying.converse(modelId=MODEL, messages=user(text))
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert len([r for r in bedrock_emulator.requests if b"retry-marker" in r.raw_body]) == 2


def test_midstream_fault_is_an_event_stream_error_after_n_deltas(client: Any) -> None:
    response = client.converse_stream(
        modelId=MODEL, messages=user(f"#! tokens=9 fault=midstream after=4 {FAST}\nx")
    )
    seen: list[dict[str, Any]] = []
    with pytest.raises(EventStreamError) as caught:
        drain(response["stream"], seen)
    assert caught.value.response["Error"]["Code"] == "modelStreamErrorException"
    assert "midstream" in caught.value.response["Error"]["Message"]
    assert len(deltas(seen)) == 4


def test_midstream_fault_in_a_native_stream(client: Any) -> None:
    body = json.dumps(claude(f"#! tokens=9 fault=midstream after=2 {FAST}\nx"))
    response = client.invoke_model_with_response_stream(modelId=MODEL, body=body)
    seen: list[dict[str, Any]] = []
    with pytest.raises(EventStreamError) as caught:
        drain(response["body"], seen)
    assert caught.value.response["Error"]["Code"] == "modelStreamErrorException"
    chunks = [json.loads(event["chunk"]["bytes"]) for event in seen]
    assert [c["type"] for c in chunks].count("content_block_delta") == 2


def test_midstream_fault_without_a_stream_is_a_model_error(client: Any) -> None:
    with pytest.raises(ClientError) as caught:
        client.converse(modelId=MODEL, messages=user(f"#! fault=midstream {FAST}\nx"))
    assert caught.value.response["Error"]["Code"] == "ModelErrorException"


def test_stall_longer_than_read_timeout_times_out_mid_stream(
    bedrock_emulator: BedrockEmulator,
) -> None:
    impatient = make_client(bedrock_emulator.url, read_timeout=0.5)
    response = impatient.converse_stream(
        modelId=MODEL, messages=user(f"#! tokens=5 fault=stall after=2 stall_s=2 {FAST}\nx")
    )
    seen: list[dict[str, Any]] = []
    with pytest.raises(ReadTimeoutError):
        drain(response["stream"], seen)
    assert len(deltas(seen)) == 2


def test_short_stall_then_the_stream_goes_on_and_ends(client: Any) -> None:
    started = time.monotonic()
    events = stream_events(client, user(f"#! tokens=5 fault=stall after=3 stall_s=0.4 {FAST}\nx"))
    assert time.monotonic() - started >= 0.35
    assert len(deltas(events)) == 5
    assert "metadata" in events[-1]


def test_bad_directive_is_a_validation_error_that_says_why(client: Any) -> None:
    with pytest.raises(ClientError) as caught:
        client.converse(modelId=MODEL, messages=user("#! fault=explode\nx"))
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "fault" in caught.value.response["Error"]["Message"]


def test_corrupted_crc_is_rejected_by_botocore() -> None:
    with BedrockEmulator(corrupt_crc=True) as broken:
        response = make_client(broken.url).converse_stream(
            modelId=MODEL, messages=user(f"#! echo {FAST}\nHi")
        )
        with pytest.raises(ChecksumMismatch):
            list(response["stream"])


# --- native InvokeModel* per provider family ---------------------------------------------------


def native_chunks(
    client: Any, case: NativeCase, text: str, max_tokens: int = 1000
) -> list[dict[str, Any]]:
    response = client.invoke_model_with_response_stream(
        modelId=case.model_id, body=json.dumps(case.body(text, max_tokens))
    )
    assert response["contentType"] == "application/json"
    return [json.loads(event["chunk"]["bytes"]) for event in response["body"]]


@pytest.mark.parametrize("case", NATIVE_CASES, ids=IDS)
def test_native_stream_in_the_providers_own_format(client: Any, case: NativeCase) -> None:
    text = "Native 👋 text,\n exactly\ttoo "
    chunks = native_chunks(client, case, f"#! echo {FAST}\n{text}")
    assert "".join(filter(None, map(case.text_of, chunks))) == text
    metrics = chunks[-1]["amazon-bedrock-invocationMetrics"]
    assert metrics["outputTokenCount"] == len([c for c in chunks if case.text_of(c)])
    assert metrics["inputTokenCount"] >= 1


@pytest.mark.parametrize("case", NATIVE_CASES, ids=IDS)
def test_native_directives_and_max_tokens(client: Any, case: NativeCase) -> None:
    chunks = native_chunks(client, case, f"#! tokens=30 {FAST}\nhello", max_tokens=3)
    assert len([c for c in chunks if case.text_of(c)]) == 3
    assert case.length_stop in [case.stop_of(c) for c in chunks]
    with pytest.raises(ClientError) as caught:
        native_chunks(client, case, "#! fault=throttle\nhello")
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"


@pytest.mark.parametrize("case", NATIVE_CASES, ids=IDS)
def test_invoke_model_returns_the_providers_body(
    client: Any, case: NativeCase, bedrock_emulator: BedrockEmulator
) -> None:
    text = f"invoke {case.family} ✓"
    response = client.invoke_model(
        modelId=case.model_id, body=json.dumps(case.body(f"#! echo {FAST}\n{text}", 100))
    )
    body = json.loads(response["body"].read())
    assert text in json.dumps(body, ensure_ascii=False)
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert int(headers["x-amzn-bedrock-output-token-count"]) >= 3
    expected = case.body(f"#! echo {FAST}\n{text}", 100)
    [sent] = [r for r in bedrock_emulator.requests if r.body == expected]
    assert sent.operation == "InvokeModel"
    assert sent.model_id == case.model_id
    assert sent.path.endswith("/invoke")


def test_unknown_native_family_is_refused(client: Any) -> None:
    with pytest.raises(ClientError) as caught:
        client.invoke_model_with_response_stream(
            modelId="stability.sd3-large-v1:0", body=b'{"prompt": "x"}'
        )
    assert caught.value.response["Error"]["Code"] == "ValidationException"


# --- what the server recorded, and its lifecycle ------------------------------------------------


def test_the_request_is_recorded_as_sent(client: Any, bedrock_emulator: BedrockEmulator) -> None:
    stream_events(
        client,
        user(f"#! echo {FAST}\nrecord me"),
        system=[{"text": "be brief"}],
        inferenceConfig={"maxTokens": 64},
    )
    [sent] = [r for r in bedrock_emulator.requests if r.raw_body and b"record me" in r.raw_body]
    assert sent.method == "POST"
    assert sent.path == "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream"
    assert sent.model_id == MODEL
    assert sent.operation == "ConverseStream"
    assert sent.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDLOCAL/")
    assert sent.body is not None
    assert sent.body["system"] == [{"text": "be brief"}]
    assert sent.body["inferenceConfig"] == {"maxTokens": 64}


def test_inference_profile_arns_arrive_decoded(
    client: Any, bedrock_emulator: BedrockEmulator
) -> None:
    arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-lite-v1:0"
    body = {"messages": [{"role": "user", "content": [{"text": f"#! echo {FAST}\nvia arn"}]}]}
    response = client.invoke_model(modelId=arn, body=json.dumps(body))
    assert json.loads(response["body"].read())["output"]["message"]["content"] == [
        {"text": "via arn"}
    ]
    assert bedrock_emulator.requests[-1].model_id == arn


def test_a_burst_of_concurrent_streams_is_served_in_parallel(
    bedrock_emulator: BedrockEmulator,
) -> None:
    # 50 connections at once, well over socketserver's default listen backlog of 5 (which
    # resets or delays such bursts by a SYN retry; the emulator raises it).
    shared = boto3.client(
        "bedrock-runtime",
        endpoint_url=bedrock_emulator.url,
        region_name="us-east-1",
        aws_access_key_id="AKIDLOCAL",
        aws_secret_access_key="local-secret",
        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=64),
    )
    results: dict[int, str] = {}

    def one(i: int) -> None:
        messages = user(f"#! echo ttft_ms=0 rate=20\nstream {i} a b")
        results[i] = "".join(deltas(stream_events(shared, messages)))

    started = time.monotonic()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert results == {i: f"stream {i} a b" for i in range(50)}
    assert time.monotonic() - started < 5  # one stream takes ~0.2 s; serial would be 10 s


def test_stop_cuts_a_stalled_stream_promptly() -> None:
    emulator = BedrockEmulator().start()
    response = make_client(emulator.url).converse_stream(
        modelId=MODEL, messages=user(f"#! tokens=5 fault=stall after=1 stall_s=120 {FAST}\nx")
    )
    events = iter(response["stream"])
    assert "messageStart" in next(events)
    started = time.monotonic()
    emulator.stop()
    with pytest.raises(ProtocolError):
        list(events)
    assert time.monotonic() - started < 5


def test_module_entry_point_prints_the_endpoint_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "local.bedrock", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("Bedrock endpoint: http://127.0.0.1:")
        url = line.split(": ", 1)[1].strip()
        answer = make_client(url).converse(modelId=MODEL, messages=user(f"#! echo {FAST}\nup"))
        assert answer["output"]["message"]["content"] == [{"text": "up"}]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
