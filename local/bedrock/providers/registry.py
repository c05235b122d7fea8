"""Which native format a model id speaks: a table looked up by id prefix and body shape."""

from __future__ import annotations

from dataclasses import dataclass

from local.bedrock.jsonbody import JsonMap, invalid
from local.bedrock.providers.ai21 import ChatCompletions
from local.bedrock.providers.amazon import Nova, Titan
from local.bedrock.providers.anthropic import AnthropicMessages
from local.bedrock.providers.anthropic_text import AnthropicText
from local.bedrock.providers.base import NativeProvider
from local.bedrock.providers.cohere import CohereCommand, CommandR
from local.bedrock.providers.meta import Llama
from local.bedrock.providers.mistral import MistralChat, MistralText

# Cross-Region inference profile prefixes, as AWS documents them: geographic ones
# https://docs.aws.amazon.com/bedrock/latest/userguide/geographic-cross-region-inference.html
# (us, eu, apac; us-gov, jp, au, ca and in on the models' cards and in AWS's announcements, for
# in.: https://aws.amazon.com/blogs/machine-learning/amazon-bedrock-expands-claude-model-availability-to-india-cross-region-inference)
# and global https://docs.aws.amazon.com/bedrock/latest/userguide/global-cross-region-inference.html
GEO_PREFIXES = frozenset({"us", "eu", "apac", "global", "us-gov", "jp", "au", "ca", "in"})


@dataclass(frozen=True)
class Entry:
    """Model ids starting with `prefix` (and bodies with `body_key`, if set) use `provider`."""

    prefix: str
    provider: NativeProvider
    body_key: str | None = None


# First match wins, so more specific prefixes come first. Adding a family is adding a row.
REGISTRY: tuple[Entry, ...] = (
    Entry("anthropic.", AnthropicMessages(), body_key="messages"),
    Entry("anthropic.", AnthropicText(), body_key="prompt"),
    Entry("amazon.titan-text", Titan()),
    Entry("amazon.nova", Nova()),
    Entry("meta.llama", Llama()),
    Entry("cohere.command-r", CommandR()),
    Entry("cohere.command", CohereCommand()),
    Entry("mistral.", MistralChat(), body_key="messages"),
    Entry("mistral.", MistralText()),
    Entry("ai21.jamba", ChatCompletions("ai21-jamba")),
)


def base_model_id(model_id: str) -> str:
    """The foundation-model id: geo prefix and ARN parts removed."""
    model_id = model_id.rsplit("/", 1)[-1]  # inference-profile or foundation-model ARNs
    geo, sep, rest = model_id.partition(".")
    return rest if sep and geo in GEO_PREFIXES else model_id


def provider_for(model_id: str, body: JsonMap) -> NativeProvider:
    """The native provider for a model id and body; ValidationException when none fits."""
    base = base_model_id(model_id)
    for entry in REGISTRY:
        if base.startswith(entry.prefix) and (entry.body_key is None or entry.body_key in body):
            return entry.provider
    families = ", ".join(sorted({entry.prefix.rstrip(".") for entry in REGISTRY}))
    raise invalid(
        f"The local Bedrock has no native format for model {model_id!r} (it knows {families})."
    )
