"""Least-privilege Bedrock grants: the model and inference-profile ARNs an allow-list needs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aws_cdk import Stack, aws_iam

# ConverseStream and InvokeModelWithResponseStream need the streaming action; Converse and
# InvokeModel need the plain one. https://docs.aws.amazon.com/bedrock/latest/userguide/security_iam_id-based-policy-examples.html
INVOKE_ACTIONS: tuple[str, ...] = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")

# Where each geographic cross-Region inference profile may route a request. A given profile
# routes to a subset of its geography, so the grant covers the geography, still only for
# that one model and only through that profile (the condition below). Extend or narrow it
# with the `destination_regions` parameter.
# https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html
GEO_DESTINATION_REGIONS: Mapping[str, tuple[str, ...]] = {
    "us": ("us-east-1", "us-east-2", "us-west-1", "us-west-2"),
    "us-gov": ("us-gov-east-1", "us-gov-west-1"),
    "eu": (
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
    ),
    "apac": (
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
    ),
    "jp": ("ap-northeast-1", "ap-northeast-3"),
    "au": ("ap-southeast-2", "ap-southeast-4"),
}
GLOBAL_PREFIX = "global"


@dataclass(frozen=True)
class ModelRef:
    """An allow-list entry split into its routing prefix (None for a foundation model) and model."""

    model_id: str
    prefix: str | None

    @property
    def is_profile(self) -> bool:
        """Whether this id names a cross-Region inference profile."""
        return self.prefix is not None


def parse_model(
    entry: str, destination_regions: Mapping[str, tuple[str, ...]] = GEO_DESTINATION_REGIONS
) -> ModelRef:
    """Split `us.anthropic.x` into (`us`, `anthropic.x`); `anthropic.x` is a foundation model."""
    if not entry or entry.startswith("arn:") or "*" in entry:
        raise ValueError(f"allowed models are ids, not ARNs or patterns: {entry!r}")
    head, _, rest = entry.partition(".")
    if rest and (head == GLOBAL_PREFIX or head in destination_regions):
        return ModelRef(model_id=rest, prefix=head)
    return ModelRef(model_id=entry, prefix=None)


def _model_arn(stack: Stack, model_id: str, region: str) -> str:
    """A foundation-model ARN: no account; region "" gives the Region-less ARN of global CRIS."""
    return f"arn:{stack.partition}:bedrock:{region}::foundation-model/{model_id}"


def _profile_arn(stack: Stack, profile_id: str) -> str:
    """A system-defined inference profile in the stack's own (source) Region."""
    where = f"{stack.region}:{stack.account}"
    return f"arn:{stack.partition}:bedrock:{where}:inference-profile/{profile_id}"


def bedrock_statements(
    stack: Stack,
    models: Iterable[str],
    destination_regions: Mapping[str, tuple[str, ...]] = GEO_DESTINATION_REGIONS,
) -> list[aws_iam.PolicyStatement]:
    """Policy statements allowing exactly the listed models and profiles, nothing wider."""
    direct: list[str] = []
    routed: list[aws_iam.PolicyStatement] = []
    for entry in dict.fromkeys(models):
        ref = parse_model(entry, destination_regions)
        if ref.prefix is None:
            direct.append(_model_arn(stack, ref.model_id, stack.region))
            continue
        profile_arn = _profile_arn(stack, entry)
        direct.append(profile_arn)
        if ref.prefix == GLOBAL_PREFIX:
            # Global CRIS: the source-Region model and the Region-less model ARN.
            # https://docs.aws.amazon.com/bedrock/latest/userguide/global-cross-region-inference.html
            targets = [_model_arn(stack, ref.model_id, r) for r in (stack.region, "")]
        else:
            # Geographic CRIS: the model in the source Region and every destination Region.
            # https://docs.aws.amazon.com/bedrock/latest/userguide/geographic-cross-region-inference.html
            regions = dict.fromkeys([stack.region, *destination_regions[ref.prefix]])
            targets = [_model_arn(stack, ref.model_id, r) for r in regions]
        routed.append(
            aws_iam.PolicyStatement(
                actions=list(INVOKE_ACTIONS),
                resources=targets,
                # Only through this profile: the model grants do not allow direct calls.
                conditions={"StringEquals": {"bedrock:InferenceProfileArn": profile_arn}},
            )
        )
    head = aws_iam.PolicyStatement(actions=list(INVOKE_ACTIONS), resources=direct)
    return [head, *routed]
