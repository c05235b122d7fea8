"""Configuration from the environment (API.md §8)."""

from __future__ import annotations

import pytest

from bedrock_stream.config import FALLBACK_MODELS, Config, from_env
from local.lambda_env.overrides import LOCAL_MODELS


def test_defaults():
    config = from_env({})
    assert config == Config(read_timeout_s=65.0)
    assert config.allowed_models == FALLBACK_MODELS
    assert config.default_model == FALLBACK_MODELS[0]
    # Without ALLOWED_MODELS the function falls back to the same list `make demo` sets.
    assert FALLBACK_MODELS == LOCAL_MODELS
    assert (config.max_tokens_limit, config.max_body_bytes) == (4096, 1_048_576)
    assert (config.stall_timeout_s, config.keepalive_s, config.deadline_margin_s) == (60, 10, 3)
    assert config.log_content is False
    assert config.auth_mode == "iam"


def test_everything_set():
    config = from_env(
        {
            "ALLOWED_MODELS": " a.b-v1:0 , us.c.d-v2:0,,",
            "DEFAULT_MODEL": "us.c.d-v2:0",
            "MAX_TOKENS_LIMIT": "100",
            "MAX_BODY_BYTES": "2048",
            "STALL_TIMEOUT_S": "1.5",
            "KEEPALIVE_S": "0.25",
            "DEADLINE_MARGIN_S": "2",
            "LOG_CONTENT": "TRUE",
            "AUTH_MODE": "api_key",
            "API_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:k",
        }
    )
    assert config.allowed_models == ("a.b-v1:0", "us.c.d-v2:0")
    assert config.default_model == "us.c.d-v2:0"
    assert (config.max_tokens_limit, config.max_body_bytes) == (100, 2048)
    assert (config.stall_timeout_s, config.keepalive_s, config.deadline_margin_s) == (1.5, 0.25, 2)
    assert config.read_timeout_s == 6.5  # the socket backstop sits above the stall timeout
    assert config.log_content is True
    assert config.auth_mode == "api_key"
    assert config.api_key_secret_arn.endswith(":k")


def test_default_model_is_the_first_allowed():
    assert from_env({"ALLOWED_MODELS": "x.y,z.w"}).default_model == "x.y"


@pytest.mark.parametrize("value", ["false", "0", "", "no"])
def test_log_content_off(value):
    assert from_env({"LOG_CONTENT": value}).log_content is False


def test_bad_auth_mode_fails_loudly():
    with pytest.raises(ValueError, match="AUTH_MODE"):
        from_env({"AUTH_MODE": "none"})
