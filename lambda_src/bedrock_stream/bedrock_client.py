"""The Bedrock Runtime client: a Protocol for what the app calls, and a lazy factory.

The client is built from botocore directly, without boto3: boto3 adds nothing this function
uses (resources, S3 transfers) and its import, s3transfer's included, is a large part of a
cold start (docs/ARCHITECTURE.md). botocore does everything the client needs itself: the
credentials chain, AWS_ENDPOINT_URL_BEDROCK_RUNTIME, retries and timeouts.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from typing import Any, Protocol, cast

from botocore.config import Config as BotoConfig
from botocore.session import get_session

from bedrock_stream.config import Config


class EventStreamProtocol(Protocol):
    """What botocore returns as the event stream: iterable once, closable from another thread."""

    def __iter__(self) -> Iterator[dict[str, Any]]: ...

    def close(self) -> None: ...


class BedrockRuntimeProtocol(Protocol):
    """The two streaming calls the app makes; a fake implements these in tests."""

    def converse_stream(self, **kwargs: Any) -> Any: ...

    def invoke_model_with_response_stream(self, **kwargs: Any) -> Any: ...


_lock = threading.Lock()
_client: BedrockRuntimeProtocol | None = None


def make_client(
    config: Config, endpoint_url: str | None = None, environ: Mapping[str, str] = os.environ
) -> BedrockRuntimeProtocol:
    """A new bedrock-runtime client with explicit timeouts and botocore's retries off.

    total_max_attempts=1: our own loop (pump.open_stream) retries throttling and 5xx before
    the first byte, because only it knows the function's remaining time and can attach
    Retry-After to the final 429; botocore's loop would spend that time blindly (5 attempts
    in legacy mode, docs/PROTOCOLS.md §7.4). The endpoint honours AWS_ENDPOINT_URL_BEDROCK_RUNTIME
    (botocore's session reads it, as it does for boto3) unless endpoint_url is given.
    The Region is Lambda's AWS_REGION; botocore alone reads only AWS_DEFAULT_REGION
    (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
    """
    boto_config = BotoConfig(
        connect_timeout=config.connect_timeout_s,
        read_timeout=config.read_timeout_s,
        retries={"mode": "standard", "total_max_attempts": 1},
        max_pool_connections=16,
        tcp_keepalive=True,
    )
    client = get_session().create_client(
        "bedrock-runtime",
        region_name=environ.get("AWS_REGION") or None,
        config=boto_config,
        endpoint_url=endpoint_url,
    )
    return cast("BedrockRuntimeProtocol", client)


def get_client(config: Config) -> BedrockRuntimeProtocol:
    """The one client of this execution environment, created on first use (at init, handler.py)."""
    global _client  # noqa: PLW0603 - one client per environment is the point
    if _client is None:
        with _lock:
            if _client is None:
                _client = make_client(config)
    return _client


def close_connections() -> bool:
    """Close the pooled connections of this environment's client, if built; True if it was.

    After a SnapStart restore, a socket opened before the snapshot is shared by every copy
    restored from it (or is dead): each copy must open its own. botocore's client.close()
    clears its urllib3 pools (closing idle connections); the client stays usable and opens a
    new connection on its next call.
    https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html
    """
    client = _client
    close = getattr(client, "close", None)
    if client is None or not callable(close):
        return False
    close()
    return True
