"""Context keys (docs/API.md §10) change the synthesized template."""

from __future__ import annotations

import json

import pytest

from infra.asset import MANIFEST_NAME
from tests.infra.infra_support import (
    ACCOUNT,
    APP_PROFILE,
    HAIKU,
    PROFILE,
    TUNED,
    Synth,
    SynthFn,
    render,
    resource_set,
)


@pytest.fixture(scope="module")
def tuned(synth: SynthFn) -> Synth:
    """Every §10 key set, in a stack with a concrete account and Region for exact ARNs."""
    return synth(TUNED, region="us-east-1")


def test_function_settings_follow_context(tuned: Synth) -> None:
    fn = tuned.only("AWS::Lambda::Function")

    assert fn["Timeout"] == 120
    assert fn["MemorySize"] == 1024
    assert fn["ReservedConcurrentExecutions"] == 7
    assert fn["Architectures"] == ["x86_64"]
    assert fn["Environment"]["Variables"]["ALLOWED_MODELS"] == f"{HAIKU},{PROFILE},{APP_PROFILE}"
    assert fn["Environment"]["Variables"]["DEFAULT_MODEL"] == PROFILE
    assert fn["Environment"]["Variables"]["MAX_TOKENS_LIMIT"] == "8192"
    assert tuned.only("AWS::Logs::LogGroup")["RetentionInDays"] == 14


def test_duration_alarm_follows_the_timeout(tuned: Synth) -> None:
    alarms = [a["Properties"] for a in tuned.resources("AWS::CloudWatch::Alarm").values()]

    [duration] = [a for a in alarms if a["MetricName"] == "Duration"]
    assert duration["Threshold"] == 108_000  # 90 % of 120 s


def test_cors_allows_exactly_the_listed_origins(tuned: Synth) -> None:
    cors = tuned.only("AWS::Lambda::Url")["Cors"]

    assert cors["AllowOrigins"] == ["https://chat.example.com", "https://admin.example.com"]
    assert sorted(cors["AllowMethods"]) == ["GET", "POST"]
    assert {"content-type", "authorization", "x-api-key"} <= set(cors["AllowHeaders"])
    assert cors.get("AllowCredentials") in (None, False)


def test_exact_bedrock_resources_for_a_model_and_profiles(tuned: Synth) -> None:
    statements = tuned.only("AWS::IAM::Policy")["PolicyDocument"]["Statement"]
    bedrock = [s for s in statements if "bedrock:InvokeModel" in s["Action"]]
    profile_arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/{PROFILE}"
    model = PROFILE.removeprefix("us.")

    [direct] = [s for s in bedrock if "Condition" not in s]
    routed = {
        render(s["Condition"])["StringEquals"]["bedrock:InferenceProfileArn"]: resource_set(s)
        for s in bedrock
        if "Condition" in s
    }
    assert resource_set(direct) == {
        f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}",
        profile_arn,
        APP_PROFILE,
    }
    assert routed == {
        profile_arn: {f"arn:aws:bedrock:*::foundation-model/{model}"},
        APP_PROFILE: {
            "arn:aws:bedrock:*::foundation-model/*",
            "arn:aws:bedrock:::foundation-model/*",
        },
    }
    for statement in bedrock:
        assert sorted(statement["Action"]) == [
            "bedrock:InvokeModel",
            "bedrock:InvokeModelWithResponseStream",
        ]


def test_the_asset_is_built_for_the_chosen_architecture(tuned: Synth, default: Synth) -> None:
    def platform(synth: Synth) -> str:
        return str(json.loads((synth.asset_dir / MANIFEST_NAME).read_text())["platform"])

    assert platform(tuned) == "manylinux2014_x86_64"
    assert platform(default) == "manylinux2014_aarch64"


def test_unknown_context_values_stop_the_synth(synth: SynthFn) -> None:
    with pytest.raises(ValueError, match="architecture"):
        synth({"architecture": "sparc"})


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"max_tokens_limit": "0"}, "max_tokens_limit must be a whole number 1..1000000"),
        ({"max_tokens_limit": "lots"}, "max_tokens_limit must be a whole number 1..1000000"),
        ({"models": "anthropic.*"}, "not patterns"),
        ({"models": f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}"}, "by its id"),
    ],
)
def test_bad_model_lists_and_limits_stop_the_synth(
    synth: SynthFn, context: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        synth(context)
