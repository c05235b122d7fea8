"""A loopback TCP proxy that can cut one chat response after a number of bytes."""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass
from types import TracebackType


@dataclass
class _Cut:
    """The cut planned for the response on one connection, once its POST was seen."""

    body_bytes: int | None = None  # body bytes (chunk framing included) before the cut
    head: bytearray | None = None  # the response head, held until complete


class CuttingProxy:
    """Forwards to ``upstream``; ``cut_next(n)`` cuts the next POST's response after n bytes."""

    def __init__(self, upstream_url: str) -> None:
        host, _, port = upstream_url.removeprefix("http://").partition(":")
        self._upstream = (host, int(port.rstrip("/")))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._lock = threading.Lock()
        self._armed: int | None = None
        self._times = 0  # how many more POSTs to cut
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._closed = threading.Event()
        self.cuts = 0  # responses cut so far
        self.posts = 0  # POST requests seen so far

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def cut_next(self, after_bytes: int, times: int = 1) -> None:
        """Cut the next ``times`` POST responses after ``after_bytes`` bytes of their body."""
        with self._lock:
            self._armed, self._times = after_bytes, times

    def start(self) -> CuttingProxy:
        """Accept connections in the background."""
        self._spawn(self._accept)
        return self

    def close(self) -> None:
        """Stop accepting and close every connection; no thread is left running."""
        self._closed.set()
        self._drop(self._listener)  # shutdown() wakes the accept() that close() would not
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            self._drop(sock)
        for thread in list(self._threads):
            thread.join(timeout=5)

    def __enter__(self) -> CuttingProxy:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads.append(thread)
        thread.start()

    def _track(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._sockets.add(sock)
        return sock

    def _drop(self, sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            sock.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self._spawn(self._serve, self._track(client))

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = self._track(socket.create_connection(self._upstream))
        except OSError:
            self._drop(client)
            return
        cut = _Cut()
        self._spawn(self._upward, client, upstream, cut)
        try:
            while data := upstream.recv(65536):
                if cut.body_bytes is None:
                    client.sendall(data)
                    continue
                if cut.head is not None:  # hold the response head until it is complete
                    cut.head += data
                    end = cut.head.find(b"\r\n\r\n")
                    if end < 0:
                        continue
                    client.sendall(bytes(cut.head[: end + 4]))
                    data, cut.head = bytes(cut.head[end + 4 :]), None
                if len(data) >= cut.body_bytes:
                    client.sendall(data[: cut.body_bytes])
                    with self._lock:
                        self.cuts += 1
                    return
                cut.body_bytes -= len(data)
                client.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(client)
            self._drop(upstream)

    def _upward(self, client: socket.socket, upstream: socket.socket, cut: _Cut) -> None:
        try:
            while data := client.recv(65536):
                if data.startswith(b"POST "):
                    with self._lock:
                        self.posts += 1
                        cut.body_bytes = self._armed
                        cut.head = bytearray() if self._armed is not None else None
                        self._times = max(self._times - 1, 0)
                        if self._times == 0:
                            self._armed = None
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(upstream)
