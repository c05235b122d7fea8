"""Opt-in AWS Marketplace grants: letting the function's first call enable a third-party model.

Bedrock serves third-party models (Anthropic, Cohere, AI21, ...) through AWS Marketplace. The
first invocation of such a model in an account subscribes the account in the background, and
that needs aws-marketplace:Subscribe, Unsubscribe and ViewSubscriptions on the caller. Once a
model is enabled, no caller needs them.
https://docs.aws.amazon.com/bedrock/latest/userguide/model-access.html

Off by default: subscribing accepts the model's EULA and starts Marketplace billing for the
account, a decision for the operator, not for a role that a public URL can drive; and two of
the three actions take no resource or condition, so the grant can't be narrowed to Bedrock.
The operator enables each third-party model once (README, Deploy), or opts in with
`-c marketplace_subscribe=true` (optionally `-c marketplace_product_ids=prod-...`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import aws_iam

# Only Subscribe can be narrowed, by the products' ids; the other two need Resource "*".
# https://docs.aws.amazon.com/bedrock/latest/userguide/model-access.html#model-access-permissions
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsmarketplace.html
SUBSCRIBE = "aws-marketplace:Subscribe"
UNSCOPED = ("aws-marketplace:Unsubscribe", "aws-marketplace:ViewSubscriptions")
PRODUCT_ID_KEY = "aws-marketplace:ProductId"
# AWS's example id is prod-m5ilt4siql27k; the format is not specified beyond that prefix.
PRODUCT_ID = re.compile(r"prod-[a-z0-9]+")


def check_product_ids(product_ids: Sequence[str]) -> None:
    """Raise ValueError naming the first id that is not a Marketplace product id."""
    for product_id in product_ids:
        if not PRODUCT_ID.fullmatch(product_id):
            raise ValueError(
                f"marketplace_product_ids: {product_id!r} is not an AWS Marketplace product id "
                "(prod- followed by lowercase letters and digits)"
            )


def marketplace_statements(product_ids: Sequence[str] = ()) -> list[aws_iam.PolicyStatement]:
    """What auto-enablement needs: Subscribe (only to product_ids when given) and the rest."""
    check_product_ids(product_ids)
    # AWS's own policy examples match the product id with ForAnyValue:StringEquals.
    conditions = (
        {"ForAnyValue:StringEquals": {PRODUCT_ID_KEY: list(product_ids)}} if product_ids else None
    )
    return [
        aws_iam.PolicyStatement(actions=[SUBSCRIBE], resources=["*"], conditions=conditions),
        aws_iam.PolicyStatement(actions=list(UNSCOPED), resources=["*"]),
    ]
