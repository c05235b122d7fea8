"""The handler streams an answer: exact text, formats, headers, routes, resume, concurrency."""

from __future__ import annotations

import json
import threading

import pytest

from bedrock_stream.app import App
from bedrock_stream.handler import build_handler
from tests.functional.handler.handler_fakes import (
    TEST_MODELS,
    EchoBedrock,
    FakeBedrock,
    FakeContext,
    FakeStream,
    converse_events,
    load_event,
    make_config,
    make_event,
)

TRICKY = "Line one\nline two\r\ndata: not an event\n\nevent: done\n🙂 naïve — 漢字 end"


def test_exact_text_through_sse(run):
    # Given an answer split into awkward pieces
    pieces = [
        "Line one\n",
        "line two\r",
        "\ndata: not",
        " an event\n\n",
        "event: done\n🙂",
        " naïve — 漢字 end",
    ]
    client = FakeBedrock([converse_events(pieces)])
    # When the handler streams it
    stream = run(make_event(body={"prompt": "hi"}), client)
    # Then the deltas join to exactly the model's text, framed start..done
    assert stream.status == 200
    assert stream.text() == "".join(pieces) == TRICKY
    names = [n for n, _ in stream.sse()]
    assert names[0] == "start"
    assert names[-1] == "done"
    assert names.count("done") == 1
    assert set(names[1:-1]) == {"delta"}
    start = stream.sse()[0][1]
    assert start == {"id": "req-0001", "model": TEST_MODELS[0]}
    done = stream.terminal()[1]
    assert done["stop_reason"] == "end_turn"
    assert done["usage"] == {"input_tokens": 12, "output_tokens": 7}
    assert set(done["metrics"]) == {"ttft_ms", "duration_ms", "output_tokens_per_s"}
    assert done["metrics"]["duration_ms"] >= done["metrics"]["ttft_ms"] >= 0


def test_headers(run):
    stream = run(make_event(body={"prompt": "hi"}), FakeBedrock([converse_events(["x"])]))
    headers = stream.headers
    assert headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert headers["Cache-Control"] == "no-cache"
    assert headers["X-Request-Id"] == "req-0001"


def test_converse_request_shape(run):
    client = FakeBedrock([converse_events(["ok"])])
    body = {
        "messages": [{"role": "user", "content": "Hi"}],
        "system": "Be brief.",
        "model": "amazon.nova-lite-v1:0",
        "max_tokens": 100,
        "temperature": 0.2,
        "top_p": 0.9,
        "stop": ["END"],
    }
    run(make_event(body=body), client)
    op, kwargs = client.calls[0]
    assert op == "ConverseStream"
    assert kwargs == {
        "modelId": "amazon.nova-lite-v1:0",
        "messages": [{"role": "user", "content": [{"text": "Hi"}]}],
        "system": [{"text": "Be brief."}],
        "inferenceConfig": {
            "maxTokens": 100,
            "temperature": 0.2,
            "topP": 0.9,
            "stopSequences": ["END"],
        },
    }


def test_resume_passes_the_assistant_message_and_returns_only_the_continuation(run):
    client = FakeBedrock([converse_events([" world."])])
    body = {
        "messages": [
            {"role": "user", "content": "Say hello world."},
            {"role": "assistant", "content": "Hello"},
        ]
    }
    stream = run(make_event(body=body), client)
    sent = client.calls[0][1]["messages"]
    assert sent[-1] == {"role": "assistant", "content": [{"text": "Hello"}]}
    assert stream.text() == " world."


@pytest.mark.parametrize(
    ("accept", "fmt", "content_type"),
    [
        ("application/x-ndjson", None, "application/x-ndjson"),
        ("text/plain", None, "text/plain; charset=utf-8"),
        (None, "ndjson", "application/x-ndjson"),
        ("text/plain", "sse", "text/event-stream; charset=utf-8"),
        ("*/*", None, "text/event-stream; charset=utf-8"),
    ],
)
def test_format_choice(run, accept, fmt, content_type):
    body = {"prompt": "hi", **({"format": fmt} if fmt else {})}
    headers = {"accept": accept} if accept else {}
    stream = run(make_event(body=body, headers=headers), FakeBedrock([converse_events(["a\nb"])]))
    assert stream.headers["Content-Type"] == content_type


