"""The `#! key=value ...` directive line of the local Bedrock (docs/API.md §9 and §12.5)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, cast, get_args

Fault = Literal[
    # refused on the initial call (HTTP errors)
    "throttle",
    "access_denied",
    "validation",
    "model_not_ready",
    "model_timeout",
    "unavailable",
    # in the stream, after `after` answer pieces
    "midstream",
    "midstream_internal",
    "midstream_throttle",
    "stall",
    "reset",
    "no_stop",
    "guardrail",
]
FAULTS: tuple[str, ...] = get_args(Fault)
MARKER = "#!"

# Bounds keep one request from holding a server thread for long (docs/API.md: realistic pace).
MAX_TOKENS = 100_000
MAX_TTFT_MS = 120_000
MAX_STALL_S = 300.0
MAX_THINK = 10_000
# Tool names as Converse takes them (botocore ToolName: 1..64 of [a-zA-Z0-9_-]).
_TOOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")


class DirectiveError(ValueError):
    """A directive line that can't be followed; the server answers ValidationException."""


@dataclass(frozen=True)
class Directives:
    """What the first line of the last user message asks of the local model."""

    echo: bool = False
    tokens: int | None = None
    ttft_ms: int | None = None
    rate: float | None = None
    fault: Fault | None = None
    after: int | None = None
    stall_s: float | None = None
    think: int | None = None  # reasoning tokens before the answer
    tool: str | None = None  # answer with one call of this tool
    attachments: bool = False  # answer with one line per image or document block
    redacted: bool = False  # the reasoning comes back redacted


def _int_in(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = int(raw)
        if not low <= value <= high:
            raise ValueError(f"{value} is outside {low}..{high}")
        return value

    return parse


def _float_in(low: float, high: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        value = float(raw)
        if not low <= value <= high:  # also rejects nan
            raise ValueError(f"{value} is outside {low}..{high}")
        return value

    return parse


def _fault(raw: str) -> Fault:
    if raw not in FAULTS:
        raise ValueError(f"one of {', '.join(FAULTS)}")
    return cast(Fault, raw)


def _tool_name(raw: str) -> str:
    if not _TOOL_NAME.fullmatch(raw):
        raise ValueError("a tool name of 1 to 64 letters, digits, _ or -")
    return raw


def _positive_rate(raw: str) -> float:
    value = _float_in(0.0, 100_000.0)(raw)
    if value == 0:
        raise ValueError("rate must be above 0")
    return value


# key -> parser of its value; adding a directive is adding a row (STYLE item 7).
_VALUED: dict[str, Callable[[str], object]] = {
    "tokens": _int_in(1, MAX_TOKENS),
    "ttft_ms": _int_in(0, MAX_TTFT_MS),
    "rate": _positive_rate,
    "fault": _fault,
    "after": _int_in(0, MAX_TOKENS),
    "stall_s": _float_in(0.0, MAX_STALL_S),
    "think": _int_in(1, MAX_THINK),
    "tool": _tool_name,
}
_FLAGS = frozenset({"echo", "attachments", "redacted"})


def parse_line(line: str) -> Directives:
    """Parse the words after `#!`; unknown keys and bad values raise DirectiveError."""
    fields: dict[str, object] = {}
    for word in line.removeprefix(MARKER).split():
        key, sep, raw = word.partition("=")
        if not sep and key in _FLAGS:
            fields[key] = True
        elif sep and key in _VALUED:
            try:
                fields[key] = _VALUED[key](raw)
            except ValueError as exc:
                raise DirectiveError(f"directive {key}={raw!r}: {exc}") from exc
        else:
            known = ", ".join(sorted(_FLAGS | _VALUED.keys()))
            raise DirectiveError(f"unknown directive {word!r} (known: {known})")
    return dataclasses.replace(Directives(), **fields)  # type: ignore[arg-type]


def split_directives(text: str) -> tuple[Directives, str]:
    """Split a user text into its directives and the rest (the text after the first newline)."""
    if not text.startswith(MARKER):
        return Directives(), text
    line, _, rest = text.partition("\n")
    return parse_line(line.removesuffix("\r")), rest
