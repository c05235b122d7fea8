"""A trailing slash names the same route (`/chat/` is `/chat`); `/` stays the page."""

from __future__ import annotations

import pytest

from tests.functional.handler.handler_fakes import (
    FakeBedrock,
    converse_events,
    make_config,
    make_event,
)


@pytest.mark.parametrize("path", ["/chat/", "/chat//", "/"])
def test_post_chat_with_a_trailing_slash_streams(run, path):
    bedrock = FakeBedrock([converse_events(["same ", "route"])])
    stream = run(make_event("POST", path, body={"prompt": "hi"}), bedrock)
    assert stream.status == 200
    assert stream.text() == "same route"
    assert [name for name, _ in stream.sse()] == ["start", "delta", "delta", "done"]


def test_get_chat_with_a_trailing_slash_streams(run):
    bedrock = FakeBedrock([converse_events(["ok"])])
    stream = run(make_event("GET", "/chat/", query={"prompt": "hi"}), bedrock)
    assert (stream.status, stream.text()) == (200, "ok")


def test_models_with_a_trailing_slash(run):
    stream = run(make_event("GET", "/models/"), FakeBedrock([]))
    assert stream.status == 200
    assert stream.json()["default"] == make_config().default_model


def test_the_root_stays_the_page(run):
    stream = run(make_event("GET", "/"), FakeBedrock([]))
    assert stream.status == 200
    assert stream.headers["Content-Type"] == "text/html; charset=utf-8"


def test_openai_paths_with_a_trailing_slash_keep_openai_shapes(run):
    models = run(make_event("GET", "/v1/models/"), FakeBedrock([]))
    assert models.status == 200
    assert models.json()["object"] == "list"
    wrong = run(make_event("GET", "/v1/chat/completions/"), FakeBedrock([]))
    assert wrong.status == 405
    assert wrong.json()["error"]["type"] == "invalid_request_error"
    assert wrong.headers["Allow"] == "POST"


def test_a_trailing_slash_on_an_unknown_path_is_still_404(run):
    stream = run(make_event("GET", "/nope/"), FakeBedrock([]))
    assert stream.status == 404
    assert stream.json()["error"]["code"] == "not_found"


def test_a_wrong_method_with_a_trailing_slash_is_405(run):
    stream = run(make_event("DELETE", "/models/"), FakeBedrock([]))
    assert stream.status == 405
    assert stream.headers["Allow"] == "GET"