def test_ndjson_body(run):
    stream = run(
        make_event(body={"prompt": "hi", "format": "ndjson"}),
        FakeBedrock([converse_events(["a\n", "b"])]),
    )
    lines = stream.body.decode().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["type"] for r in records] == ["start", "delta", "delta", "done"]
    assert "".join(r["text"] for r in records if r["type"] == "delta") == "a\nb"


def test_text_body_is_the_answer_only(run):
    stream = run(
        make_event(body={"prompt": "hi", "format": "text"}),
        FakeBedrock([converse_events(list(TRICKY))]),
    )
    assert stream.body.decode() == TRICKY


def test_get_chat_query(run):
    client = FakeBedrock([converse_events(["ok"])])
    event = make_event(
        "GET", "/chat", query={"prompt": "Hello", "max_tokens": "64", "temperature": "0.5"}
    )
    stream = run(event, client)
    assert stream.text() == "ok"
    assert client.calls[0][1]["inferenceConfig"] == {"maxTokens": 64, "temperature": 0.5}


@pytest.mark.parametrize(
    "name", ["post_chat.json", "post_chat_base64.json", "post_chat_iam.json", "get_chat_query.json"]
)
def test_stored_events(run, name):
    stream = run(load_event(name), FakeBedrock([converse_events(["fine"])]))
    assert stream.status == 200
    assert b"fine" in stream.body


def test_post_root_is_an_alias(run):
    stream = run(
        make_event("POST", "/", body={"prompt": "hi"}), FakeBedrock([converse_events(["x"])])
    )
    assert stream.text() == "x"


def test_models_route(run):
    stream = run(make_event("GET", "/models"), FakeBedrock([]))
    cfg = make_config()
    assert stream.status == 200
    body = stream.json()
    # docs/API.md §12.1 adds "details" (tested in test_handler_models.py) beside these two.
    assert {k: body[k] for k in ("models", "default")} == {
        "models": list(cfg.allowed_models),
        "default": cfg.default_model,
    }
    assert set(body) == {"models", "default", "details"}


def test_root_page_is_html(run):
    stream = run(load_event("get_root.json"), FakeBedrock([]))
    assert stream.status == 200
    assert stream.headers["Content-Type"].startswith("text/html")
    assert b"<html" in stream.body


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/nope", 404, "not_found"),
        ("DELETE", "/chat", 405, "method_not_allowed"),
        ("POST", "/models", 405, "method_not_allowed"),
        ("PUT", "/", 405, "method_not_allowed"),
    ],
)
def test_route_errors(run, method, path, status, code):
    stream = run(make_event(method, path), FakeBedrock([]))
    assert stream.status == status
    assert stream.headers["Content-Type"] == "application/json"
    assert stream.json()["error"]["code"] == code


def test_concurrent_streams_do_not_mix():
    # Given one app (one client, as in one environment) serving several requests at once
    client = EchoBedrock(piece=2, delay_s=0.002)
    app = App.from_config(make_config(), client)
    handler = build_handler(lambda: app)
    prompts = [f"prompt number {i} " * 5 for i in range(8)]
    streams = [FakeStream() for _ in prompts]

    def one(i: int) -> None:
        handler(
            make_event(body={"prompt": prompts[i]}),
            FakeContext(request_id=f"r{i}"),
            stream=streams[i],
        )

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(prompts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    # Then each stream carries exactly its own prompt's answer and id
    for i, stream in enumerate(streams):
        assert stream.text() == prompts[i]
        assert stream.sse()[0][1]["id"] == f"r{i}"
        assert stream.headers["X-Request-Id"] == f"r{i}"


def test_405_says_which_methods_are_allowed(run):
    stream = run(make_event("DELETE", "/chat"), FakeBedrock([]))
    assert stream.status == 405
    assert stream.headers["Allow"] == "GET, POST"
