"""Model ids, inference-profile ids and Bedrock ARNs, read one way by the whole project."""

from __future__ import annotations

import pytest

from bedrock_stream.model_ids import (
    PROFILE_PREFIXES,
    ModelId,
    base_model_id,
    parse_model_id,
    split_prefix,
)
from local.bedrock.providers.registry import GEO_PREFIXES

SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"


@pytest.mark.parametrize("prefix", PROFILE_PREFIXES)
def test_every_profile_prefix_is_split_off(prefix: str) -> None:
    parsed = parse_model_id(f"{prefix}.{SONNET}")

    assert parsed == ModelId(f"{prefix}.{SONNET}", "system_profile", SONNET, prefix=prefix)
    assert parsed.is_profile


def test_prefixes_include_the_documented_geographies() -> None:
    documented = {"us", "us-gov", "eu", "apac", "ca", "jp", "au", "in", "global"}

    assert documented <= set(PROFILE_PREFIXES)


def test_the_function_and_the_local_bedrock_know_the_same_prefixes() -> None:
    # Two lists read from AWS's pages independently (the local Bedrock is a witness, not a
    # mirror): a prefix only one of them knows is a model id the two would read differently.
    assert set(PROFILE_PREFIXES) == set(GEO_PREFIXES)
    assert len(PROFILE_PREFIXES) == len(set(PROFILE_PREFIXES))


@pytest.mark.parametrize(
    "model",
    [SONNET, "amazon.titan-tg1-large", "deepseek.r1-v1:0", "openai.gpt-oss-20b-1:0", "x"],
)
def test_a_bare_id_is_a_foundation_model(model: str) -> None:
    parsed = parse_model_id(model)

    assert (parsed.kind, parsed.base, parsed.prefix) == ("foundation_model", model, None)
    assert not parsed.is_profile


def test_a_word_before_a_dot_that_is_no_prefix_stays_part_of_the_id() -> None:
    assert split_prefix("mistral.mistral-large-2402-v1:0") == (
        None,
        "mistral.mistral-large-2402-v1:0",
    )
    assert split_prefix("us.") == (None, "us.")


def test_foundation_model_arn() -> None:
    parsed = parse_model_id(f"arn:aws:bedrock:eu-west-1::foundation-model/{SONNET}")

    assert (parsed.kind, parsed.base, parsed.region, parsed.account) == (
        "foundation_model",
        SONNET,
        "eu-west-1",
        None,
    )


def test_system_profile_arn() -> None:
    parsed = parse_model_id(f"arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.{SONNET}")

    assert (parsed.kind, parsed.prefix, parsed.base, parsed.account) == (
        "system_profile",
        "us",
        SONNET,
        "111122223333",
    )


def test_application_profile_arn_names_no_model() -> None:
    arn = "arn:aws:bedrock:us-west-2:111122223333:application-inference-profile/a1b2c3d4e5f6"
    parsed = parse_model_id(arn)

    assert (parsed.kind, parsed.base, parsed.region) == ("application_profile", None, "us-west-2")
    assert parsed.is_profile
    assert base_model_id(arn) == arn


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:bedrock:us-east-1:111122223333:provisioned-model/abc",
        "arn:aws:bedrock:us-east-1:111122223333:custom-model/abc",
        "arn:aws:s3:::bucket/key",
        "arn:aws:bedrock",
    ],
)
def test_other_arns_are_kept_whole(arn: str) -> None:
    parsed = parse_model_id(arn)

    assert (parsed.kind, parsed.base) == ("other_arn", None)
    assert base_model_id(arn) == arn
