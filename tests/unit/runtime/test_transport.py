"""The Runtime API connection: a failed request is never continued on a new connection."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from streaming_runtime.transport import Connection, TransportError


class Listener:
    """A loopback server that resets each connection after its first read."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.accepted = 0
        self.received: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.received.append(conn.recv(65536))
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()  # a reset: the client's next sends fail


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.sock.close()


def _send_until_broken(connection: Connection) -> TransportError:
    """Send small pieces (pausing, so the reset can arrive) until one fails."""
    for _ in range(2000):
        try:
            connection.send(b"x" * 64)
        except TransportError as exc:
            return exc
        threading.Event().wait(0.005)
    raise AssertionError("the reset connection never failed a send")


def test_after_a_failure_every_send_fails_without_reconnecting(listener: Listener) -> None:
    connection = Connection(listener.address)
    first = _send_until_broken(connection)
    assert connection.broken == str(first)
    with pytest.raises(TransportError, match="broke earlier"):
        connection.send(b"the rest of the response")
    with pytest.raises(TransportError, match="broke earlier"):
        connection.send(b"0\r\n\r\n")
    assert listener.accepted == 1
    assert all(b"the rest" not in data for data in listener.received)


def test_reset_lets_the_next_request_open_a_new_connection(listener: Listener) -> None:
    connection = Connection(listener.address)
    _send_until_broken(connection)
    connection.reset()
    assert connection.broken is None
    connection.send(b"GET /next HTTP/1.1\r\n\r\n")
    # The listener reads the new connection's first bytes: a whole new request.
    for _ in range(200):
        if len(listener.received) == 2:
            break
        threading.Event().wait(0.01)
    assert listener.accepted == 2
    assert listener.received[1].startswith(b"GET /next")


def test_a_host_name_connects_through_each_address_it_resolves_to(listener: Listener) -> None:
    port = listener.sock.getsockname()[1]
    connection = Connection(f"localhost:{port}")  # may resolve to ::1 first, then 127.0.0.1
    connection.send(b"GET /next HTTP/1.1\r\n\r\n")
    for _ in range(200):
        if listener.received:
            break
        threading.Event().wait(0.01)
    assert listener.received[0].startswith(b"GET /next")


def test_a_refused_connection_is_a_transport_error_that_breaks_the_connection() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    connection = Connection(f"127.0.0.1:{port}")  # nothing listens there now
    with pytest.raises(TransportError, match="connect failed"):
        connection.send(b"GET /next HTTP/1.1\r\n\r\n")
    assert not connection.is_open
    # Like any failed send: the rest of that request must not go out on a new connection.
    assert connection.broken is not None
    assert "connect failed" in connection.broken
    with pytest.raises(TransportError, match="broke earlier"):
        connection.send(b"the rest")


def test_connecting_does_not_load_the_idna_codec() -> None:
    """A str host would go through the idna codec: three modules, about 5 ms of a cold start."""
    code = (
        "import socket, sys\n"
        "from streaming_runtime.transport import Connection\n"
        "server = socket.create_server(('127.0.0.1', 0))\n"
        "Connection('127.0.0.1:%d' % server.getsockname()[1]).send(b'x')\n"
        "print(sorted(m for m in sys.modules if m in {'encodings.idna', 'stringprep'}))\n"
    )
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": str(root / "lambda_src")}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
