"""The typed content the client sends (docs/API.md §2 and §12.1): blocks and messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeAlias, TypedDict

Role = Literal["user", "assistant"]


class TextBlock(TypedDict):
    """Plain text."""

    type: Literal["text"]
    text: str


class ImageBlock(TypedDict):
    """An image: png, jpeg, gif or webp, as base64."""

    type: Literal["image"]
    format: str
    data: str


class DocumentBlock(TypedDict):
    """A document with the name the model sees, as base64."""

    type: Literal["document"]
    format: str
    name: str
    data: str


class SignedReasoning(TypedDict):
    """Reasoning text with the signature the model gave it, handed back unchanged."""

    type: Literal["reasoning"]
    text: str
    signature: str


class RedactedReasoning(TypedDict):
    """Reasoning the model returned encrypted (base64), handed back unchanged."""

    type: Literal["reasoning"]
    redacted: str


Attachment: TypeAlias = ImageBlock | DocumentBlock
ReasoningBlock: TypeAlias = SignedReasoning | RedactedReasoning
Block: TypeAlias = TextBlock | ImageBlock | DocumentBlock | SignedReasoning | RedactedReasoning


class Message(TypedDict):
    """One entry of the request's `messages`: a string, or blocks (docs/API.md §12.1)."""

    role: Role
    content: str | list[Block]


def user_message(prompt: str, attachments: Sequence[Attachment] = ()) -> Message:
    """A user turn: the prompt alone, or the attachments followed by the prompt."""
    if not attachments:
        return {"role": "user", "content": prompt}
    # Images before the question work best with Claude ("Claude works best when images come
    # before text"): https://platform.claude.com/docs/en/build-with-claude/vision
    blocks: list[Block] = [*attachments, {"type": "text", "text": prompt}]
    return {"role": "user", "content": blocks}


def assistant_message(text: str, reasoning: Sequence[ReasoningBlock] = ()) -> Message:
    """An assistant turn: its text, after the reasoning blocks that the model must get back."""
    if not reasoning:
        return {"role": "assistant", "content": text}
    blocks: list[Block] = [*reasoning, {"type": "text", "text": text}]
    return {"role": "assistant", "content": blocks}


def document_names(messages: Sequence[Message]) -> list[str]:
    """The names of every document already in a conversation."""
    return [
        block["name"]
        for message in messages
        if not isinstance(message["content"], str)
        for block in message["content"]
        if block["type"] == "document"
    ]
