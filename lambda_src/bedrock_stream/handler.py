"""The Lambda entry point: `bedrock_stream.handler.handler(event, context, *, stream)`.

Init happens when the runtime imports this module and looks `handler` up: first every
variable of the environment is checked (before Powertools reads its own ones on import
below), so that a bad value fails the init with a message naming it, which Lambda posts to
/init/error and callers see in the 502; then the App and its Bedrock client are built, so
that the first request does not pay for them.
"""

# ruff: noqa: E402 - the environment is checked before the imports that read it themselves

from __future__ import annotations

from bedrock_stream.config import load

load()

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths

from bedrock_stream import snapstart_hooks
from bedrock_stream.app import App, Exchange, default_app
from bedrock_stream.auth import check_key
from bedrock_stream.errors import classify
from bedrock_stream.observability import logger, metrics, record_outcome, tracer
from bedrock_stream.pump import RESPONSE_LOST
from bedrock_stream.request import EMPTY_REQUEST, parse_event
from bedrock_stream.routes import error_shape_for, resolve
from streaming_runtime.types import LambdaContextProtocol, ResponseStreamProtocol

Handler = Callable[..., None]

snapstart_hooks.register()  # run only under SnapStart (streaming_runtime/snapstart.py)


def handle(
    app: App,
    event: dict[str, Any],
    context: LambdaContextProtocol,
    stream: ResponseStreamProtocol,
) -> None:
    """Serve one request; returns only when the response is complete."""
    ex = Exchange(app, EMPTY_REQUEST, context, stream, context.aws_request_id, app.clock())
    try:
        ex.error_shape = error_shape_for(event.get("rawPath") if isinstance(event, dict) else None)
        ex.http = parse_event(event, app.config.max_body_bytes)
        ex.log.update(method=ex.http.method, path=ex.http.path)
        ex.error_shape = error_shape_for(ex.http.path)
        route = resolve(ex.http.method, ex.http.path)
        if route.needs_key and app.config.auth_mode == "api_key":
            check_key(ex.http.headers, app.key_source)
        route.fn(ex)
    except Exception as exc:
        err = classify(exc)
        # A write that failed on a broken connection after the start is not the function's
        # failure (and nobody is left to tell): the runtime logs that connection once.
        lost = stream.started and isinstance(exc, ConnectionError)
        if err.code == "internal" and not lost:
            logger.exception("request failed")
        if stream.started:
            # The pump always writes the terminal event itself; a second one would be a lie.
            ex.log["late_error"] = RESPONSE_LOST if lost else err.code
        else:
            record_outcome(err.code)
            ex.send_error(err)
    finally:
        ex.log["elapsed_ms"] = round((app.clock() - ex.started_at) * 1000)
        logger.info("request", extra=ex.log)


def build_handler(app_factory: Callable[[], App]) -> Handler:
    """The decorated streaming handler for an App; tests pass their own factory."""

    @logger.inject_lambda_context(
        clear_state=True, correlation_id_path=correlation_paths.LAMBDA_FUNCTION_URL
    )
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics
    def streaming_handler(
        event: dict[str, Any], context: LambdaContextProtocol, *, stream: ResponseStreamProtocol
    ) -> None:
        handle(app_factory(), event, context, stream)

    decorated: Handler = streaming_handler
    return decorated


def __getattr__(name: str) -> Handler:
    """`handler`, built on its first lookup (PEP 562), which the runtime makes during init.

    Built on lookup rather than on import so that tests can import build_handler and handle
    without a Region or credentials; the runtime looks it up right after the import.
    """
    if name != "handler":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    app = default_app()
    built = build_handler(lambda: app)
    globals()["handler"] = built
    return built
