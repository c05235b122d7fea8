"""The JSON Schema of the chat request (docs/API.md §2, §12.1); it doubles as its documentation.

It checks shapes and types; rules across fields (roles, tool ids, what a model can do) are
checked in code (request.py, content.py, model_rules.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, get_args

import fastjsonschema

from bedrock_stream.blocks import DocumentFormat, Effort, ImageFormat
from bedrock_stream.families import MIN_BUDGET_TOKENS

FORMATS = ["sse", "ndjson", "text"]
IMAGE_FORMATS = list(get_args(ImageFormat))
DOCUMENT_FORMATS = list(get_args(DocumentFormat))
EFFORTS = list(get_args(Effort))
# Bedrock's tool names and tool-use ids.
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolSpecification.html
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolUseBlock.html
TOOL_NAME = "^[a-zA-Z0-9_-]{1,64}$"
TOOL_USE_ID = "^[a-zA-Z0-9_-]{1,64}$"

_STRING = {"type": "string", "minLength": 1}


def _typed(kind: str, required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    """The schema of one block type, applied when `type` is `kind` (draft-07 if/then)."""
    return {
        "if": {"properties": {"type": {"const": kind}}},
        "then": {
            "additionalProperties": False,
            "required": ["type", *required],
            "properties": {"type": {"const": kind}, **properties},
        },
    }


def _blocks(kinds: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """An object with a `type` among `kinds` and that type's fields (docs/API.md §12.1)."""
    return {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": list(kinds)}},
        "allOf": list(kinds.values()),
    }


_IMAGE = _typed("image", ["format", "data"], {"format": {"enum": IMAGE_FORMATS}, "data": _STRING})
_TEXT = _typed("text", ["text"], {"text": _STRING})
_TOOL_RESULT_PART = _blocks({"text": _TEXT, "image": _IMAGE})
BLOCK_TYPES: dict[str, dict[str, Any]] = {
    "text": _TEXT,
    "image": _IMAGE,
    "document": _typed(
        "document",
        ["format", "name", "data"],
        {"format": {"enum": DOCUMENT_FORMATS}, "name": _STRING, "data": _STRING},
    ),
    "tool_use": _typed(
        "tool_use",
        ["id", "name", "input"],
        {
            "id": {"type": "string", "pattern": TOOL_USE_ID},
            "name": {"type": "string", "pattern": TOOL_NAME},
            "input": {"type": "object"},
        },
    ),
    "tool_result": _typed(
        "tool_result",
        ["tool_use_id", "content"],
        {
            "tool_use_id": {"type": "string", "pattern": TOOL_USE_ID},
            "content": {
                "type": ["string", "array"],
                "minLength": 1,
                "minItems": 1,
                "items": _TOOL_RESULT_PART,
            },
            "status": {"enum": ["success", "error"]},
        },
    ),
    "reasoning": _typed(
        "reasoning", [], {"text": _STRING, "signature": _STRING, "redacted": _STRING}
    ),
    "cache_point": _typed("cache_point", [], {}),
}


def chat_schema(max_tokens_limit: int) -> dict[str, Any]:
    """The schema of a POST /chat body for a deployment's max_tokens ceiling."""
    unit_interval = {"type": "number", "minimum": 0, "maximum": 1}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Bedrock Stream chat request",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "prompt": {"type": "string", "minLength": 1},
            "messages": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["role", "content"],
                    "properties": {
                        "role": {"enum": ["user", "assistant"]},
                        # A string (docs/API.md §2) or a list of blocks (§12.1).
                        "content": {
                            "type": ["string", "array"],
                            "minLength": 1,
                            "minItems": 1,
                            "items": _blocks(BLOCK_TYPES),
                        },
                    },
                },
            },
            # "" means none (a page's empty box); a list holds text and cache points.
            "system": {
                "type": ["string", "array"],
                "minItems": 1,
                "items": _blocks({"text": _TEXT, "cache_point": BLOCK_TYPES["cache_point"]}),
            },
            "model": {"type": "string", "minLength": 1, "maxLength": 2048},
            "max_tokens": {"type": "integer", "minimum": 1, "maximum": max_tokens_limit},
            "temperature": unit_interval,
            "top_p": unit_interval,
            "stop": {
                "type": "array",
                "maxItems": 4,
                "items": {"type": "string", "minLength": 1},
            },
            "format": {"enum": FORMATS},
            "native": {"type": "object"},
            "tools": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "input_schema"],
                    "properties": {
                        "name": {"type": "string", "pattern": TOOL_NAME},
                        "description": _STRING,
                        "input_schema": {"type": "object"},
                    },
                },
            },
            # "auto" | "any" | "none" | {"name": ...}: checked in code for a clearer message.
            "tool_choice": {"type": ["string", "object"]},
            "reasoning": {
                "type": "object",
                "additionalProperties": False,
                "minProperties": 1,
                "maxProperties": 1,
                "properties": {
                    "budget_tokens": {"type": "integer", "minimum": MIN_BUDGET_TOKENS},
                    "effort": {"enum": EFFORTS},
                },
            },
        },
    }


@lru_cache(maxsize=4)
def validator(max_tokens_limit: int) -> Callable[[Any], Any]:
    """A compiled validator, built once per ceiling.

    Powertools' validate() recompiles the schema on every call (milliseconds); compiling once
    with the same fastjsonschema keeps request-in to start well under budget.
    """
    compiled: Callable[[Any], Any] = fastjsonschema.compile(chat_schema(max_tokens_limit))
    return compiled
