"""The application object (config, Bedrock client, clocks) and one request's exchange."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bedrock_stream import auth
from bedrock_stream.bedrock_client import BedrockRuntimeProtocol, get_client
from bedrock_stream.config import Config, load
from bedrock_stream.errors import AppError, ErrorShape, error_body
from bedrock_stream.request import HttpRequest
from streaming_runtime.types import LambdaContextProtocol, ResponseStreamProtocol


@dataclass
class App:
    """What a request needs from its environment; tests build one with fakes."""

    config: Config
    client_factory: Callable[[], BedrockRuntimeProtocol]
    key_source: auth.KeySource
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def from_config(
        cls, config: Config, client: BedrockRuntimeProtocol | None = None, **kwargs: object
    ) -> App:
        """An App for config; with a client, that client, else this environment's, built now."""
        built = client if client is not None else get_client(config)
        return cls(config, lambda: built, auth.key_source(config), **kwargs)  # type: ignore[arg-type]


_default: App | None = None


def default_app() -> App:
    """The App of this execution environment: os.environ checked and the client built now.

    Called during init (see handler.py), so a bad variable is an init error and the first
    request does not pay for building the Bedrock client.
    """
    global _default  # noqa: PLW0603 - one per environment
    if _default is None:
        _default = App.from_config(load())
    return _default


def current_app() -> App | None:
    """The App of this execution environment if it was built, else None (SnapStart hooks)."""
    return _default


@dataclass
class Exchange:
    """One request in flight: the parsed request, the context and the response stream."""

    app: App
    http: HttpRequest
    context: LambdaContextProtocol
    stream: ResponseStreamProtocol
    request_id: str
    started_at: float
    log: dict[str, object] = field(default_factory=dict)
    error_shape: ErrorShape = error_body  # the OpenAI surface answers in OpenAI's shape

    def stop_at(self) -> float:
        """The monotonic time at which streaming must stop (deadline minus the margin)."""
        # Remaining time is measured now, so it counts from now (not from started_at).
        remaining_s = self.context.get_remaining_time_in_millis() / 1000
        return self.app.clock() + remaining_s - self.app.config.deadline_margin_s

    def time_left_s(self) -> float:
        """Seconds left before stop_at."""
        return self.stop_at() - self.app.clock()

    def send(
        self,
        status: int,
        body: str | bytes,
        content_type: str,
        extra: Mapping[str, str] | None = None,
    ) -> None:
        """A complete non-streaming response."""
        headers = {
            "Content-Type": content_type,
            "Cache-Control": "no-cache",
            "X-Request-Id": self.request_id,
            **(extra or {}),
        }
        self.stream.start(status, headers)
        self.stream.write(body)
        self.log["status"] = status

    def send_json(self, status: int, doc: object, extra: Mapping[str, str] | None = None) -> None:
        """A JSON response."""
        body = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        self.send(status, body, "application/json", extra)

    def send_error(self, err: AppError, extra: Mapping[str, str] | None = None) -> None:
        """An error before the stream started: its status and the §4 JSON body."""
        headers = {**err.headers, **(extra or {})}
        if err.retry_after_s is not None:
            headers["Retry-After"] = str(err.retry_after_s)
        elif err.status == 429:
            # docs/API.md §4: a 429 always says when to come back, also for a throttle that came
            # mid-stream in an answer that is not streamed (no retry of ours measured it).
            headers["Retry-After"] = "1"
        self.log["error"] = err.code
        self.send_json(err.status, self.error_shape(err), headers)
