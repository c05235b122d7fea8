"""Bedrock's request rules, each a row with the page it comes from (pure; docs/API.md §12.5).

A rule reads the parsed request and returns the ValidationException message when the request
breaks it, None otherwise. Service rules (the Converse API's own) apply to every model;
model rules come from the family's row in `families.py`, so unlisted ids meet none of them.
Messages are Bedrock's own words where a public trace records them (cited); otherwise they
say plainly what was wrong, and the comment says the wording is ours.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from local.bedrock.families import Family
from local.bedrock.model import Asks, Prompt
from local.bedrock.providers.registry import base_model_id

# Message.content: "up to 20 images. Each image's size ... no more than 3.75 MB"; "up to five
# documents. Each document's size must be no more than 4.5 MB"; images and documents only in
# user messages; a message with a document also needs a text block. MB read as MiB (3.75 MiB
# is the raw size of Anthropic's 5 MiB base64 image limit).
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Message.html
MAX_IMAGES, MAX_DOCUMENTS = 20, 5
MAX_IMAGE_BYTES = 3_932_160
MAX_DOCUMENT_BYTES = 4_718_592
# botocore's ImageFormat and DocumentFormat enums.
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ImageBlock.html
FORMATS = {
    "image": ("gif", "jpeg", "png", "webp"),
    "document": ("csv", "doc", "docx", "html", "md", "pdf", "txt", "xls", "xlsx"),
}
# DocumentBlock.name: 1..200 characters; "Alphanumeric characters, Whitespace characters (no
# more than one in a row), Hyphens, Parentheses, Square brackets". Live traces show underscores
# accepted and tabs or a full-width space refused (vercel/ai #20365,
# aws-samples/generative-ai-use-cases #1671), so whitespace means the ASCII space here.
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_DocumentBlock.html
_DOCUMENT_NAME = re.compile(r"[A-Za-z0-9_\-()\[\] ]{1,200}")
DOCUMENT_NAME_MESSAGE = (
    "The document file name can only contain alphanumeric characters, whitespace characters, "
    "hyphens, parentheses, and square brackets. The name can't contain more than one "
    "consecutive whitespace character. Check that the file name conforms to these "
    "restrictions and retry your request."
)
_TOOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")  # botocore ToolName
# Anthropic links its thinking errors to this page (quoted in the traces cited below).
_THINKING_DOC = "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
MAX_CACHE_POINTS = 4  # "maximum number of cache checkpoints per request" (prompt caching page)


@dataclass(frozen=True)
class Request:
    """One request as the rules see it."""

    model_id: str
    family: Family
    prompt: Prompt
    streaming: bool
    native: bool
    via_profile: bool

    @property
    def asks(self) -> Asks:
        """The request's non-text features."""
        return self.prompt.asks

    def model_error(self, message: str) -> str:
        """A model's own error as Converse wraps it (InvokeModel passes it through)."""
        return message if self.native else f"The model returned the following errors: {message}"


Rule = Callable[[Request], str | None]


def on_demand(r: Request) -> str | None:
    """Models AWS lists as profile-only refuse a bare id or foundation-model ARN."""
    # Recorded message: terricain/aioboto3 #352, anthropics/anthropic-sdk-python #894.
    # https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html
    if r.family.profile_only and not r.via_profile:
        return (
            f"Invocation of model ID {base_model_id(r.model_id)} with on-demand throughput "
            "isn\u2019t supported. Retry your request with the ID or ARN of an inference profile "
            "that contains this model."
        )
    return None


def attachment_shape(r: Request) -> str | None:
    """Format enums, size limits, user role only (Message and ImageBlock pages)."""
    for item in r.asks.attachments:
        allowed = FORMATS[item.kind]
        if item.format not in allowed:
            # The service's constraint wording (strands-agents/harness-sdk #3607 quotes one).
            return (
                f"1 validation error detected: Value '{item.format}' at '{item.where}.format' "
                f"failed to satisfy constraint: Member must satisfy enum value set: "
                f"[{', '.join(allowed)}]"
            )
        limit = MAX_IMAGE_BYTES if item.kind == "image" else MAX_DOCUMENT_BYTES
        if len(item.data) > limit:  # wording ours
            return f"{item.where}: the {item.kind} is {len(item.data)} bytes, over {limit}."
        if item.role != "user":  # wording ours
            return f"{item.where}: images and documents can only be in user messages."
    return None


