"""How a model id names what Bedrock runs: foundation model, inference profile, or ARN.

The one place that knows the routing prefixes of system-defined (cross-Region) inference
profiles. The function (native parser choice, the model table), the stack's IAM grants and
the tests all read it; no other module splits an id on its first dot. Pure: no AWS imports,
so the CDK app can import it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

# Prefixes of system-defined inference profiles: `<prefix>.<foundation-model id>`.
# Geographic ones keep requests inside a geography; `global.` routes to any commercial Region.
# https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html
# https://docs.aws.amazon.com/bedrock/latest/userguide/geographic-cross-region-inference.html
# https://docs.aws.amazon.com/bedrock/latest/userguide/global-cross-region-inference.html
# `in.` (India: ap-south-1 and ap-south-2) is the newest geography, announced in
# https://aws.amazon.com/blogs/machine-learning/amazon-bedrock-expands-claude-model-availability-to-india-cross-region-inference
# AWS now lists each model's profile ids on its model card in the user guide, so a new
# geography shows up there first. The local Bedrock keeps its own list, read from the same
# pages (a unit test checks that the two agree).
GLOBAL_PREFIX: Final = "global"
PROFILE_PREFIXES: Final[tuple[str, ...]] = (
    "us",
    "us-gov",
    "eu",
    "apac",
    "ca",
    "jp",
    "au",
    "in",
    GLOBAL_PREFIX,
)

IdKind = Literal["foundation_model", "system_profile", "application_profile", "other_arn"]

# Resource types in a Bedrock ARN's resource part (`<type>/<id>`).
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonbedrock.html
_ARN_KINDS: Final[dict[str, IdKind]] = {
    "foundation-model": "foundation_model",
    "inference-profile": "system_profile",
    "application-inference-profile": "application_profile",
}


@dataclass(frozen=True)
class ModelId:
    """A model id as Bedrock reads it."""

    raw: str
    kind: IdKind
    # The foundation-model id inside it (`anthropic.claude-...`); None when the id does not
    # say (an application inference profile or another ARN: Bedrock knows, the id does not).
    base: str | None
    prefix: str | None = None  # the routing prefix of a system-defined profile
    region: str | None = None  # from an ARN
    account: str | None = None  # from an ARN

    @property
    def is_profile(self) -> bool:
        """Whether Bedrock routes this id through an inference profile."""
        return self.kind in ("system_profile", "application_profile")


def split_prefix(model_id: str) -> tuple[str | None, str]:
    """(`us`, `anthropic.x`) for `us.anthropic.x`; (None, id) when there is no profile prefix."""
    head, sep, rest = model_id.partition(".")
    if sep and rest and head in PROFILE_PREFIXES:
        return head, rest
    return None, model_id


def parse_model_id(raw: str) -> ModelId:
    """Read a model id, an inference-profile id, or a Bedrock ARN of either."""
    if raw.startswith("arn:"):
        return _parse_arn(raw)
    prefix, base = split_prefix(raw)
    if prefix is None:
        return ModelId(raw, "foundation_model", base)
    return ModelId(raw, "system_profile", base, prefix=prefix)


def _parse_arn(raw: str) -> ModelId:
    # arn:<partition>:bedrock:<region>:<account>:<type>/<id>
    parts = raw.split(":", 5)
    if len(parts) != 6 or parts[2] != "bedrock" or "/" not in parts[5]:
        return ModelId(raw, "other_arn", None)
    region, account = parts[3] or None, parts[4] or None
    resource_type, _, resource_id = parts[5].partition("/")
    kind = _ARN_KINDS.get(resource_type, "other_arn")
    if kind == "foundation_model":
        return ModelId(raw, kind, resource_id, region=region, account=account)
    if kind == "system_profile":
        prefix, base = split_prefix(resource_id)
        return ModelId(raw, kind, base, prefix=prefix, region=region, account=account)
    return ModelId(raw, kind, None, region=region, account=account)


def base_model_id(raw: str) -> str:
    """The foundation-model id inside an id, or the id itself when it names none."""
    parsed = parse_model_id(raw)
    return parsed.base if parsed.base is not None else raw
