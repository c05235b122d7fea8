"""close_stream wakes a reader blocked on Bedrock's socket over TLS too (as on AWS).

A loopback TLS server with a certificate made here answers ConverseStream with two events
and then goes silent; the real bedrock-runtime client (the function's make_client, trusting
that certificate through AWS_CA_BUNDLE) reads the stream in a thread that blocks in the TLS
socket read. close_stream must wake it long before botocore's read timeout would.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bedrock_stream.bedrock_client import make_client
from bedrock_stream.pump import close_stream
from local.bedrock.eventstream import event_message
from tests.functional.handler.handler_fakes import make_config

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own CA), and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%b\r\n" % (len(data), data)


class StallingTlsBedrock:
    """Answers one ConverseStream over TLS with two events, then stays silent until told."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.release = threading.Event()
        self.peer_gone = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        raw, _ = self.listener.accept()
        with self.context.wrap_socket(raw, server_side=True) as conn:
            head = b""
            while b"\r\n\r\n" not in head:
                head += conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\n"
                b"Content-Type: application/vnd.amazon.eventstream\r\n"
                b"Transfer-Encoding: chunked\r\n"
                b"x-amzn-RequestId: tls-test\r\n\r\n"
                + _chunk(event_message("messageStart", {"role": "assistant", "p": "x"}))
                + _chunk(
                    event_message(
                        "contentBlockDelta",
                        {"contentBlockIndex": 0, "delta": {"text": "hi"}, "p": "x"},
                    )
                )
            )
            self.release.wait(60)  # the stall: nothing more is sent
            with contextlib.suppress(OSError, ssl.SSLError):
                conn.recv(1)  # returns (b"" or an error) once the client is gone
            self.peer_gone.set()

    def close(self) -> None:
        self.release.set()
        self.listener.close()


@pytest.fixture
def tls_bedrock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StallingTlsBedrock]:
    cert, key = _certificate(tmp_path)
    monkeypatch.setenv("AWS_CA_BUNDLE", str(cert))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDLOCAL")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    server = StallingTlsBedrock(cert, key)
    yield server
    server.close()


def test_close_stream_wakes_a_reader_blocked_in_a_tls_read(
    tls_bedrock: StallingTlsBedrock,
) -> None:
    # Given the function's own client (botocore's read timeout a minute away)
    client: Any = make_client(
        make_config(read_timeout_s=60.0), endpoint_url=f"https://127.0.0.1:{tls_bedrock.port}"
    )
    stream = client.converse_stream(
        modelId=MODEL, messages=[{"role": "user", "content": [{"text": "hi"}]}]
    )["stream"]
    received: list[dict[str, Any]] = []
    two_events = threading.Event()
    ended: list[BaseException | None] = []

    def read() -> None:
        try:
            for event in stream:
                received.append(event)
                if len(received) == 2:
                    two_events.set()
            ended.append(None)
        except BaseException as exc:  # how the woken read ends is botocore's business
            ended.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert two_events.wait(30), "the TLS stream did not deliver its first events"
    assert received[1] == {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "hi"}}}
    # When the stream is closed from another thread while the reader waits for more
    # (close() alone would block too: the reader holds the response's buffer lock)
    closer = threading.Thread(target=close_stream, args=(stream,), daemon=True)
    closer.start()
    # Then both return now, not at the 60 s read timeout
    closer.join(15)
    assert not closer.is_alive(), "close_stream waited for the reader blocked on TLS"
    reader.join(15)
    assert not reader.is_alive(), "close_stream did not wake the reader blocked on TLS"
    assert len(ended) == 1
    assert len(received) == 2
    # And the server sees the connection go
    tls_bedrock.release.set()
    assert tls_bedrock.peer_gone.wait(15)