def attachment_count(r: Request) -> str | None:
    """At most 20 images and 5 documents (Message page); wording ours."""
    for kind, limit in (("image", MAX_IMAGES), ("document", MAX_DOCUMENTS)):
        count = sum(1 for item in r.asks.attachments if item.kind == kind)
        if count > limit:
            return f"The request has {count} {kind}s; at most {limit} are allowed."
    return None


def document_name(r: Request) -> str | None:
    """Document names as DocumentBlock defines them; the recorded service message."""
    for item in r.asks.attachments:  # Anthropic's native documents have no name
        name = item.name
        if name is not None and (not _DOCUMENT_NAME.fullmatch(name) or "  " in name):
            return DOCUMENT_NAME_MESSAGE
    return None


def document_needs_text(r: Request) -> str | None:
    """A message holding a document also holds a text block (Message page); wording ours."""
    if r.asks.documents_without_text:
        return f"{r.asks.documents_without_text[0]}: a message with a document needs a text block."
    return None


def input_kinds(r: Request) -> str | None:
    """Images and documents only for families that read them; wording ours."""
    for item in r.asks.attachments:
        if item.kind not in r.family.input:
            return f"This model doesn't support {item.kind} content blocks ({item.where})."
    return None


def tool_support(r: Request) -> str | None:
    """Recorded: langchain-ai/langchain-aws #447 (Converse), danny-avila/LibreChat #6351."""
    if r.asks.tool_config and not r.family.tools:
        mode = " in streaming mode" if r.streaming else ""
        return f"This model doesn't support tool use{mode}."
    return None


def tool_declarations(r: Request) -> str | None:
    """ToolName pattern, unique names, a declared forced tool; wording ours."""
    names = r.asks.tools
    bad = [name for name in names if not _TOOL_NAME.fullmatch(name)]
    if bad:
        return f"Tool name {bad[0]!r} must match [a-zA-Z0-9_-]{{1,64}}."
    if len(set(names)) != len(names):
        return "toolConfig.tools: tool names must be unique."
    if r.asks.forced_tool is not None and r.asks.forced_tool not in names:
        return f"toolConfig.toolChoice.tool.name {r.asks.forced_tool!r} is not a declared tool."
    return None


def tool_blocks_need_config(r: Request) -> str | None:
    """Recorded: vxcontrol/pentagi #160, epam/ai-dial-adapter-bedrock #344."""
    if r.asks.tool_blocks and not r.asks.tool_config and not r.native:
        return (
            "The toolConfig field must be defined when using toolUse and toolResult content blocks."
        )
    return None


def tool_results_answer_uses(r: Request) -> str | None:
    """Each tool result answers a tool use of the message before (Anthropic's wording)."""
    if not r.asks.orphan_results:
        return None
    path, _, use_id = r.asks.orphan_results[0].rpartition(":")
    return r.model_error(
        f"{path}: unexpected `tool_use_id` found in `tool_result` blocks: {use_id}. Each "
        "`tool_result` block must have a corresponding `tool_use` block in the previous message."
    )


def sampling(r: Request) -> str | None:
    """Claude 4.5 takes temperature or top_p, not both (bedrock-access-gateway #191 quotes it)."""
    both = r.asks.temperature is not None and r.asks.top_p is not None
    if r.family.sampling == "one_of" and both:
        return r.model_error(
            "`temperature` and `top_p` cannot both be specified for this model. "
            "Please use only one."
        )
    return None


def output_length(r: Request) -> str | None:
    """maxTokens within the family's output limit (Anthropic's wording for Claude)."""
    wanted, limit = r.prompt.max_tokens, r.family.max_output
    if wanted is None or wanted <= limit:
        return None
    if r.family.error_style == "anthropic":
        name = re.sub(r"-v\d+(:\d+)?$", "", base_model_id(r.model_id).partition(".")[2])
        return r.model_error(
            f"max_tokens: {wanted} > {limit}, which is the maximum allowed number of output "
            f"tokens for {name}"
        )
    return f"maxTokens {wanted} is above this model's limit of {limit} output tokens."
