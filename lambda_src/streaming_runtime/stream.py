"""The response stream a streaming handler writes to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from streaming_runtime.client import RuntimeClient, streaming_head
from streaming_runtime.framing import (
    DEFAULT_BODY_CONTENT_TYPE,
    LAST_CHUNK,
    encode_prelude,
    error_trailers,
    frame_chunk,
    last_chunk,
    make_prelude,
)
from streaming_runtime.types import ErrorPayload

State = Literal["new", "open", "closed"]


class StreamStateError(RuntimeError):
    """A call the stream cannot take in its current state (e.g. write after close)."""


class ResponseStream:
    """Chunked ``/response`` POST for one invocation; every write goes out at once."""

    def __init__(self, client: RuntimeClient, request_id: str) -> None:
        self._client = client
        self._request_id = request_id
        self._state: State = "new"

    @property
    def started(self) -> bool:
        """Whether the prelude (status and headers) was sent."""
        return self._state != "new"

    @property
    def closed(self) -> bool:
        """Whether the response was ended."""
        return self._state == "closed"

    def start(
        self,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        cookies: Sequence[str] | None = None,
    ) -> None:
        """Open the response and send the prelude, so the client sees status and headers now."""
        if self._state != "new":
            raise StreamStateError("the response was already started")
        prelude = encode_prelude(make_prelude(status, headers, cookies))
        # Head and prelude in one write; user data always goes in chunks of its own
        # (a first write sharing a chunk with the delimiter was seen delayed,
        # docs/PROTOCOLS.md §3.3).
        self._client.connection.send(
            streaming_head(self._client.host, self._request_id) + frame_chunk(prelude)
        )
        self._state = "open"

    def write(self, data: bytes | str) -> None:
        """Send one chunk now; an empty write sends nothing (a 0-size chunk ends the body)."""
        if self._state == "closed":
            raise StreamStateError("write after the response was closed")
        if isinstance(data, str):
            data = data.encode()
        elif not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"write() takes bytes or str, not {type(data).__name__}")
        if self._state == "new":
            self.start(200, {"content-type": DEFAULT_BODY_CONTENT_TYPE})
        if data:
            self._client.connection.send(frame_chunk(bytes(data)))

    def close(self) -> None:
        """End the response cleanly; idempotent."""
        if self._state == "closed":
            return
        if self._state == "new":
            self.start(200, {"content-type": DEFAULT_BODY_CONTENT_TYPE})
        self._state = "closed"
        self._client.connection.send(LAST_CHUNK)
        self._client.finish_stream()

    def fail(self, payload: ErrorPayload) -> None:
        """End an open response with the error trailers, keeping every byte already sent."""
        if self._state != "open":
            raise StreamStateError("only an open response can fail")
        self._state = "closed"
        self._client.connection.send(last_chunk(error_trailers(payload)))
        self._client.finish_stream()
