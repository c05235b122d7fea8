"""API-key mode: 401 without a key, 403 with a wrong one, the key from env or Secrets Manager."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from bedrock_stream.auth import SecretKeySource
from tests.functional.handler.handler_fakes import (
    FakeBedrock,
    converse_events,
    make_config,
    make_event,
)

KEY = "s3cr3t-key-0123456789"


def chat(headers=None, path="/chat", method="POST"):
    body = {"prompt": "hi"} if method == "POST" else None
    return make_event(method, path, body=body, headers=headers or {})


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "unauthorized"),
        ({"authorization": "Basic abc"}, 401, "unauthorized"),
        ({"authorization": "Bearer "}, 401, "unauthorized"),
        ({"x-api-key": "wrong"}, 403, "forbidden"),
        ({"authorization": "Bearer wrong"}, 403, "forbidden"),
        ({"x-api-key": KEY + "x"}, 403, "forbidden"),
    ],
)
def test_rejected(run, headers, status, code):
    client = FakeBedrock([])
    stream = run(chat(headers), client, config=make_config(auth_mode="api_key", api_key=KEY))
    assert stream.status == status
    assert stream.json()["error"]["code"] == code
    assert client.calls == []


@pytest.mark.parametrize(
    "headers",
    [{"x-api-key": KEY}, {"authorization": f"Bearer {KEY}"}, {"Authorization": f"bearer {KEY}"}],
)
def test_accepted(run, headers):
    config = make_config(auth_mode="api_key", api_key=KEY)
    stream = run(chat(headers), FakeBedrock([converse_events(["ok"])]), config=config)
    assert stream.status == 200
    assert stream.text() == "ok"


def test_models_needs_the_key_but_the_page_does_not(run):
    config = make_config(auth_mode="api_key", api_key=KEY)
    assert run(chat(path="/models", method="GET"), FakeBedrock([]), config=config).status == 401
    assert run(chat(path="/", method="GET"), FakeBedrock([]), config=config).status == 200


def test_unknown_route_is_404_before_auth(run):
    config = make_config(auth_mode="api_key", api_key=KEY)
    assert run(chat(path="/nope", method="GET"), FakeBedrock([]), config=config).status == 404


def test_no_key_configured_fails_closed(run):
    stream = run(
        chat({"x-api-key": "anything"}), FakeBedrock([]), config=make_config(auth_mode="api_key")
    )
    assert stream.status == 500
    assert stream.json()["error"]["code"] == "internal"


def test_iam_mode_needs_no_key(run):
    stream = run(
        chat(), FakeBedrock([converse_events(["ok"])]), config=make_config(auth_mode="iam")
    )
    assert stream.status == 200


@pytest.mark.parametrize(("stored", "expected"), [(KEY, KEY), ('{"api_key": "' + KEY + '"}', KEY)])
def test_key_from_secrets_manager(monkeypatch, stored, expected):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        arn = boto3.client("secretsmanager").create_secret(Name="bs-key", SecretString=stored)[
            "ARN"
        ]
        source = SecretKeySource(arn, max_age_s=0)
        assert source() == expected


def test_secret_arn_mode_end_to_end(run, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        arn = boto3.client("secretsmanager").create_secret(Name="bs-key-2", SecretString=KEY)["ARN"]
        config = make_config(auth_mode="api_key", api_key_secret_arn=arn)
        ok = run(chat({"x-api-key": KEY}), FakeBedrock([converse_events(["ok"])]), config=config)
        bad = run(chat({"x-api-key": "nope"}), FakeBedrock([]), config=config)
    assert ok.status == 200
    assert bad.status == 403
