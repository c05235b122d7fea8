"""A Bedrock Guardrail on every Converse call (docs/API.md §12.3): context, environment, IAM.

Context `guardrail_id` and `guardrail_version` (and `guardrail_stream_mode`, `sync` or
`async`, default `async`) become the function's GUARDRAIL_* variables; the role may apply
that guardrail and no other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

from aws_cdk import Stack, aws_iam

from bedrock_stream.config import GUARDRAIL_ID, GUARDRAIL_STREAM_MODES, GUARDRAIL_VERSION

StreamMode = Literal["sync", "async"]

# The formats ConverseStream accepts (an id or the guardrail's ARN, a version number or
# DRAFT) are checked with the function's own patterns, so that the stack refuses at synth
# exactly what the function would refuse at init.

# Applying a guardrail during inference needs bedrock:ApplyGuardrail on the guardrail.
# https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-permissions.html
APPLY_ACTION: Final = "bedrock:ApplyGuardrail"


class GuardrailError(ValueError):
    """A guardrail context value that Bedrock would refuse."""


@dataclass(frozen=True)
class GuardrailConfig:
    """The deployment's guardrail: id (or ARN), version, stream processing mode."""

    identifier: str
    version: str
    stream_mode: StreamMode = "async"

    def __post_init__(self) -> None:
        """Refuse ids and versions ConverseStream would answer with a ValidationException."""
        if not GUARDRAIL_ID.fullmatch(self.identifier):
            raise GuardrailError(
                f"guardrail_id must be a guardrail id (lower-case letters and digits) or its "
                f"ARN, got {self.identifier!r}"
            )
        if not GUARDRAIL_VERSION.fullmatch(self.version):
            raise GuardrailError(
                f"guardrail_version must be a version number or DRAFT, got {self.version!r}"
            )
        if self.stream_mode not in GUARDRAIL_STREAM_MODES:
            raise GuardrailError(
                f"guardrail_stream_mode must be sync or async, got {self.stream_mode!r}"
            )

    def environment(self) -> dict[str, str]:
        """The function's GUARDRAIL_* variables (read by bedrock_stream.config)."""
        return {
            "GUARDRAIL_ID": self.identifier,
            "GUARDRAIL_VERSION": self.version,
            "GUARDRAIL_STREAM_MODE": self.stream_mode,
        }

    def arn(self, stack: Stack) -> str:
        """The guardrail's ARN: as given, or for an id, in the stack's Region and account."""
        if self.identifier.startswith("arn:"):  # GUARDRAIL_ID took it as an ARN
            return self.identifier
        where = f"{stack.region}:{stack.account}"
        return f"arn:{stack.partition}:bedrock:{where}:guardrail/{self.identifier}"

    def statement(self, stack: Stack) -> aws_iam.PolicyStatement:
        """Permission to apply this guardrail and no other."""
        return aws_iam.PolicyStatement(actions=[APPLY_ACTION], resources=[self.arn(stack)])


def guardrail_from_context(read: Callable[[str], object | None]) -> GuardrailConfig | None:
    """The guardrail named by context, or None; an id without a version (or the reverse) is
    refused rather than silently ignored."""
    ident, version, mode = (
        read(key) for key in ("guardrail_id", "guardrail_version", "guardrail_stream_mode")
    )
    if ident is None and version is None:
        if mode is not None:
            raise GuardrailError("guardrail_stream_mode needs guardrail_id and guardrail_version")
        return None
    if ident is None or version is None:
        raise GuardrailError("give both guardrail_id and guardrail_version")
    stream_mode = str(mode).strip().lower() if mode is not None else "async"
    if stream_mode not in GUARDRAIL_STREAM_MODES:
        raise GuardrailError(f"guardrail_stream_mode must be sync or async, got {mode!r}")
    return GuardrailConfig(
        str(ident).strip(), str(version).strip(), "sync" if stream_mode == "sync" else "async"
    )
