"""Context parsing (API.md §10): strings from `-c`, JSON values from cdk.json, and refusals."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config import ConfigError, StreamConfig, config_from_context


def parse(**context: Any) -> StreamConfig:
    """Parse a context given as keyword arguments, as node.try_get_context would return it."""
    return config_from_context(context.get)


def test_defaults_match_api_md() -> None:
    config = parse()

    assert config.auth == "iam"
    assert config.cors_origins == ()
    assert config.timeout_s == 300
    assert config.memory_mb == 512
    assert config.reserved_concurrency is None
    assert config.log_retention_days == 30
    assert config.architecture == "arm64"
    assert config.effective_default_model == config.models[0]


def test_command_line_strings_are_parsed() -> None:
    config = parse(
        models="us.anthropic.claude-3-5-haiku-20241022-v1:0, amazon.nova-lite-v1:0",
        default_model="amazon.nova-lite-v1:0",
        auth="API_KEY",
        cors_origins="https://a.example,https://b.example",
        timeout_s="60",
        memory_mb="1024",
        reserved_concurrency="5",
        log_retention_days="7",
        architecture="x86_64",
    )

    assert config == StreamConfig(
        models=("us.anthropic.claude-3-5-haiku-20241022-v1:0", "amazon.nova-lite-v1:0"),
        default_model="amazon.nova-lite-v1:0",
        auth="api_key",
        cors_origins=("https://a.example", "https://b.example"),
        timeout_s=60,
        memory_mb=1024,
        reserved_concurrency=5,
        log_retention_days=7,
        architecture="x86_64",
    )


def test_cdk_json_values_are_parsed() -> None:
    config = parse(models=["m.one", "m.two"], timeout_s=120, cors_origins=["https://x.example"])

    assert config.models == ("m.one", "m.two")
    assert config.timeout_s == 120
    assert config.cors_origins == ("https://x.example",)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("timeout_s", "901", "timeout_s"),
        ("timeout_s", "soon", "integer"),
        ("memory_mb", "64", "memory_mb"),
        ("reserved_concurrency", "0", "reserved_concurrency"),
        ("log_retention_days", "31", "log_retention_days"),
        ("architecture", "arm", "architecture"),
        ("auth", "none", "auth"),
        ("models", ",", "models"),
        ("default_model", "not.listed", "default_model"),
        ("timeout_s", True, "integer"),
    ],
)
def test_undeployable_values_are_refused(key: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(**{key: value})
