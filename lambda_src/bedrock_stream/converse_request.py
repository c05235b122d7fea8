"""Typed request content to ConverseStream's shapes: blocks, system, toolConfig, reasoning.

Pure functions; bytes go to boto3 raw (it base64-encodes them on the wire).
https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ContentBlock.html
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final, Protocol

from bedrock_stream.blocks import (
    Block,
    CachePointBlock,
    Content,
    DocumentBlock,
    Guardrail,
    ImageBlock,
    ReasoningBlock,
    ReasoningPlan,
    SystemBlock,
    TextBlock,
    Tool,
    ToolChoice,
    ToolResultBlock,
    ToolUseBlock,
    blocks_of,
)

# A cache checkpoint: everything before it may be cached.
# https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html
CACHE_POINT: Final = {"cachePoint": {"type": "default"}}


class HasContent(Protocol):
    """A turn of the conversation, as far as toolConfig cares."""

    @property
    def content(self) -> Content: ...


def _image(block: ImageBlock) -> dict[str, Any]:
    return {"image": {"format": block.format, "source": {"bytes": block.data}}}


def _document(block: DocumentBlock) -> dict[str, Any]:
    source = {"bytes": block.data}
    return {"document": {"format": block.format, "name": block.name, "source": source}}


def _tool_use(block: ToolUseBlock) -> dict[str, Any]:
    return {"toolUse": {"toolUseId": block.id, "name": block.name, "input": dict(block.input)}}


def _tool_result(block: ToolResultBlock) -> dict[str, Any]:
    result: dict[str, Any] = {
        "toolUseId": block.tool_use_id,
        "content": [block_to_converse(part) for part in block.content],
    }
    if block.status is not None:
        result["status"] = block.status
    return {"toolResult": result}


def _reasoning(block: ReasoningBlock) -> dict[str, Any]:
    # Handed back unchanged, as models require with tool use.
    # https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ReasoningContentBlock.html
    if block.redacted is not None:
        return {"reasoningContent": {"redactedContent": block.redacted}}
    text: dict[str, Any] = {"text": block.text or ""}
    if block.signature is not None:
        text["signature"] = block.signature
    return {"reasoningContent": {"reasoningText": text}}


# Block type -> its Converse ContentBlock.
_BLOCKS: Final[dict[type, Callable[[Any], dict[str, Any]]]] = {
    TextBlock: lambda block: {"text": block.text},
    ImageBlock: _image,
    DocumentBlock: _document,
    ToolUseBlock: _tool_use,
    ToolResultBlock: _tool_result,
    ReasoningBlock: _reasoning,
    CachePointBlock: lambda block: dict(CACHE_POINT),
}


def block_to_converse(block: Block) -> dict[str, Any]:
    """One typed block as a Converse ContentBlock."""
    return _BLOCKS[type(block)](block)


def system_to_converse(system: str | tuple[SystemBlock, ...] | None) -> list[dict[str, Any]]:
    """The system prompt as SystemContentBlocks; an empty string or none gives no blocks."""
    if not system:
        return []
    if isinstance(system, str):
        return [{"text": system}]
    return [block_to_converse(block) for block in system]


def _holds_tool_blocks(messages: Sequence[HasContent]) -> bool:
    return any(
        isinstance(block, ToolUseBlock | ToolResultBlock)
        for message in messages
        for block in blocks_of(message.content)
    )


def tool_config_to_converse(
    tools: tuple[Tool, ...], choice: ToolChoice | None, messages: Sequence[HasContent]
) -> dict[str, Any] | None:
    """The toolConfig for the declared tools and tool choice; None when none is needed.

    Converse's ToolChoice has `auto` (the default, so it is left out), `any` and `tool`, but
    no `none`: "none" withholds the tools. A conversation that holds tool blocks must carry a
    toolConfig all the same ("The toolConfig field must be defined when using toolUse and
    toolResult content blocks"), so there the tools are sent without a choice and "none"
    cannot be enforced by Bedrock.
    https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolChoice.html
    https://docs.aws.amazon.com/bedrock/latest/userguide/tool-use-inference-call.html
    """
    if not tools:
        return None
    if choice is not None and choice.mode == "none" and not _holds_tool_blocks(messages):
        return None
    config: dict[str, Any] = {
        "tools": [
            {
                "toolSpec": {
                    "name": tool.name,
                    **({"description": tool.description} if tool.description else {}),
                    "inputSchema": {"json": dict(tool.input_schema)},
                }
            }
            for tool in tools
        ]
    }
    if choice is not None and choice.mode == "any":
        config["toolChoice"] = {"any": {}}
    elif choice is not None and choice.mode == "tool":
        config["toolChoice"] = {"tool": {"name": choice.name}}
    return config


def reasoning_fields(plan: ReasoningPlan | None) -> dict[str, Any]:
    """additionalModelRequestFields for a reasoning plan: a budget is Claude's `thinking`, an
    effort is Nova 2's `reasoningConfig` (the family table says which a model takes).

    https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html
    https://docs.aws.amazon.com/nova/latest/nova2-userguide/extended-thinking.html
    """
    if plan is None:
        return {}
    if plan.budget_tokens is not None:
        return {"thinking": {"type": "enabled", "budget_tokens": plan.budget_tokens}}
    if plan.effort is not None:
        return {"reasoningConfig": {"type": "enabled", "maxReasoningEffort": plan.effort}}
    return {}


def guardrail_to_converse(guardrail: Guardrail) -> dict[str, Any]:
    """ConverseStream's GuardrailStreamConfiguration for the deployment's guardrail.

    https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_GuardrailStreamConfiguration.html
    """
    return {
        "guardrailIdentifier": guardrail.identifier,
        "guardrailVersion": guardrail.version,
        "streamProcessingMode": guardrail.stream_mode,
        "trace": "enabled" if guardrail.trace else "disabled",
    }
