"""Fixtures for the handler's functional tests."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.functional.handler.handler_fakes import FakeStream
from tests.functional.handler.handler_run import captured_log, handle_once

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
    return handle_once


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Everything the Powertools logger writes during the test."""
    with captured_log() as buffer:
        yield buffer
