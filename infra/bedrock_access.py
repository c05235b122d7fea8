"""Least-privilege Bedrock grants: the model and inference-profile ARNs an allow-list needs.

The ids are read by `bedrock_stream.model_ids`, the function's own reading, so the stack and
the function never disagree on what an id names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aws_cdk import Stack, aws_iam

from bedrock_stream.model_ids import GLOBAL_PREFIX, ModelId
from infra.model_entries import parse_model

# ConverseStream and InvokeModelWithResponseStream need the streaming action; Converse and
# InvokeModel need the plain one. https://docs.aws.amazon.com/bedrock/latest/userguide/security_iam_id-based-policy-examples.html
INVOKE_ACTIONS: tuple[str, ...] = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
PROFILE_CONDITION = "bedrock:InferenceProfileArn"


@dataclass(frozen=True)
class RoutedGrant:
    """Foundation models a profile may run, granted only through that profile."""

    profile_arn: str
    model_arns: tuple[str, ...]
    reason: str  # why the grant cannot name fewer models or Regions (cdk-nag acknowledgement)

    def statement(self) -> aws_iam.PolicyStatement:
        """The policy statement: the model ARNs under the profile condition."""
        return aws_iam.PolicyStatement(
            actions=list(INVOKE_ACTIONS),
            resources=list(self.model_arns),
            # Only through this profile: the model grants do not allow direct calls.
            # https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html
            conditions={"StringEquals": {PROFILE_CONDITION: self.profile_arn}},
        )


@dataclass(frozen=True)
class BedrockGrants:
    """What the allow-list needs: ARNs invoked directly, and per-profile routed grants."""

    direct: tuple[str, ...]
    routed: tuple[RoutedGrant, ...]

    def statements(self) -> list[aws_iam.PolicyStatement]:
        """The direct grant first, then one conditioned statement per profile."""
        head = aws_iam.PolicyStatement(actions=list(INVOKE_ACTIONS), resources=list(self.direct))
        return [head, *(grant.statement() for grant in self.routed)]


def _model_arn(stack: Stack, model: str, region: str) -> str:
    """A foundation-model ARN: no account; region "" is the Region-less ARN of global CRIS."""
    return f"arn:{stack.partition}:bedrock:{region}::foundation-model/{model}"


def _profile_arn(stack: Stack, profile_id: str) -> str:
    """A system-defined inference profile in the stack's own (source) Region."""
    where = f"{stack.region}:{stack.account}"
    return f"arn:{stack.partition}:bedrock:{where}:inference-profile/{profile_id}"


def _system_profile(stack: Stack, model: ModelId) -> RoutedGrant:
    """A cross-Region profile routes to its model in Regions AWS chooses and may extend.

    Geographic profiles need the model in the source Region and in every destination Region;
    AWS adds destinations over time, so the grant names any Region, still for this model only
    and only through this profile. Global profiles also need the Region-less model ARN, which
    AWS requires listed explicitly ("make sure all three resource ARNs are included").
    https://docs.aws.amazon.com/bedrock/latest/userguide/geographic-cross-region-inference.html
    https://docs.aws.amazon.com/bedrock/latest/userguide/global-cross-region-inference.html
    """
    assert model.base is not None  # a system profile id always names its model
    regions = ("*", "") if model.prefix == GLOBAL_PREFIX else ("*",)
    return RoutedGrant(
        profile_arn=_profile_arn(stack, model.raw),
        model_arns=tuple(_model_arn(stack, model.base, r) for r in regions),
        reason=f"The {model.prefix}. inference profile routes to Regions AWS chooses and adds "
        f"to over time; the grant covers only {model.base}, only through that profile "
        "(condition bedrock:InferenceProfileArn), as AWS's cross-Region inference pages show.",
    )


def _application_profile(stack: Stack, model: ModelId) -> RoutedGrant:
    """An application inference profile runs the model (or system profile) it was copied from.

    Its ARN does not say which model that is, so the grant covers any foundation model in any
    Region (and the Region-less ARN, for a profile copied from a global one), only through
    this profile. AWS documents no grant on the copied system profile itself; the invocation
    is authorized on the application profile's ARN. UNCONFIRMED by AWS's pages beyond the
    prerequisites page; a public CDK library reports it verified against live IAM.
    https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html
    """
    return RoutedGrant(
        profile_arn=model.raw,
        model_arns=(_model_arn(stack, "*", "*"), _model_arn(stack, "*", "")),
        reason="An application inference profile's ARN does not name its model, so the "
        "foundation-model grant is a wildcard, usable only through that one profile "
        "(condition bedrock:InferenceProfileArn) and so only for the model it was made for.",
    )


def bedrock_grants(stack: Stack, models: Iterable[str]) -> BedrockGrants:
    """The grants allowing exactly the listed models and profiles, nothing wider."""
    direct: list[str] = []
    routed: list[RoutedGrant] = []
    for entry in dict.fromkeys(models):
        model = parse_model(entry)
        if model.kind == "foundation_model":
            direct.append(_model_arn(stack, entry, stack.region))
            continue
        grant = (
            _application_profile(stack, model)
            if model.kind == "application_profile"
            else _system_profile(stack, model)
        )
        direct.append(grant.profile_arn)
        routed.append(grant)
    return BedrockGrants(direct=tuple(direct), routed=tuple(routed))


def bedrock_statements(stack: Stack, models: Iterable[str]) -> list[aws_iam.PolicyStatement]:
    """Policy statements allowing exactly the listed models and profiles, nothing wider."""
    return bedrock_grants(stack, models).statements()
