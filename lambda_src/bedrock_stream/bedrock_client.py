"""The Bedrock Runtime client: a Protocol for what the app calls, and a lazy factory."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any, Protocol, cast

import boto3
from botocore.config import Config as BotoConfig

from bedrock_stream.config import Config


class EventStreamProtocol(Protocol):
    """What boto3 returns as the event stream: iterable once, closable from another thread."""

    def __iter__(self) -> Iterator[dict[str, Any]]: ...

    def close(self) -> None: ...


class BedrockRuntimeProtocol(Protocol):
    """The two streaming calls the app makes; a fake implements these in tests."""

    def converse_stream(self, **kwargs: Any) -> Any: ...

    def invoke_model_with_response_stream(self, **kwargs: Any) -> Any: ...


_lock = threading.Lock()
_client: BedrockRuntimeProtocol | None = None


def make_client(config: Config, endpoint_url: str | None = None) -> BedrockRuntimeProtocol:
    """A new bedrock-runtime client with explicit timeouts and botocore's retries off.

    total_max_attempts=1: our own loop (pump.open_stream) retries throttling and 5xx before
    the first byte, because only it knows the function's remaining time and can attach
    Retry-After to the final 429; botocore's loop would spend that time blindly (5 attempts
    in legacy mode, protocols.md §7.4). The endpoint honours AWS_ENDPOINT_URL_BEDROCK_RUNTIME
    (boto3 reads it itself) unless endpoint_url is given.
    """
    boto_config = BotoConfig(
        connect_timeout=config.connect_timeout_s,
        read_timeout=config.read_timeout_s,
        retries={"mode": "standard", "total_max_attempts": 1},
        max_pool_connections=16,
        tcp_keepalive=True,
    )
    client = boto3.client("bedrock-runtime", config=boto_config, endpoint_url=endpoint_url)
    return cast("BedrockRuntimeProtocol", client)


def get_client(config: Config) -> BedrockRuntimeProtocol:
    """The one client of this execution environment, created on first use (at init, handler.py)."""
    global _client  # noqa: PLW0603 - one client per environment is the point
    if _client is None:
        with _lock:
            if _client is None:
                _client = make_client(config)
    return _client
