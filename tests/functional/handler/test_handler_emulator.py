"""The handler against the local Bedrock through a real boto3 client (real event-stream bytes)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bedrock_stream.app import App
from bedrock_stream.bedrock_client import BedrockRuntimeProtocol, make_client
from bedrock_stream.config import Config
from bedrock_stream.handler import build_handler
from local.bedrock import BedrockEmulator
from tests.functional.handler.handler_fakes import (
    TEST_MODELS,
    FakeContext,
    FakeStream,
    make_config,
    make_event,
)
from tests.functional.handler.handler_run import run_app

FAST = "#! echo rate=5000 ttft_ms=0"
TEXT = "Héllo,\nworld 🙂 — data: not SSE\r\n\nevent: done\n漢字 end."


@pytest.fixture(scope="module")
def emulator() -> Iterator[BedrockEmulator]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ACCESS_KEY_ID", "AKIDLOCAL")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "local-secret")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.delenv("AWS_PROFILE", raising=False)
        emu = BedrockEmulator().start()
        try:
            yield emu
        finally:
            emu.stop()


@pytest.fixture
def client(emulator: BedrockEmulator) -> BedrockRuntimeProtocol:
    emulator.clear()
    return make_client(make_config(read_timeout_s=10.0), endpoint_url=emulator.url)


def serve(
    event: dict[str, Any],
    client: BedrockRuntimeProtocol,
    config: Config | None = None,
    context: FakeContext | None = None,
    app: App | None = None,
) -> FakeStream:
    return run_app(app or App.from_config(config or make_config(), client), event, context)


def reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "bedrock-reader" and t.is_alive()]


@pytest.mark.parametrize("fmt", ["sse", "ndjson", "text"])
def test_echo_is_exact_in_every_format(client, emulator, fmt):
    stream = serve(make_event(body={"prompt": f"{FAST}\n{TEXT}", "format": fmt}), client)
    assert stream.status == 200
    body = stream.body.decode()
    if fmt == "text":
        assert body == TEXT
    elif fmt == "sse":
        assert stream.text() == TEXT
        assert stream.terminal()[0] == "done"
    else:
        import json

        records = [json.loads(line) for line in body.splitlines()]
        assert "".join(r.get("text", "") for r in records if r["type"] == "delta") == TEXT
        assert records[-1]["type"] == "done"
    # and the local Bedrock received a ConverseStream for the default model
    (request,) = emulator.requests
    assert request.operation == "ConverseStream"
    assert request.model_id == TEST_MODELS[0]


def test_done_carries_usage_and_metrics(client):
    stream = serve(make_event(body={"prompt": f"{FAST}\nfour small words here"}), client)
    done = stream.terminal()[1]
    assert done["stop_reason"] == "end_turn"
    assert done["usage"]["output_tokens"] > 0
    assert done["usage"]["input_tokens"] > 0
    assert done["metrics"]["output_tokens_per_s"] > 0


def test_throttle_is_retried_then_429_with_retry_after(client, emulator):
    config = make_config(max_attempts=3)
    stream = serve(make_event(body={"prompt": "#! fault=throttle\nhi"}), client, config)
    assert stream.status == 429
    assert int(stream.headers["Retry-After"]) >= 1
    assert stream.json()["error"]["code"] == "throttled"
    # exactly our three attempts reached Bedrock: botocore itself did not retry
    assert len(emulator.requests) == 3


def test_throttle_twice_then_the_retry_succeeds(client, emulator):
    prompt = "#! echo rate=5000 ttft_ms=0 fault=throttle after=2\nthird time lucky"
    stream = serve(make_event(body={"prompt": prompt}), client, make_config(max_attempts=4))
    assert stream.status == 200
    assert stream.text() == "third time lucky"
    assert len(emulator.requests) == 3


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [("access_denied", 403, "model_access_denied"), ("validation", 400, "invalid_request")],
)
def test_initial_faults(client, emulator, fault, status, code):
    stream = serve(make_event(body={"prompt": f"#! fault={fault}\nhi"}), client)
    assert stream.status == status
    assert stream.json()["error"]["code"] == code
    assert len(emulator.requests) == 1


def test_midstream_fault_keeps_the_text_then_errors(client):
    prompt = "#! echo rate=5000 ttft_ms=0 fault=midstream after=3\none two three four five six"
    stream = serve(make_event(body={"prompt": prompt}), client)
    assert stream.status == 200
    assert "one two three four five six".startswith(stream.text())
    assert stream.text()
    name, data = stream.terminal()
    assert (name, data["code"]) == ("error", "model_stream_error")


def test_stall_ends_with_upstream_stalled_and_frees_the_reader(client):
    prompt = "#! echo rate=5000 ttft_ms=0 fault=stall after=2 stall_s=30\none two three four five"
    config = make_config(stall_timeout_s=0.5)
    started = time.monotonic()
    stream = serve(make_event(body={"prompt": prompt}), client, config)
    elapsed = time.monotonic() - started
    name, data = stream.terminal()
    assert (name, data["code"]) == ("error", "upstream_stalled")
    assert elapsed < 5, "the handler waited for the stalled socket instead of closing it"
    assert reader_threads() == []


def test_deadline_with_a_short_timeout_then_the_next_request_is_served(client):
    # Given a slow answer and a function with 1.6 s left and a 1 s margin
    app = App.from_config(make_config(deadline_margin_s=1.0, stall_timeout_s=10), client)
    slow = "#! tokens=400 rate=20 ttft_ms=0\nwrite a lot"
    context = FakeContext(remaining_s=1.6)
    stream = serve(make_event(body={"prompt": slow}), client, context=context, app=app)
    # Then the stream ends with `deadline` before the timeout, and the reader is gone
    name, data = stream.terminal()
    assert (name, data["code"]) == ("error", "deadline")
    assert context.get_remaining_time_in_millis() > 400
    assert stream.text()
    assert reader_threads() == []
    # And the same environment serves the next request normally
    again = serve(make_event(body={"prompt": f"{FAST}\nstill here"}), client, app=app)
    assert again.text() == "still here"


def test_resume_returns_only_the_continuation(client, emulator):
    full = "The quick brown fox jumps over the lazy dog."
    body = {
        "messages": [
            {"role": "user", "content": f"{FAST}\n{full}"},
            {"role": "assistant", "content": "The quick brown"},
        ]
    }
    stream = serve(make_event(body=body), client)
    assert "The quick brown" + stream.text() == full
    sent = emulator.requests[0].body
    assert sent is not None
    assert sent["messages"][-1] == {"role": "assistant", "content": [{"text": "The quick brown"}]}


@pytest.mark.parametrize("cut", ["The quick brown ", "First line.\n\n", "First line.\n"])
def test_resume_after_a_cut_at_whitespace(client, cut):
    full = "First line.\n\nThe quick brown fox jumps over the lazy dog."
    if not full.startswith(cut):
        full = cut + "then more words follow here."
    body = {
        "messages": [
            {"role": "user", "content": f"{FAST}\n{full}"},
            {"role": "assistant", "content": cut},
        ]
    }
    stream = serve(make_event(body=body), client)
    assert stream.status == 200
    assert cut + stream.text() == full


def test_keepalives_while_bedrock_is_slow_to_start(client):
    config = make_config(keepalive_s=0.1)
    stream = serve(
        make_event(body={"prompt": "#! echo ttft_ms=450 rate=5000\nhello"}), client, config
    )
    assert stream.writes.count(b": keepalive\n\n") >= 2
    assert stream.text() == "hello"


NATIVE: dict[str, dict[str, Any]] = {
    "anthropic.claude-3-haiku-20240307-v1:0": {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 300,
        "messages": [{"role": "user", "content": "{prompt}"}],
    },
    "anthropic.claude-v2:1": {
        "prompt": "\n\nHuman: {prompt}\n\nAssistant:",
        "max_tokens_to_sample": 300,
    },
    "amazon.titan-text-express-v1": {
        "inputText": "{prompt}",
        "textGenerationConfig": {"maxTokenCount": 300},
    },
    "amazon.nova-lite-v1:0": {
        "schemaVersion": "messages-v1",
        "messages": [{"role": "user", "content": [{"text": "{prompt}"}]}],
        "inferenceConfig": {"maxTokens": 300},
    },
    "meta.llama3-8b-instruct-v1:0": {
        "prompt": "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{prompt}"
        "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
        "max_gen_len": 300,
    },
    "cohere.command-text-v14": {"prompt": "{prompt}", "max_tokens": 300},
    "cohere.command-r-v1:0": {"message": "{prompt}", "max_tokens": 300},
    "mistral.mistral-7b-instruct-v0:2": {"prompt": "<s>[INST] {prompt} [/INST]", "max_tokens": 300},
    "ai21.jamba-1-5-mini-v1:0": {
        "messages": [{"role": "user", "content": "{prompt}"}],
        "max_tokens": 300,
    },
}


def _fill(template: Any, prompt: str) -> Any:
    if isinstance(template, str):
        return template.replace("{prompt}", prompt)
    if isinstance(template, list):
        return [_fill(v, prompt) for v in template]
    if isinstance(template, dict):
        return {k: _fill(v, prompt) for k, v in template.items()}
    return template


@pytest.mark.parametrize("model", sorted(NATIVE))
def test_native_mode_every_provider(client, emulator, model):
    answer = "Native answer, line one.\nLine two 🙂."
    native = _fill(NATIVE[model], f"{FAST}\n{answer}")
    stream = serve(make_event(body={"model": model, "native": native}), client)
    assert stream.status == 200, stream.body
    assert stream.text() == answer
    name, done = stream.terminal()
    assert name == "done", done
    assert done["usage"].get("output_tokens", 0) > 0
    (request,) = emulator.requests
    assert request.operation == "InvokeModelWithResponseStream"
    assert request.body == native


def test_native_mistral_chat_body(client, emulator):
    """Chat-style Mistral bodies stream `choices[].message` chunks, not `outputs`."""
    model = "mistral.mistral-large-2407-v1:0"
    answer = "Chat answer,\nin two lines 🙂."
    native = {"messages": [{"role": "user", "content": f"{FAST}\n{answer}"}], "max_tokens": 300}
    config = make_config(allowed_models=(*make_config().allowed_models, model))
    stream = serve(make_event(body={"model": model, "native": native}), client, config)
    assert stream.status == 200, stream.body
    assert stream.text() == answer
    name, done = stream.terminal()
    assert name == "done", done
    assert done["stop_reason"] == "stop"
    (request,) = emulator.requests
    assert request.body == native


def test_concurrent_requests_through_one_client_do_not_mix(client):
    app = App.from_config(make_config(), client)
    handler = build_handler(lambda: app)
    prompts = [f"answer {i}: " + "word " * (5 + i) for i in range(6)]
    streams = [FakeStream() for _ in prompts]

    def one(i: int) -> None:
        event = make_event(body={"prompt": f"#! echo rate=500 ttft_ms=0\n{prompts[i]}"})
        handler(event, FakeContext(request_id=f"c{i}"), stream=streams[i])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(prompts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    for i, stream in enumerate(streams):
        assert stream.text() == prompts[i]
        assert stream.sse()[0][1]["id"] == f"c{i}"


def test_client_honours_aws_endpoint_url_bedrock_runtime(emulator, monkeypatch):
    # No endpoint_url: boto3 reads the service-specific variable itself.
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", emulator.url)
    emulator.clear()
    client = make_client(make_config())
    stream = serve(make_event(body={"prompt": f"{FAST}\nvia env"}), client)
    assert stream.text() == "via env"
    assert len(emulator.requests) == 1


def test_botocore_does_not_retry_on_its_own(emulator):
    emulator.clear()
    client = make_client(make_config(), endpoint_url=emulator.url)
    with pytest.raises(Exception, match="ThrottlingException"):
        client.converse_stream(
            modelId="m", messages=[{"role": "user", "content": [{"text": "#! fault=throttle\nx"}]}]
        )
    assert len(emulator.requests) == 1
