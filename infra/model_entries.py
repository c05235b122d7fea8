"""The `models` context entries the stack accepts, read with the function's own id reader."""

from __future__ import annotations

import re

from bedrock_stream.model_ids import ModelId, parse_model_id

# arn:<partition>:bedrock:<region>:<account>:application-inference-profile/<id>; the id's
# characters as the API reports them.
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_InferenceProfileSummary.html
_APPLICATION_PROFILE_ARN = re.compile(
    r"arn:aws(-[a-z]+)*:bedrock:[a-z0-9-]+:\d{12}:application-inference-profile/[a-zA-Z0-9-:.]+"
)
# Bedrock's model and profile ids: letters, digits and . - : _ (no spaces, no wildcards).
_ID = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._:-]*")
_ACCEPTED = (
    "model ids (anthropic.claude-...), inference-profile ids (us.anthropic.claude-...) "
    "or application inference profile ARNs"
)


def parse_model(entry: str) -> ModelId:
    """An allow-list entry read as Bedrock reads it; patterns and other ARNs are refused."""
    if any(c in entry for c in "*?"):
        raise ValueError(f"allowed models are {_ACCEPTED}, not patterns: {entry!r}")
    parsed = parse_model_id(entry)
    if parsed.kind == "application_profile":
        if not _APPLICATION_PROFILE_ARN.fullmatch(entry):
            raise ValueError(
                f"{entry!r} is not an application inference profile ARN "
                "(arn:aws:bedrock:<region>:<account>:application-inference-profile/<id>)"
            )
        return parsed
    if entry.startswith("arn:"):
        raise ValueError(
            f"allowed models are {_ACCEPTED}; give {entry!r} by its id instead of its ARN"
            if parsed.kind in ("foundation_model", "system_profile")
            else f"allowed models are {_ACCEPTED}, not other ARNs: {entry!r}"
        )
    if not _ID.fullmatch(entry):
        raise ValueError(f"allowed models are {_ACCEPTED}: {entry!r} is none of them")
    return parsed
