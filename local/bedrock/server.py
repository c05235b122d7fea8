"""The local Bedrock Runtime endpoint: a threaded loopback HTTP server that records requests."""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

from local.bedrock.cache import PromptCache
from local.bedrock.handler import EmulatorHandler, EmulatorServer
from local.bedrock.records import AnswerEnd, Ending, RecordedRequest

__all__ = ["AnswerEnd", "BedrockEmulator", "Ending", "RecordedRequest"]


class BedrockEmulator:
    """Local Bedrock Runtime: Converse(Stream) and InvokeModel(WithResponseStream)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        corrupt_crc: bool = False,
        verbose: bool = False,
    ) -> None:
        self.host, self.port = host, port
        self.corrupt_crc = corrupt_crc  # test-only: every delta message gets a wrong CRC
        self.verbose = verbose
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._ends: list[AnswerEnd] = []
        self._ended = threading.Condition(self._lock)
        self._connections: set[socket.socket] = set()
        self._attempts: dict[str, int] = {}
        self.cache = PromptCache()  # prompt caching: prefixes written by earlier requests
        self._stopping = threading.Event()
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The endpoint URL, for `endpoint_url=` or AWS_ENDPOINT_URL_BEDROCK_RUNTIME."""
        if self._server is None:
            raise RuntimeError("BedrockEmulator is not started")
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def ends(self) -> list[AnswerEnd]:
        """How each answer ended so far, in the order they ended."""
        with self._lock:
            return list(self._ends)

    def wait_end(
        self, matches: Callable[[RecordedRequest], bool], timeout: float
    ) -> AnswerEnd | None:
        """The end of the first answer whose request matches, waiting up to `timeout` for it."""
        with self._ended:
            return self._ended.wait_for(
                lambda: next((e for e in self._ends if matches(e.request)), None), timeout
            )

    def clear(self) -> None:
        """Forget the recorded requests, their ends and the prompt cache."""
        with self._lock:
            self._requests.clear()
            self._ends.clear()
            self._attempts.clear()
        self.cache.clear()

    def start(self) -> BedrockEmulator:
        """Bind and serve in a background thread."""
        self._stopping.clear()
        self._server = EmulatorServer((self.host, self.port), EmulatorHandler)
        self._server.emulator = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="bedrock-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: paused streams wake up and are cut, open connections are closed."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> BedrockEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _end(self, request: RecordedRequest, ending: Ending) -> None:
        with self._ended:
            self._ends.append(AnswerEnd(request, ending, time.monotonic()))
            self._ended.notify_all()

    def _attempt(self, operation: str, model_id: str, raw: bytes) -> int:
        """How many times this exact request has arrived, this one included."""
        key = hashlib.sha256(b"\0".join([operation.encode(), model_id.encode(), raw])).hexdigest()
        with self._lock:
            self._attempts[key] = self._attempts.get(key, 0) + 1
            return self._attempts[key]

    def _track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)
