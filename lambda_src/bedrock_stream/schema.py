"""The JSON Schema of the chat request (API.md §2); it doubles as its documentation."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import fastjsonschema

FORMATS = ["sse", "ndjson", "text"]


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
                        "content": {"type": "string", "minLength": 1},
                    },
                },
            },
            "system": {"type": "string"},  # "" means none (a page's empty box)
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
