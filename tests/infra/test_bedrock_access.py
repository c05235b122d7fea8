"""The exact Bedrock resources granted for foundation models and inference profiles."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack

from bedrock_stream.model_ids import GLOBAL_PREFIX, PROFILE_PREFIXES
from infra.bedrock_access import INVOKE_ACTIONS, bedrock_statements
from infra.model_entries import parse_model
from tests.infra.infra_support import render, resource_set

HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
HAIKU_35 = "anthropic.claude-3-5-haiku-20241022-v1:0"
SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
ACCOUNT = "111122223333"
APP_PROFILE = f"arn:aws:bedrock:eu-west-1:{ACCOUNT}:application-inference-profile/a1b2c3d4e5f6"


def statements(region: str, *models: str) -> list[dict[str, Any]]:
    """The resolved policy statements for an allow-list in a stack with a concrete env."""
    stack = Stack(App(), "S", env=Environment(account=ACCOUNT, region=region))
    return [stack.resolve(s.to_statement_json()) for s in bedrock_statements(stack, models)]


def resources(statement: dict[str, Any]) -> set[str]:
    return resource_set(statement)


def profile_condition(profile_arn: str) -> dict[str, Any]:
    return {"StringEquals": {"bedrock:InferenceProfileArn": profile_arn}}


@pytest.mark.parametrize(
    ("entry", "kind", "prefix", "model"),
    [
        (HAIKU, "foundation_model", None, HAIKU),
        (f"us.{HAIKU_35}", "system_profile", "us", HAIKU_35),
        (f"eu.{HAIKU}", "system_profile", "eu", HAIKU),
        (f"in.{HAIKU}", "system_profile", "in", HAIKU),
        (f"global.{SONNET_45}", "system_profile", "global", SONNET_45),
        ("amazon.nova-lite-v1:0", "foundation_model", None, "amazon.nova-lite-v1:0"),
        (APP_PROFILE, "application_profile", None, None),
    ],
)
def test_entries_are_read_as_the_function_reads_them(
    entry: str, kind: str, prefix: str | None, model: str | None
) -> None:
    parsed = parse_model(entry)

    assert (parsed.kind, parsed.prefix, parsed.base) == (kind, prefix, model)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("*", "not patterns"),
        ("anthropic.*", "not patterns"),
        ("us.anthropic.claude-?", "not patterns"),
        (f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/*", "not patterns"),
        (f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}", "by its id instead of its ARN"),
        (
            f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.{HAIKU}",
            "by its id instead of its ARN",
        ),
        (f"arn:aws:bedrock:us-east-1:{ACCOUNT}:provisioned-model/abc", "not other ARNs"),
        ("arn:aws:s3:::bucket/key", "not other ARNs"),
        ("arn:aws:bedrock:us-east-1:12:application-inference-profile/x", "is not an application"),
        ("arn:aws:bedrock::111122223333:application-inference-profile/x", "is not an application"),
        ("", "is none of them"),
        ("anthropic claude", "is none of them"),
    ],
)
def test_wildcards_and_other_arns_are_refused_with_a_clear_message(
    entry: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        parse_model(entry)


def test_foundation_model_gets_only_its_arn_in_the_stack_region() -> None:
    [only] = statements("eu-west-1", HAIKU)

    assert only["Effect"] == "Allow"
    assert set(only["Action"]) == set(INVOKE_ACTIONS)
    assert resources(only) == {f"arn:aws:bedrock:eu-west-1::foundation-model/{HAIKU}"}
    assert "Condition" not in only


def test_geographic_profile_gets_the_profile_and_its_model_in_any_region_through_it() -> None:
    profile = f"us.{HAIKU_35}"
    direct, routed = statements("us-east-2", profile)

    profile_arn = f"arn:aws:bedrock:us-east-2:{ACCOUNT}:inference-profile/{profile}"
    assert resources(direct) == {profile_arn}
    assert "Condition" not in direct
    # No table of destination Regions to go stale: AWS adds Regions to a geography.
    assert resources(routed) == {f"arn:aws:bedrock:*::foundation-model/{HAIKU_35}"}
    assert render(routed["Condition"]) == profile_condition(profile_arn)
    assert set(routed["Action"]) == set(INVOKE_ACTIONS)


def test_global_profile_also_lists_the_region_less_model_arn() -> None:
    # The global page: "make sure all three resource ARNs are included".
    profile = f"global.{SONNET_45}"
    direct, routed = statements("eu-central-1", profile)

    profile_arn = f"arn:aws:bedrock:eu-central-1:{ACCOUNT}:inference-profile/{profile}"
    assert resources(direct) == {profile_arn}
    assert resources(routed) == {
        f"arn:aws:bedrock:*::foundation-model/{SONNET_45}",
        f"arn:aws:bedrock:::foundation-model/{SONNET_45}",
    }
    assert render(routed["Condition"]) == profile_condition(profile_arn)


@pytest.mark.parametrize("prefix", PROFILE_PREFIXES)
def test_every_prefix_the_function_knows_is_granted_as_a_profile(prefix: str) -> None:
    # The stack reads prefixes from bedrock_stream.model_ids, not from a list of its own.
    profile = f"{prefix}.{HAIKU}"
    direct, routed = statements("ap-south-1", profile)

    profile_arn = f"arn:aws:bedrock:ap-south-1:{ACCOUNT}:inference-profile/{profile}"
    assert resources(direct) == {profile_arn}
    assert render(routed["Condition"]) == profile_condition(profile_arn)
    region_less = (
        {f"arn:aws:bedrock:::foundation-model/{HAIKU}"} if prefix == GLOBAL_PREFIX else set()
    )
    assert resources(routed) == {f"arn:aws:bedrock:*::foundation-model/{HAIKU}", *region_less}


def test_application_profile_gets_its_arn_and_any_model_only_through_it() -> None:
    direct, routed = statements("eu-west-1", APP_PROFILE)

    assert resources(direct) == {APP_PROFILE}
    assert resources(routed) == {
        "arn:aws:bedrock:*::foundation-model/*",
        "arn:aws:bedrock:::foundation-model/*",
    }
    assert render(routed["Condition"]) == profile_condition(APP_PROFILE)
    assert set(routed["Action"]) == set(INVOKE_ACTIONS)


def test_mixed_allow_list_grants_wildcards_only_under_a_profile_condition() -> None:
    all_statements = statements(
        "us-east-1", HAIKU, f"us.{HAIKU_35}", f"global.{SONNET_45}", APP_PROFILE, HAIKU
    )

    direct, *routed = all_statements
    assert resources(direct) == {
        f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}",
        f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.{HAIKU_35}",
        f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/global.{SONNET_45}",
        APP_PROFILE,
    }
    assert len(routed) == 3  # one conditioned statement per profile, the duplicate dropped
    for statement in all_statements:
        if any("*" in arn for arn in resources(statement)):
            assert "bedrock:InferenceProfileArn" in statement["Condition"]["StringEquals"]
