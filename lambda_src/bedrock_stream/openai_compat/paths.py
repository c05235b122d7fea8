"""Field names of the chat request (docs/API.md §12.1) told back as the OpenAI request's own.

The OpenAI request is mapped onto a `/chat` body and validated by the same code (schema, sizes,
magic numbers, tool pairing, per-model rules), whose 400s name `/chat` fields. A PathMap
records where each part of that body came from, so that a refusal names the field the client
sent: `messages[1].content[0].data` becomes `messages[3].content[1].image_url.url`.
"""

from __future__ import annotations

import re
from typing import Final

from bedrock_stream.errors import AppError

# An indexed path (`messages[2].content[0].data`, `tools[1].name`) anywhere in a message.
_INDEXED: Final = re.compile(r"\b(?:messages|tools)\[\d+\](?:\.[A-Za-z_]\w*|\[\d+\])*")
# A top-level field at the start of a message (`tool_choice.name: ...`, `reasoning: ...`);
# only there, because the same words may also be prose later on.
_LEADING: Final = re.compile(r"^[a-z_]+(?:\.[A-Za-z_]\w*)*")


class PathMap:
    """Chat-request paths -> the OpenAI request's paths; the longest known prefix wins."""

    def __init__(self) -> None:
        self._paths: dict[str, str] = {}

    def add(self, ours: str, theirs: str) -> None:
        """Say that the chat path `ours` (and everything under it) came from `theirs`."""
        self._paths[ours] = theirs

    def path(self, ours: str) -> str | None:
        """The OpenAI path for a chat path, or None when nothing under it was recorded."""
        cut = len(ours)
        while cut > 0:
            head = ours[:cut]
            if head in self._paths:
                return self._paths[head] + ours[cut:]
            cut = max(ours.rfind(".", 0, cut), ours.rfind("[", 0, cut))
        return None

    def message(self, text: str) -> str:
        """A refusal's text with every recorded path told as the OpenAI request's."""
        text = _INDEXED.sub(lambda m: self.path(m.group(0)) or m.group(0), text)
        return _LEADING.sub(lambda m: self.path(m.group(0)) or m.group(0), text, count=1)

    def error(self, err: AppError) -> AppError:
        """The same error, naming the OpenAI request's fields."""
        text = self.message(err.message)
        if text == err.message:
            return err
        return AppError(err.code, text, headers=dict(err.headers))
