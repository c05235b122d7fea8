"""Typed content of a chat request (docs/API.md §12.1): blocks, tools, tool choice, reasoning.

Content blocks are data, not strings: image and document bytes are decoded once, in
validation, and handed to boto3 as raw bytes (docs/ARCHITECTURE.md, "Growing past text").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

ImageFormat = Literal["png", "jpeg", "gif", "webp"]
DocumentFormat = Literal["pdf", "csv", "doc", "docx", "xls", "xlsx", "html", "txt", "md"]
ToolStatus = Literal["success", "error"]
ToolChoiceMode = Literal["auto", "any", "none"]
Effort = Literal["low", "medium", "high"]


@dataclass(frozen=True)
class TextBlock:
    """Plain text."""

    text: str


@dataclass(frozen=True)
class ImageBlock:
    """An image: its declared format and decoded bytes."""

    format: ImageFormat
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class DocumentBlock:
    """A document: format, the name the model sees, decoded bytes."""

    format: DocumentFormat
    name: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class ToolUseBlock:
    """A tool call the assistant made (handed back in the conversation)."""

    id: str
    name: str
    input: Mapping[str, Any] = field(hash=False)


ToolResultContent: TypeAlias = TextBlock | ImageBlock


@dataclass(frozen=True)
class ToolResultBlock:
    """The result of a tool call, in the user turn after the call."""

    tool_use_id: str
    content: tuple[ToolResultContent, ...]
    status: ToolStatus | None = None


@dataclass(frozen=True)
class ReasoningBlock:
    """The assistant's reasoning, handed back unchanged: text and signature, or redacted."""

    text: str | None = None
    signature: str | None = None
    redacted: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class CachePointBlock:
    """A prompt-cache checkpoint: everything before it may be cached."""


Block: TypeAlias = (
    TextBlock
    | ImageBlock
    | DocumentBlock
    | ToolUseBlock
    | ToolResultBlock
    | ReasoningBlock
    | CachePointBlock
)
SystemBlock: TypeAlias = TextBlock | CachePointBlock
# A message's content: a string (docs/API.md §2) or a list of blocks (§12.1).
Content: TypeAlias = str | tuple[Block, ...]


@dataclass(frozen=True)
class Tool:
    """A tool the model may call: name, description, JSON Schema of its input."""

    name: str
    description: str | None
    input_schema: Mapping[str, Any] = field(hash=False)


@dataclass(frozen=True)
class ToolChoice:
    """How the model may use the tools: auto, any, none, or one named tool."""

    mode: ToolChoiceMode | Literal["tool"]
    name: str | None = None


@dataclass(frozen=True)
class Reasoning:
    """The reasoning a request asks for, as given: a token budget or an effort."""

    budget_tokens: int | None = None
    effort: Effort | None = None


@dataclass(frozen=True)
class ReasoningPlan:
    """The reasoning control sent to the model: a budget or an effort (never both)."""

    budget_tokens: int | None = None
    effort: Effort | None = None


@dataclass(frozen=True)
class Guardrail:
    """The deployment's guardrail, attached to every Converse call (docs/API.md §12.3)."""

    identifier: str
    version: str
    stream_mode: Literal["sync", "async"] = "async"
    trace: bool = False


def blocks_of(content: Content) -> tuple[Block, ...]:
    """A message's content as blocks (a string is one text block)."""
    return (TextBlock(content),) if isinstance(content, str) else content


def loggable(content: Content) -> object:
    """Content as a log may hold it (LOG_CONTENT=true): text kept, bytes only counted."""
    if isinstance(content, str):
        return content
    out: list[object] = []
    for block in content:
        if isinstance(block, ImageBlock | DocumentBlock):
            out.append(
                {"type": type(block).__name__, "format": block.format, "bytes": len(block.data)}
            )
        elif isinstance(block, ReasoningBlock) and block.redacted is not None:
            out.append({"type": "ReasoningBlock", "redacted_bytes": len(block.redacted)})
        elif isinstance(block, ToolResultBlock):
            out.append({"type": "ToolResultBlock", "content": loggable(block.content)})
        else:
            out.append({"type": type(block).__name__, **vars(block)})
    return out
