"""Configuration from the environment (API.md §8)."""

from __future__ import annotations

import pytest

from bedrock_stream.blocks import Guardrail
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


def test_the_local_default_is_claude_haiku_4_5_and_the_old_ten_remain():
    # docs/API.md §12.5: the new first entry is the default; the §9 list stays.
    assert FALLBACK_MODELS[0] == "global.anthropic.claude-haiku-4-5-20251001-v1:0"
    assert {
        "anthropic.claude-3-haiku-20240307-v1:0",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "us.amazon.nova-2-lite-v1:0",
        "us.deepseek.r1-v1:0",
        "openai.gpt-oss-20b-1:0",
    } <= set(FALLBACK_MODELS)
    assert len(FALLBACK_MODELS) == 15


def test_no_guardrail_unless_configured():
    assert from_env({}).guardrail is None


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"GUARDRAIL_ID": "abc123xyz", "GUARDRAIL_VERSION": "3"},
            Guardrail("abc123xyz", "3", "async", trace=False),
        ),
        (
            {"GUARDRAIL_ID": "abc", "GUARDRAIL_VERSION": "DRAFT", "GUARDRAIL_STREAM_MODE": "sync"},
            Guardrail("abc", "DRAFT", "sync", trace=False),
        ),
        (
            {
                "GUARDRAIL_ID": "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc",
                "GUARDRAIL_VERSION": "12",
                "LOG_CONTENT": "true",
            },
            Guardrail(
                "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc", "12", "async", trace=True
            ),
        ),
    ],
)
def test_guardrail_from_env(env, expected):
    assert from_env(env).guardrail == expected


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"GUARDRAIL_ID": "abc"}, "GUARDRAIL_VERSION"),
        ({"GUARDRAIL_VERSION": "1"}, "GUARDRAIL_ID"),
        ({"GUARDRAIL_ID": "Bad_Id", "GUARDRAIL_VERSION": "1"}, "GUARDRAIL_ID"),
        ({"GUARDRAIL_ID": "abc", "GUARDRAIL_VERSION": "0"}, "GUARDRAIL_VERSION"),
        ({"GUARDRAIL_ID": "abc", "GUARDRAIL_VERSION": "draft"}, "GUARDRAIL_VERSION"),
        (
            {"GUARDRAIL_ID": "abc", "GUARDRAIL_VERSION": "1", "GUARDRAIL_STREAM_MODE": "later"},
            "GUARDRAIL_STREAM_MODE",
        ),
    ],
)
def test_guardrail_variables_that_cannot_work_are_refused(env, fragment):
    with pytest.raises(ValueError, match=fragment):
        from_env(env)
