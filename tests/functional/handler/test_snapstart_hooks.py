"""The function's SnapStart hooks: what a restored copy refreshes, and what is primed before.

After a restore every copy of the snapshot would share the Bedrock client's sockets, `random`'s
state and the cached API key; the after-restore hook gives each copy its own.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
from typing import Any

import boto3
import pytest
import snapshot_restore_py
from moto import mock_aws

import bedrock_stream.app as app_module
import bedrock_stream.bedrock_client as client_module
from bedrock_stream import snapstart_hooks
from bedrock_stream.app import App
from bedrock_stream.auth import SecretKeySource
from bedrock_stream.bedrock_client import make_client
from bedrock_stream.schema import validator
from local.bedrock import BedrockEmulator
from tests.functional.handler.handler_fakes import FakeBedrock, make_config

ECHO = "#! echo rate=5000 ttft_ms=0\n"


class CountingProxy:
    """A loopback TCP proxy to the local Bedrock that counts the connections clients open."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            self.accepted += 1
            upstream = socket.create_connection(self.upstream)
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh execution environment: no client, no App yet."""
    monkeypatch.setattr(client_module, "_client", None)
    monkeypatch.setattr(app_module, "_default", None)


def _ask(client: Any, text: str) -> str:
    response = client.converse_stream(
        modelId="anthropic.claude-3-haiku-20240307-v1:0",
        messages=[{"role": "user", "content": [{"text": ECHO + text}]}],
    )
    parts = [
        e["contentBlockDelta"]["delta"]["text"]
        for e in response["stream"]
        if "contentBlockDelta" in e
    ]
    return "".join(parts)


def test_a_restored_copy_opens_its_own_bedrock_connection(
    environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDLOCAL")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local-secret")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    with BedrockEmulator() as bedrock:
        proxy = CountingProxy(bedrock.url)
        try:
            # Given the environment's client, with a pooled connection from before the snapshot
            client = make_client(make_config(read_timeout_s=10.0), endpoint_url=proxy.url)
            monkeypatch.setattr(client_module, "_client", client)
            assert _ask(client, "one") == "one"
            assert _ask(client, "two") == "two"
            assert proxy.accepted == 1  # kept alive and reused
            # When the environment is restored
            refreshed = snapstart_hooks.refresh_after_restore()
            # Then the next call opens a connection of its own, and works
            assert _ask(client, "three") == "three"
            assert proxy.accepted == 2
            assert snapstart_hooks.CONNECTIONS in refreshed
        finally:
            proxy.close()


def test_random_is_seeded_again_after_a_restore(environment: None) -> None:
    # Given the state every copy restored from one snapshot starts with
    random.seed(1234)
    shared = random.Random(1234).random()
    # When a copy is restored, it draws from a state of its own
    refreshed = snapstart_hooks.refresh_after_restore()
    assert random.random() != shared
    assert snapstart_hooks.RANDOM in refreshed
    # (without a client or an App built, nothing else is refreshed)
    assert refreshed == [snapstart_hooks.RANDOM]


def test_the_cached_api_key_is_read_again_after_a_restore(
    environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        secrets = boto3.client("secretsmanager")
        arn = secrets.create_secret(Name="bs-snap", SecretString="before-snapshot")["ARN"]
        source = SecretKeySource(arn, max_age_s=300)
        config = make_config(auth_mode="api_key", api_key_secret_arn=arn)
        monkeypatch.setattr(app_module, "_default", App(config, lambda: FakeBedrock([]), source))
        # Given the key read (and cached for 5 minutes) before the snapshot
        assert source() == "before-snapshot"
        secrets.put_secret_value(SecretId=arn, SecretString="rotated")
        assert source() == "before-snapshot"
        # When the environment is restored, the key is read again
        refreshed = snapstart_hooks.refresh_after_restore()
        assert source() == "rotated"
    assert snapstart_hooks.KEY_CACHE in refreshed


def test_the_validator_is_compiled_before_the_snapshot(
    environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(max_tokens_limit=12345)
    monkeypatch.setattr(app_module, "_default", App(config, lambda: FakeBedrock([]), lambda: None))
    validator.cache_clear()

    snapstart_hooks.prime_before_snapshot()

    assert validator.cache_info().currsize == 1
    validator(12345)
    assert validator.cache_info().hits == 1  # the request finds it compiled


def test_the_handler_registers_both_hooks() -> None:
    import bedrock_stream.handler  # noqa: F401 - registers on import, as Lambda's init does

    before = [func for func, _args, _kwargs in snapshot_restore_py.get_before_snapshot()]
    after = [func for func, _args, _kwargs in snapshot_restore_py.get_after_restore()]
    assert snapstart_hooks.prime_before_snapshot in before
    assert snapstart_hooks.refresh_after_restore in after
