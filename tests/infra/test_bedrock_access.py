"""The exact Bedrock resources granted for foundation models and inference profiles."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack

from infra.bedrock_access import (
    GEO_DESTINATION_REGIONS,
    INVOKE_ACTIONS,
    bedrock_statements,
    parse_model,
)
from tests.infra.infra_support import render, resource_set

HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
HAIKU_35 = "anthropic.claude-3-5-haiku-20241022-v1:0"
SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"


def statements(region: str, *models: str) -> list[dict[str, Any]]:
    """The resolved policy statements for an allow-list in a stack with a concrete env."""
    stack = Stack(App(), "S", env=Environment(account="111122223333", region=region))
    return [stack.resolve(s.to_statement_json()) for s in bedrock_statements(stack, models)]


def resources(statement: dict[str, Any]) -> set[str]:
    return resource_set(statement)


@pytest.mark.parametrize(
    ("entry", "prefix", "model"),
    [
        (HAIKU, None, HAIKU),
        (f"us.{HAIKU_35}", "us", HAIKU_35),
        (f"eu.{HAIKU}", "eu", HAIKU),
        (f"apac.{HAIKU}", "apac", HAIKU),
        (f"global.{SONNET_45}", "global", SONNET_45),
        ("amazon.nova-lite-v1:0", None, "amazon.nova-lite-v1:0"),
    ],
)
def test_ids_split_into_prefix_and_model(entry: str, prefix: str | None, model: str) -> None:
    ref = parse_model(entry)

    assert (ref.prefix, ref.model_id) == (prefix, model)


@pytest.mark.parametrize(
    "entry", ["*", "anthropic.*", "arn:aws:bedrock:us-east-1::foundation-model/x", ""]
)
def test_wildcards_and_arns_are_refused(entry: str) -> None:
    with pytest.raises(ValueError, match="ids"):
        parse_model(entry)


def test_foundation_model_gets_only_its_arn_in_the_stack_region() -> None:
    [only] = statements("eu-west-1", HAIKU)

    assert only["Effect"] == "Allow"
    assert set(only["Action"]) == set(INVOKE_ACTIONS)
    assert resources(only) == {f"arn:aws:bedrock:eu-west-1::foundation-model/{HAIKU}"}
    assert "Condition" not in only


def test_geographic_profile_gets_profile_and_model_in_every_destination() -> None:
    profile = f"us.{HAIKU_35}"
    direct, routed = statements("us-east-2", profile)

    profile_arn = f"arn:aws:bedrock:us-east-2:111122223333:inference-profile/{profile}"
    assert resources(direct) == {profile_arn}
    assert resources(routed) == {
        f"arn:aws:bedrock:{region}::foundation-model/{HAIKU_35}"
        for region in ("us-east-1", "us-east-2", "us-west-1", "us-west-2")
    }
    assert render(routed["Condition"]) == {
        "StringEquals": {"bedrock:InferenceProfileArn": profile_arn}
    }
    assert set(routed["Action"]) == set(INVOKE_ACTIONS)


def test_global_profile_adds_the_region_less_model_arn() -> None:
    profile = f"global.{SONNET_45}"
    direct, routed = statements("eu-central-1", profile)

    profile_arn = f"arn:aws:bedrock:eu-central-1:111122223333:inference-profile/{profile}"
    assert resources(direct) == {profile_arn}
    assert resources(routed) == {
        f"arn:aws:bedrock:eu-central-1::foundation-model/{SONNET_45}",
        f"arn:aws:bedrock:::foundation-model/{SONNET_45}",
    }
    assert render(routed["Condition"]) == {
        "StringEquals": {"bedrock:InferenceProfileArn": profile_arn}
    }


def test_source_region_outside_the_geography_is_still_granted() -> None:
    _direct, routed = statements("ca-central-1", f"eu.{HAIKU}")

    regions = {arn.split(":")[3] for arn in resources(routed)}
    assert regions == {"ca-central-1", *GEO_DESTINATION_REGIONS["eu"]}


def test_mixed_allow_list_never_grants_a_wildcard() -> None:
    all_statements = statements("us-east-1", HAIKU, f"us.{HAIKU_35}", f"global.{SONNET_45}", HAIKU)

    granted = set().union(*(resources(s) for s in all_statements))
    assert not any("*" in arn for arn in granted)
    assert f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}" in granted
    assert len(all_statements) == 3  # direct grants, then one conditioned statement per profile
