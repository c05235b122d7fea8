"""The decorated handler run once in-process, and what it writes besides its stream: the
Powertools logger's JSON lines and the EMF records Powertools prints (docs/API.md §13)."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from bedrock_stream.app import App
from bedrock_stream.config import Config
from bedrock_stream.handler import build_handler
from bedrock_stream.observability import logger
from tests.functional.handler.handler_fakes import FakeContext, FakeStream, make_config


def run_app(app: App, event: dict[str, Any], context: FakeContext | None = None) -> FakeStream:
    """One event through the decorated handler of ``app``; the recorded stream."""
    stream = FakeStream()
    build_handler(lambda: app)(event, context or FakeContext(), stream=stream)
    return stream


def handle_once(
    event: dict[str, Any],
    client: Any,
    *,
    config: Config | None = None,
    context: FakeContext | None = None,
    sleeps: list[float] | None = None,
) -> FakeStream:
    """One event through a handler whose app uses ``client`` and ``config`` (the tests')."""
    app = App.from_config(config or make_config(), client)
    if sleeps is not None:
        app.sleep = sleeps.append
    return run_app(app, event, context)


@contextlib.contextmanager
def captured_log() -> Iterator[io.StringIO]:
    """Everything the Powertools logger writes inside the block."""
    buffer = io.StringIO()
    handler = logger.registered_handler
    old = handler.setStream(buffer)  # type: ignore[attr-defined]
    try:
        yield buffer
    finally:
        handler.setStream(old)  # type: ignore[attr-defined]


def request_records(text: str) -> list[dict[str, Any]]:
    """The handler's `request` log records among logged JSON lines, oldest first."""
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [line for line in lines if line.get("message") == "request"]


def logged_request(buffer: io.StringIO) -> dict[str, Any]:
    """The one `request` record in a captured log."""
    (record,) = request_records(buffer.getvalue())
    return record


def emf_records(out: str) -> list[dict[str, Any]]:
    """The EMF records among printed lines (Powertools prints them to stdout)."""
    lines = [line for line in out.splitlines() if line.startswith("{") and '"_aws"' in line]
    return [record for record in map(json.loads, lines) if "_aws" in record]


def printed_emf(run: Callable[[], object]) -> list[dict[str, Any]]:
    """The EMF records run() prints."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        run()
    return emf_records(out.getvalue())


def metric_values(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Metric name -> (its values, its unit), across the records."""
    values: dict[str, Any] = {}
    for record in records:
        for directive in record["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                values[metric["Name"]] = (record[metric["Name"]], metric["Unit"])
    return values
