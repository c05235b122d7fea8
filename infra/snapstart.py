"""SnapStart (`-c snapstart=true`): a published version snapshotted at publish, and an alias.

Lambda snapshots the initialized function when a version is published and restores new
environments from it; it does not apply to $LATEST, so callers must invoke a version or an
alias of one. https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Annotations, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

ALIAS_NAME = "live"


def snapstart_props(*, enabled: bool) -> dict[str, Any]:
    """The lambda.Function properties SnapStart adds; none without it (the template unchanged).

    A superseded version is deleted, not retained (CDK's default): Lambda bills the cache of
    a SnapStart snapshot for as long as its version exists.
    https://aws.amazon.com/lambda/pricing/
    """
    if not enabled:
        return {}
    return {
        "snap_start": lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS,
        "current_version_options": lambda_.VersionOptions(
            removal_policy=RemovalPolicy.DESTROY,
            description="Published for SnapStart by the stack; replaced on each change.",
        ),
    }


def live_alias(scope: Construct, function: lambda_.Function) -> lambda_.Alias:
    """An alias on the function's current version (CDK publishes a new one on each change of
    the code or configuration), for the Function URL to invoke."""
    alias = lambda_.Alias(
        scope,
        "Live",
        alias_name=ALIAS_NAME,
        version=function.current_version,
        description="The version the Function URL serves (SnapStart).",
    )
    # CDK warns on every SnapStart function that only published versions are snapshotted;
    # this one is always invoked through the alias on its published current version.
    Annotations.of(function).acknowledge_warning(
        "@aws-cdk/aws-lambda:snapStartRequirePublish",
        "The stack publishes the current version and the URL invokes it through an alias.",
    )
    return alias
