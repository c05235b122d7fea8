"""Fixtures for the handler's functional tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from handler_fakes import FakeContext, FakeStream

from bedrock_stream.app import App
from bedrock_stream.config import Config
from bedrock_stream.handler import build_handler

TEST_MODELS = (
    "anthropic.claude-3-haiku-20240307-v1:0",
    "us.anthropic.claude-3-5-haiku-20241022-v1:0",
    "anthropic.claude-v2:1",
    "amazon.titan-text-express-v1",
    "amazon.nova-lite-v1:0",
    "meta.llama3-8b-instruct-v1:0",
    "cohere.command-text-v14",
    "cohere.command-r-v1:0",
    "mistral.mistral-7b-instruct-v0:2",
    "ai21.jamba-1-5-mini-v1:0",
)


def make_config(**overrides: Any) -> Config:
    """A Config with fast timings for tests."""
    base: dict[str, Any] = {
        "allowed_models": TEST_MODELS,
        "default_model": TEST_MODELS[0],
        "stall_timeout_s": 2.0,
        "keepalive_s": 5.0,
        "deadline_margin_s": 0.5,
        "backoff_base_s": 0.01,
        "backoff_cap_s": 0.05,
        "reader_join_s": 2.0,
        "read_timeout_s": 5.0,
    }
    base.update(overrides)
    return Config(**base)


Runner = Callable[..., FakeStream]
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """GET routes publish no metrics by design; Powertools' warning about it is noise here."""
    quiet = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(quiet)


@pytest.fixture
def run() -> Runner:
    """Run the decorated handler once with a client and config; returns the recorded stream."""

    def runner(
        event: dict[str, Any],
        client: Any,
        *,
        config: Config | None = None,
        context: FakeContext | None = None,
        sleeps: list[float] | None = None,
    ) -> FakeStream:
        cfg = config or make_config()
        app = App.from_config(cfg, client)
        if sleeps is not None:
            app.sleep = sleeps.append
        stream = FakeStream()
        build_handler(lambda: app)(event, context or FakeContext(), stream=stream)
        return stream

    return runner
