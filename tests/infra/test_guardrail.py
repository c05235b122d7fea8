"""A Bedrock Guardrail from context (docs/API.md §12.3): environment, ApplyGuardrail on it alone."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config import ConfigError, config_from_context
from infra.guardrail import APPLY_ACTION, GuardrailConfig
from tests.infra.infra_support import Synth, SynthFn, findings, resource_set

GUARDRAIL = {"guardrail_id": "abc123def456", "guardrail_version": "3"}
ARN = "arn:aws:bedrock:eu-west-1:210987654321:guardrail/zyx987"


def statements(synthesized: Synth) -> list[dict[str, Any]]:
    policy = synthesized.only("AWS::IAM::Policy")
    return list(policy["PolicyDocument"]["Statement"])


def apply_statements(synthesized: Synth) -> list[dict[str, Any]]:
    return [s for s in statements(synthesized) if APPLY_ACTION in str(s["Action"])]


def test_no_guardrail_without_context(default: Synth) -> None:
    env = default.only("AWS::Lambda::Function")["Environment"]["Variables"]

    assert not any(key.startswith("GUARDRAIL_") for key in env)
    assert apply_statements(default) == []


@pytest.mark.parametrize(
    ("context", "mode"),
    [(GUARDRAIL, "async"), ({**GUARDRAIL, "guardrail_stream_mode": "sync"}, "sync")],
)
def test_guardrail_context_becomes_the_functions_environment(
    synth: SynthFn, context: dict[str, str], mode: str
) -> None:
    env = synth(context).only("AWS::Lambda::Function")["Environment"]["Variables"]

    assert {k: v for k, v in env.items() if k.startswith("GUARDRAIL_")} == {
        "GUARDRAIL_ID": "abc123def456",
        "GUARDRAIL_VERSION": "3",
        "GUARDRAIL_STREAM_MODE": mode,
    }


def test_role_may_apply_that_guardrail_alone(synth: SynthFn) -> None:
    [statement] = apply_statements(synth(GUARDRAIL))

    assert statement["Action"] == APPLY_ACTION
    assert statement["Effect"] == "Allow"
    assert resource_set(statement) == {
        "arn:aws:bedrock:${Region}:${Account}:guardrail/abc123def456"
    }
    assert "Condition" not in statement


def test_a_guardrail_arn_is_granted_as_given(synth: SynthFn) -> None:
    synthesized = synth({"guardrail_id": ARN, "guardrail_version": "DRAFT"})
    [statement] = apply_statements(synthesized)
    env = synthesized.only("AWS::Lambda::Function")["Environment"]["Variables"]

    assert resource_set(statement) == {ARN}
    assert env["GUARDRAIL_ID"] == ARN


def test_a_concrete_environment_names_the_stacks_region_and_account(synth: SynthFn) -> None:
    [statement] = apply_statements(synth(GUARDRAIL, region="eu-central-1"))

    assert resource_set(statement) == {
        "arn:aws:bedrock:eu-central-1:123456789012:guardrail/abc123def456"
    }


def context_getter(values: dict[str, object]):
    return values.get


@pytest.mark.parametrize(
    ("context", "fragment"),
    [
        ({"guardrail_id": "abc"}, "both"),
        ({"guardrail_version": "1"}, "both"),
        ({"guardrail_stream_mode": "sync"}, "needs guardrail_id"),
        ({**GUARDRAIL, "guardrail_id": "Has-Capitals"}, "guardrail_id"),
        ({**GUARDRAIL, "guardrail_id": "arn:aws:s3:::bucket"}, "guardrail_id"),
        ({**GUARDRAIL, "guardrail_version": "0"}, "guardrail_version"),
        ({**GUARDRAIL, "guardrail_version": "v2"}, "guardrail_version"),
        ({**GUARDRAIL, "guardrail_stream_mode": "later"}, "guardrail_stream_mode"),
    ],
)
def test_guardrail_context_that_cannot_work_is_refused(
    context: dict[str, object], fragment: str
) -> None:
    with pytest.raises(ConfigError, match=fragment):
        config_from_context(context_getter(context))


def test_context_values_are_read_as_cdk_json_gives_them() -> None:
    config = config_from_context(
        context_getter(
            {"guardrail_id": " abc ", "guardrail_version": 7, "guardrail_stream_mode": "SYNC"}
        )
    )

    assert config.guardrail == GuardrailConfig("abc", "7", "sync")


def test_cdk_nag_stays_clean_with_a_guardrail(synth: SynthFn) -> None:
    assert findings(synth(GUARDRAIL).stack) == set()
