"""What a session asks of every request: model, system, limits, reasoning and tools."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

EFFORTS: Final = ("low", "medium", "high")
MIN_BUDGET: Final = 1024  # docs/API.md §12.1: `budget_tokens` 1024 and up
TOOLS_KEYS: Final = frozenset({"tools", "tool_choice"})


@dataclass(frozen=True)
class Options:
    """What every request of a session carries besides the messages."""

    model: str | None = None
    system: str | None = None
    max_tokens: int | None = None
    reasoning: Mapping[str, Any] | None = field(default=None, hash=False)  # docs/API.md §12.1
    tools: Mapping[str, Any] | None = field(default=None, hash=False)  # tools, tool_choice


def parse_reasoning(value: str) -> dict[str, Any]:
    """`--reasoning`: a token budget (`4096`) or an effort (`low`, `medium`, `high`)."""
    word = value.strip().lower()
    if word in EFFORTS:
        return {"effort": word}
    if word.isdigit() and int(word) >= MIN_BUDGET:
        return {"budget_tokens": int(word)}
    raise argparse.ArgumentTypeError(
        f"{value!r}: give a token budget of at least {MIN_BUDGET} (such as 4096) "
        f"or an effort: {', '.join(EFFORTS)}"
    )


class ToolsError(ValueError):
    """A `--tools` file that is not a tool declaration list."""


def tools_from_json(doc: object) -> dict[str, Any]:
    """The request fields of a `--tools` document: a `tools` array, or {"tools", "tool_choice"}."""
    fields = {"tools": doc} if isinstance(doc, list) else doc
    if not isinstance(fields, dict) or not fields.keys() <= TOOLS_KEYS or "tools" not in fields:
        raise ToolsError(
            'give a JSON array of tools, or an object {"tools": [...], "tool_choice": ...}'
        )
    tools = fields["tools"]
    if not isinstance(tools, list) or not tools:
        raise ToolsError("`tools` must be a non-empty array")
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            raise ToolsError(f"tools[{i}] must be an object with a `name` (docs/API.md §12.1)")
    return dict(fields)


def load_tools(path: str) -> dict[str, Any]:
    """Read a `--tools` file; ToolsError names the file and what is wrong."""
    try:
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
    except OSError as exc:
        raise ToolsError(f"{path}: {exc.strerror or exc}") from exc
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise ToolsError(f"{path}: not JSON: {exc}") from exc
    try:
        return tools_from_json(doc)
    except ToolsError as exc:
        raise ToolsError(f"{path}: {exc}") from exc
