"""Context parsing (docs/API.md §10): strings from `-c`, JSON values from cdk.json, and refusals."""

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
    # docs/API.md §12.6
    assert config.models == ("global.anthropic.claude-haiku-4-5-20251001-v1:0",)
    assert config.max_tokens_limit == 16384
    assert (config.marketplace_subscribe, config.marketplace_product_ids) == (False, ())


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
        max_tokens_limit="32000",
        marketplace_subscribe="TRUE",
        marketplace_product_ids="prod-m5ilt4siql27k, prod-abc",
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
        max_tokens_limit=32000,
        marketplace_subscribe=True,
        marketplace_product_ids=("prod-m5ilt4siql27k", "prod-abc"),
    )


def test_cdk_json_values_are_parsed() -> None:
    config = parse(
        models=["m.one", "m.two"],
        timeout_s=120,
        cors_origins=["https://x.example"],
        max_tokens_limit=2048,
        marketplace_subscribe=True,
    )

    assert config.models == ("m.one", "m.two")
    assert config.timeout_s == 120
    assert config.cors_origins == ("https://x.example",)
    assert (config.max_tokens_limit, config.marketplace_subscribe) == (2048, True)


def test_models_may_list_application_inference_profile_arns() -> None:
    arn = "arn:aws:bedrock:us-west-2:111122223333:application-inference-profile/a1b2c3d4e5f6"

    config = parse(models=f"us.anthropic.claude-sonnet-4-5-20250929-v1:0,{arn}", default_model=arn)

    assert config.models[1] == arn
    assert config.effective_default_model == arn


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
        ("models", "anthropic.*", "models: .*not patterns"),
        ("models", "arn:aws:s3:::bucket", "models: .*not other ARNs"),
        ("max_tokens_limit", "0", r"max_tokens_limit must be a whole number 1\.\.1000000"),
        ("max_tokens_limit", "1000001", r"1\.\.1000000, got 1000001"),
        ("max_tokens_limit", "-5", r"1\.\.1000000"),
        ("max_tokens_limit", "4k", r"1\.\.1000000, got '4k'"),
        ("max_tokens_limit", 4096.5, r"1\.\.1000000"),
        ("max_tokens_limit", True, r"1\.\.1000000"),
        ("marketplace_subscribe", "yes", "marketplace_subscribe: expected true or false"),
        ("marketplace_product_ids", "prod-abc", "needs marketplace_subscribe=true"),
    ],
)
def test_undeployable_values_are_refused(key: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(**{key: value})


def test_product_ids_must_look_like_marketplace_products() -> None:
    with pytest.raises(ConfigError, match="'anthropic' is not an AWS Marketplace product id"):
        parse(marketplace_subscribe="true", marketplace_product_ids="prod-abc,anthropic")
