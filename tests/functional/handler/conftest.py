"""Fixtures for the handler's functional tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bedrock_stream.app import App
from bedrock_stream.config import Config
from bedrock_stream.handler import build_handler
from tests.functional.handler.handler_fakes import FakeContext, FakeStream, make_config

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
