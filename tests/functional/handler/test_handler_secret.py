"""API-key mode with Secrets Manager: bounded reads, and every failure a 503, never a 500.

A local Secrets Manager (the JSON protocol botocore speaks, on loopback) answers with the
key, an error, or silence; it records each request, so retries can be counted.
https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bedrock_stream.auth import SecretKeySource, SecretTimeouts
from bedrock_stream.errors import AppError
from tests.functional.handler.handler_fakes import (
    FakeBedrock,
    converse_events,
    make_config,
    make_event,
)

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bs-key-AbCdEf"
KEY = "s3cr3t-key-0123456789"
FAST = SecretTimeouts(connect_s=0.5, read_s=0.3, attempts=2)


class SecretsServer:
    """Answers GetSecretValue with ``mode``: ok, an error code (400), or stall."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.targets: list[str] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                outer.targets.append(str(self.headers.get("x-amz-target")))
                if outer.mode == "stall":
                    outer.release.wait(30)
                    return
                if outer.mode == "ok":
                    doc: dict[str, Any] = {
                        "ARN": ARN,
                        "Name": request.get("SecretId"),
                        "SecretString": KEY,
                        "VersionId": "v1",
                    }
                    self._answer(200, doc)
                else:
                    self._answer(400, {"__type": outer.mode, "message": "no"})

            def _answer(self, status: int, doc: dict[str, Any]) -> None:
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretsServer]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    server = SecretsServer()
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", server.url)
    yield server
    server.close()


def test_the_key_is_read_from_the_secret(secrets: SecretsServer) -> None:
    source = SecretKeySource(ARN, max_age_s=0, timeouts=FAST, endpoint_url=secrets.url)
    assert source() == KEY
    assert secrets.targets == ["secretsmanager.GetSecretValue"]


def test_the_client_has_explicit_timeouts_and_retries(secrets: SecretsServer) -> None:
    config = SecretKeySource(ARN).client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (1.0, 2.0)
    assert config.retries == {"mode": "standard", "total_max_attempts": 2}


@pytest.mark.parametrize(
    ("mode", "attempts"),
    [
        ("AccessDeniedException", 1),
        ("ResourceNotFoundException", 1),
        ("ThrottlingException", 2),  # retried once, within the bounded attempts
        ("stall", 2),  # a read timeout, retried once, then given up
    ],
)
def test_a_failed_read_is_unavailable(secrets: SecretsServer, mode: str, attempts: int) -> None:
    secrets.mode = mode
    source = SecretKeySource(ARN, max_age_s=0, timeouts=FAST, endpoint_url=secrets.url)
    with pytest.raises(AppError) as caught:
        source()
    err = caught.value
    assert (err.code, err.status, err.retryable) == ("unavailable", 503, True)
    reason = "ReadTimeoutError" if mode == "stall" else mode
    assert err.message == f"the API key could not be read from Secrets Manager ({reason})"
    assert len(secrets.targets) == attempts


def test_a_failed_read_answers_503_json_through_the_handler(
    run: Any, secrets: SecretsServer
) -> None:
    # The handler's App builds the source from the config, as in Lambda; the endpoint comes
    # from AWS_ENDPOINT_URL_SECRETS_MANAGER (the local server).
    secrets.mode = "AccessDeniedException"
    config = make_config(auth_mode="api_key", api_key_secret_arn=ARN)
    client = FakeBedrock([converse_events(["never"])])
    event = make_event(body={"prompt": "hi"}, headers={"x-api-key": KEY})
    stream = run(event, client, config=config)
    assert stream.status == 503
    assert stream.headers["Content-Type"] == "application/json"
    assert stream.json()["error"] == {
        "code": "unavailable",
        "message": "the API key could not be read from Secrets Manager (AccessDeniedException)",
        "retryable": True,
    }
    assert client.calls == []
    # And once the secret is readable again, the same deployment serves the request.
    secrets.mode = "ok"
    ok = run(event, client, config=config)
    assert (ok.status, ok.text()) == (200, "never")
