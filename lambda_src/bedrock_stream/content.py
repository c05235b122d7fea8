"""Schema-checked JSON to typed content (docs/API.md §12.1): blocks, system, tools, tool choice.

The schema has already checked shapes and types; here the bytes are decoded and checked,
roles are held to the blocks they may carry, and every refusal names its field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, cast

from bedrock_stream.blocks import (
    Block,
    CachePointBlock,
    Content,
    DocumentBlock,
    DocumentFormat,
    ImageBlock,
    ImageFormat,
    Reasoning,
    ReasoningBlock,
    SystemBlock,
    TextBlock,
    Tool,
    ToolChoice,
    ToolResultBlock,
    ToolResultContent,
    ToolUseBlock,
)
from bedrock_stream.errors import AppError
from bedrock_stream.media import (
    DOCUMENT_NAME,
    MAX_DOCUMENT_BYTES,
    MAX_IMAGE_BYTES,
    attachment_problem,
    decode_base64,
)

Role = Literal["user", "assistant"]

# Block type -> the only role that may send it (absent: either role). Images and documents
# come from the user only (Bedrock's Message page).
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Message.html
ROLE_OF: Final[dict[str, Role]] = {
    "tool_use": "assistant",
    "reasoning": "assistant",
    "tool_result": "user",
    "image": "user",
    "document": "user",
}


def invalid(where: str, problem: str) -> AppError:
    """A 400 that names the field first: `messages[2].content[0].data: not valid base64`."""
    return AppError("invalid_request", f"{where}: {problem}")


def _bytes(raw: str, where: str) -> bytes:
    data = decode_base64(raw)
    if data is None:
        raise invalid(where, "not valid base64")
    return data


def _attachment(raw: Mapping[str, Any], where: str, limit: int) -> bytes:
    data = _bytes(raw["data"], f"{where}.data")
    problem = attachment_problem(data, raw["format"], limit)
    if problem:
        raise invalid(f"{where}.data", problem)
    return data


def _text(raw: Mapping[str, Any], where: str) -> Block:
    return TextBlock(raw["text"])


def _image(raw: Mapping[str, Any], where: str) -> Block:
    data = _attachment(raw, where, MAX_IMAGE_BYTES)
    return ImageBlock(cast(ImageFormat, raw["format"]), data)


def _document(raw: Mapping[str, Any], where: str) -> Block:
    if not DOCUMENT_NAME.fullmatch(raw["name"]):
        raise invalid(
            f"{where}.name",
            "use letters, digits, single spaces, hyphens, parentheses and square brackets",
        )
    data = _attachment(raw, where, MAX_DOCUMENT_BYTES)
    return DocumentBlock(cast(DocumentFormat, raw["format"]), raw["name"], data)


def _tool_use(raw: Mapping[str, Any], where: str) -> Block:
    return ToolUseBlock(raw["id"], raw["name"], raw["input"])


# What a tool result may hold (the schema allows only these two).
_TOOL_RESULT_PARTS: Final[dict[str, Callable[[Mapping[str, Any], str], Block]]] = {
    "text": _text,
    "image": _image,
}


def _tool_result(raw: Mapping[str, Any], where: str) -> Block:
    content = raw["content"]
    parts: tuple[ToolResultContent, ...]
    if isinstance(content, str):
        parts = (TextBlock(content),)
    else:
        parts = tuple(
            cast(ToolResultContent, _TOOL_RESULT_PARTS[part["type"]](part, f"{where}.content[{i}]"))
            for i, part in enumerate(content)
        )
    return ToolResultBlock(raw["tool_use_id"], parts, raw.get("status"))


def _reasoning(raw: Mapping[str, Any], where: str) -> Block:
    if "redacted" in raw:
        if "text" in raw or "signature" in raw:
            raise invalid(where, "give text and signature, or redacted, not both")
        return ReasoningBlock(redacted=_bytes(raw["redacted"], f"{where}.redacted"))
    if "text" not in raw:
        raise invalid(where, "give text (with its signature) or redacted")
    return ReasoningBlock(text=raw["text"], signature=raw.get("signature"))


def _cache_point(raw: Mapping[str, Any], where: str) -> Block:
    return CachePointBlock()


BLOCK_PARSERS: Final[dict[str, Callable[[Mapping[str, Any], str], Block]]] = {
    "text": _text,
    "image": _image,
    "document": _document,
    "tool_use": _tool_use,
    "tool_result": _tool_result,
    "reasoning": _reasoning,
    "cache_point": _cache_point,
}


def parse_content(raw: str | list[Any], role: Role, where: str) -> Content:
    """A message's content: a string stays a string; a list becomes typed blocks."""
    if isinstance(raw, str):
        return raw
    blocks: list[Block] = []
    for i, item in enumerate(raw):
        at = f"{where}[{i}]"
        kind = item["type"]
        only = ROLE_OF.get(kind)
        if only is not None and only != role:
            raise invalid(at, f"only {only} messages may hold {kind} blocks")
        blocks.append(BLOCK_PARSERS[kind](item, at))
    # A message holding a document also needs a text block (the Message page, above).
    if any(isinstance(b, DocumentBlock) for b in blocks) and not any(
        isinstance(b, TextBlock) for b in blocks
    ):
        raise invalid(where, "a message with a document also needs a text block")
    return tuple(blocks)


def parse_system(raw: str | list[Any] | None) -> str | tuple[SystemBlock, ...] | None:
    """The system prompt: a string, or text blocks and cache points."""
    if raw is None or isinstance(raw, str):
        return raw
    return tuple(
        TextBlock(item["text"]) if item["type"] == "text" else CachePointBlock() for item in raw
    )


def parse_tools(raw: list[Any] | None) -> tuple[Tool, ...]:
    """The declared tools; names must be unique."""
    tools: list[Tool] = []
    seen: set[str] = set()
    for i, item in enumerate(raw or ()):
        if item["name"] in seen:
            raise invalid(f"tools[{i}].name", f"{item['name']!r} is declared twice")
        seen.add(item["name"])
        tools.append(Tool(item["name"], item.get("description"), item["input_schema"]))
    return tuple(tools)


def parse_tool_choice(raw: object) -> ToolChoice | None:
    """ "auto" | "any" | "none" | {"name": ...}; the schema checked only string or object."""
    if raw is None:
        return None
    if raw == "auto" or raw == "any" or raw == "none":  # noqa: PLR1714 - narrows the type
        return ToolChoice(raw)
    if isinstance(raw, dict) and set(raw) == {"name"} and isinstance(raw["name"], str):
        return ToolChoice("tool", raw["name"])
    raise invalid("tool_choice", 'must be "auto", "any", "none" or {"name": "<tool>"}')


def parse_reasoning(raw: Mapping[str, Any] | None) -> Reasoning | None:
    """The reasoning asked for: {"budget_tokens": N} or {"effort": ...} (schema-checked)."""
    if raw is None:
        return None
    return Reasoning(budget_tokens=raw.get("budget_tokens"), effort=raw.get("effort"))
