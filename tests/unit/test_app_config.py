"""Configuration from the environment (docs/API.md §8)."""

from __future__ import annotations

import pytest

from bedrock_stream.blocks import Guardrail
from bedrock_stream.config import FALLBACK_MODELS, Config, from_env
from bedrock_stream.env_reader import ConfigError
from local.lambda_env.overrides import LOCAL_MODELS


def test_defaults():
    config = from_env({})
    assert config == Config(read_timeout_s=65.0)
    assert config.allowed_models == FALLBACK_MODELS
    assert config.default_model == FALLBACK_MODELS[0]
    # Without ALLOWED_MODELS the function falls back to the same list `make demo` sets.
    assert FALLBACK_MODELS == LOCAL_MODELS
    # docs/API.md §12.6 raised the function's own MAX_TOKENS_LIMIT default from 4096 to 16384.
    assert (config.max_tokens_limit, config.max_body_bytes) == (16384, 1_048_576)
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
            "API_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:k",
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


# Each bad value, and the message that must name the variable and the value it needs.
BAD_VALUES = [
    ("MAX_TOKENS_LIMIT", "abc", "MAX_TOKENS_LIMIT must be a whole number from 1 to 1000000"),
    ("MAX_TOKENS_LIMIT", "0", "MAX_TOKENS_LIMIT must be a whole number from 1 to 1000000"),
    ("MAX_TOKENS_LIMIT", "1e4", "MAX_TOKENS_LIMIT must be a whole number"),
    ("MAX_TOKENS_LIMIT", "4_096", "MAX_TOKENS_LIMIT must be a whole number"),
    ("MAX_TOKENS_LIMIT", "2.5", "MAX_TOKENS_LIMIT must be a whole number"),
    ("MAX_BODY_BYTES", "-1", "MAX_BODY_BYTES must be a whole number from 1 to 6291456"),
    ("MAX_BODY_BYTES", "10485760", "MAX_BODY_BYTES must be a whole number from 1 to 6291456"),
    ("STALL_TIMEOUT_S", "soon", "STALL_TIMEOUT_S must be a number of seconds from 0.1 to 900"),
    ("STALL_TIMEOUT_S", "nan", "STALL_TIMEOUT_S must be a number of seconds"),
    ("STALL_TIMEOUT_S", "inf", "STALL_TIMEOUT_S must be a number of seconds"),
    ("KEEPALIVE_S", "0", "KEEPALIVE_S must be a number of seconds from 0.1 to 900"),
    ("KEEPALIVE_S", "-5", "KEEPALIVE_S must be a number of seconds"),
    ("DEADLINE_MARGIN_S", "1000", "DEADLINE_MARGIN_S must be a number of seconds from 0 to 900"),
    ("LOG_CONTENT", "maybe", "LOG_CONTENT must be true or false"),
    ("AUTH_MODE", "none", "AUTH_MODE must be one of iam, api_key"),
    ("ALLOWED_MODELS", "a b", "ALLOWED_MODELS must be a comma-separated list"),
    ("ALLOWED_MODELS", '["x.y"]', "ALLOWED_MODELS must be a comma-separated list"),
    ("ALLOWED_MODELS", ",,", "ALLOWED_MODELS must be a comma-separated list"),
    ("DEFAULT_MODEL", "not.allowed-v1", "DEFAULT_MODEL must be one of ALLOWED_MODELS"),
    ("API_KEY_SECRET_ARN", "my-secret", "API_KEY_SECRET_ARN must be a Secrets Manager secret ARN"),
    ("POWERTOOLS_LOG_LEVEL", "verbose", "POWERTOOLS_LOG_LEVEL must be one of DEBUG, INFO"),
    ("POWERTOOLS_METRICS_NAMESPACE", "AWS/Lambda", "POWERTOOLS_METRICS_NAMESPACE must be"),
    ("POWERTOOLS_METRICS_NAMESPACE", ":x", "POWERTOOLS_METRICS_NAMESPACE must be"),
    ("POWERTOOLS_METRICS_NAMESPACE", "Grüße", "POWERTOOLS_METRICS_NAMESPACE must be"),
    ("POWERTOOLS_SERVICE_NAME", "naïve", "POWERTOOLS_SERVICE_NAME must be"),
    ("BEDROCK_MAX_ATTEMPTS", "0", "BEDROCK_MAX_ATTEMPTS must be a whole number from 1 to 10"),
    ("BEDROCK_BACKOFF_BASE_S", "x", "BEDROCK_BACKOFF_BASE_S must be a number of seconds from 0"),
    ("BEDROCK_BACKOFF_CAP_S", "-1", "BEDROCK_BACKOFF_CAP_S must be a number of seconds from 0"),
    ("BEDROCK_CONNECT_TIMEOUT_S", "0", "BEDROCK_CONNECT_TIMEOUT_S must be a number of seconds"),
    ("BEDROCK_READ_TIMEOUT_S", "1h", "BEDROCK_READ_TIMEOUT_S must be a number of seconds"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD_VALUES)
def test_a_bad_value_is_refused_with_a_message_naming_the_variable(name, value, message):
    with pytest.raises(ConfigError) as caught:
        from_env({name: value})
    text = str(caught.value)
    assert text.startswith(message)
    assert text.endswith(f"not {value!r}")
    assert caught.value.problems == (text,)  # exactly one problem, and it is this one


def test_every_bad_variable_is_named_at_once():
    env = {"MAX_TOKENS_LIMIT": "abc", "KEEPALIVE_S": "0", "LOG_CONTENT": "ja"}
    with pytest.raises(ConfigError) as caught:
        from_env(env)
    assert [problem.split()[0] for problem in caught.value.problems] == [
        "MAX_TOKENS_LIMIT",
        "KEEPALIVE_S",
        "LOG_CONTENT",
    ]
    assert str(caught.value) == "; ".join(caught.value.problems)


def test_the_brief_example_message():
    with pytest.raises(
        ConfigError,
        match=r"^MAX_TOKENS_LIMIT must be a whole number from 1 to "
        r"1000000, not 'abc'$",
    ):
        from_env({"MAX_TOKENS_LIMIT": "abc"})


def test_api_key_mode_needs_a_key_source():
    with pytest.raises(ConfigError, match="AUTH_MODE=api_key needs API_KEY_SECRET_ARN"):
        from_env({"AUTH_MODE": "api_key"})
    assert from_env({"AUTH_MODE": "API_KEY", "API_KEY": "k"}).auth_mode == "api_key"


def test_a_bad_allow_list_is_not_blamed_on_the_default():
    with pytest.raises(ConfigError) as caught:
        from_env({"ALLOWED_MODELS": "a b", "DEFAULT_MODEL": "a"})
    assert len(caught.value.problems) == 1


@pytest.mark.parametrize(
    ("name", "value", "attribute", "expected"),
    [
        ("MAX_TOKENS_LIMIT", " 1000000 ", "max_tokens_limit", 1_000_000),
        ("MAX_BODY_BYTES", "6291456", "max_body_bytes", 6_291_456),
        ("STALL_TIMEOUT_S", ".5", "stall_timeout_s", 0.5),
        ("KEEPALIVE_S", "900", "keepalive_s", 900.0),
        ("DEADLINE_MARGIN_S", "0", "deadline_margin_s", 0.0),
        ("LOG_CONTENT", "On", "log_content", True),
        ("LOG_CONTENT", "off", "log_content", False),
        ("BEDROCK_MAX_ATTEMPTS", "1", "max_attempts", 1),
        ("BEDROCK_BACKOFF_BASE_S", "0", "backoff_base_s", 0.0),
        ("BEDROCK_CONNECT_TIMEOUT_S", "2.5", "connect_timeout_s", 2.5),
        ("BEDROCK_READ_TIMEOUT_S", "120", "read_timeout_s", 120.0),
        (
            "ALLOWED_MODELS",
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3",
            "allowed_models",
            ("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3",),
        ),
    ],
)
def test_values_at_the_edges_are_taken(name, value, attribute, expected):
    assert getattr(from_env({name: value}), attribute) == expected


@pytest.mark.parametrize(
    "env",
    [
        {"POWERTOOLS_LOG_LEVEL": "debug"},
        {"POWERTOOLS_LOG_LEVEL": "WARN"},
        {"POWERTOOLS_METRICS_NAMESPACE": "Bedrock Stream/Prod"},
        {"POWERTOOLS_SERVICE_NAME": "bedrock-stream"},
        {"API_KEY_SECRET_ARN": "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:k-AbC"},
    ],
)
def test_good_powertools_and_secret_values_pass(env):
    from_env(env)
