"""AWS Marketplace grants for third-party model auto-enablement: off unless the operator opts in."""

from __future__ import annotations

from typing import Any

from tests.infra.infra_support import MARKETPLACE_PRODUCTS, Synth, SynthFn

MARKETPLACE_ACTIONS = {
    "aws-marketplace:Subscribe",
    "aws-marketplace:Unsubscribe",
    "aws-marketplace:ViewSubscriptions",
}


def marketplace_statements(synth: Synth) -> dict[str, dict[str, Any]]:
    """Each aws-marketplace action of the role's policy -> the statement granting it."""
    statements = synth.only("AWS::IAM::Policy")["PolicyDocument"]["Statement"]
    return {
        action: statement
        for statement in statements
        for action in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
        if action.startswith("aws-marketplace:")
    }


def test_no_marketplace_permission_by_default(default: Synth) -> None:
    # A runtime role does not accept EULAs or start Marketplace billing on its own.
    assert marketplace_statements(default) == {}


def test_opting_in_grants_what_auto_enablement_needs(synth: SynthFn) -> None:
    granted = marketplace_statements(synth({"marketplace_subscribe": "true"}))

    assert set(granted) == MARKETPLACE_ACTIONS
    for statement in granted.values():
        assert statement["Resource"] == "*"  # these actions take no resource ARN
        assert "Condition" not in statement


def test_product_ids_narrow_subscribe_to_those_products(synth: SynthFn) -> None:
    granted = marketplace_statements(synth(MARKETPLACE_PRODUCTS))

    assert set(granted) == MARKETPLACE_ACTIONS
    assert granted["aws-marketplace:Subscribe"]["Condition"] == {
        "ForAnyValue:StringEquals": {"aws-marketplace:ProductId": ["prod-abc1", "prod-xyz2"]}
    }
    # Only Subscribe takes the product-id condition key; the others stay unconditioned.
    assert "Condition" not in granted["aws-marketplace:Unsubscribe"]
    assert "Condition" not in granted["aws-marketplace:ViewSubscriptions"]
