"""Pieces of an OpenAI message as chat-request blocks (docs/API.md §12.1, §12.4); pure.

Each block keeps the OpenAI path it came from (a Piece), so that the chat request's own
checks, run afterwards, name the field the client sent (paths.py). Shapes are checked here
only as far as the mapping needs; sizes, base64, magic numbers and names are left to the
chat request's validation, so that both surfaces apply the same rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from bedrock_stream.content import invalid


@dataclass(frozen=True)
class Piece:
    """One chat-request block, the OpenAI path it came from, and where each field came from."""

    block: dict[str, Any]
    origin: str
    fields: tuple[tuple[str, str], ...] = ()

    @property
    def is_text(self) -> bool:
        """Whether the block is plain text (texts of one turn may be joined)."""
        return bool(self.block["type"] == "text")


def text_piece(text: str, origin: str, text_path: str | None = None) -> Piece:
    """A text block (its text at `text_path`, the block's own path when not given)."""
    return Piece({"type": "text", "text": text}, origin, (("text", text_path or origin),))


def fields_of(raw: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    """Refuse fields this surface does not know, naming them (docs/API.md §12.4)."""
    extra = sorted(str(key)[:64] for key in set(raw) - allowed)
    if extra:
        raise invalid(where, f"unsupported fields {extra}")


def _string(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str):
        raise invalid(f"{where}.{key}", "must be a string")
    return value


# OpenAI's explicit prompt-cache breakpoint ends a cacheable prefix: a Bedrock cache point
# after the block. The cache points sent have Bedrock's default lifetime (5 minutes, renewed
# by each hit), so OpenAI's minimum lifetimes (`ttl`: 30m, 12h) cannot be promised.
# https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html
def _breakpoint(part: Mapping[str, Any], where: str) -> list[Piece]:
    raw = part.get("prompt_cache_breakpoint")
    if raw is None:
        return []
    at = f"{where}.prompt_cache_breakpoint"
    if not isinstance(raw, dict) or raw.get("mode") != "explicit":
        raise invalid(at, 'must be {"mode": "explicit"}')
    if "ttl" in raw:
        raise invalid(f"{at}.ttl", "is not supported: the cache lasts 5 minutes after its last use")
    fields_of(raw, frozenset({"mode"}), at)
    return [Piece({"type": "cache_point"}, at)]


_TEXT_KEYS: Final = frozenset({"type", "text", "prompt_cache_breakpoint"})
_IMAGE_KEYS: Final = frozenset({"type", "image_url", "prompt_cache_breakpoint"})
_IMAGE_URL_KEYS: Final = frozenset({"url", "detail"})


def _text_part(part: Mapping[str, Any], where: str) -> list[Piece]:
    fields_of(part, _TEXT_KEYS, where)
    text = text_piece(_string(part, "text", where), where, f"{where}.text")
    return [text, *_breakpoint(part, where)]


# `data:image/<type>;base64,<data>` (RFC 2397; scheme and media type are case-insensitive).
_DATA_URL: Final = re.compile(r"data:image/([a-z]+);base64,", re.IGNORECASE)
# Media subtype -> the image format Bedrock takes (image/jpg is a common misspelling).
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ImageBlock.html
IMAGE_TYPES: Final[dict[str, str]] = {
    "png": "png",
    "jpeg": "jpeg",
    "jpg": "jpeg",
    "gif": "gif",
    "webp": "webp",
}
NOT_FETCHED: Final = (
    "only data URLs (data:image/png;base64,...) are taken; this function fetches nothing"
)


def _image_part(part: Mapping[str, Any], where: str) -> list[Piece]:
    """An image as a data URL: the bytes travel in the request, nothing is ever fetched.

    Fetching a caller's URL would let any caller make the function call addresses inside
    its network, so every other URL (http, https, file, ...) is refused before anything
    else happens, without being quoted back.
    """
    fields_of(part, _IMAGE_KEYS, where)
    image = part.get("image_url")
    if not isinstance(image, dict):
        raise invalid(f"{where}.image_url", "must be an object with a url")
    fields_of(image, _IMAGE_URL_KEYS, f"{where}.image_url")  # detail: Bedrock has no such knob
    at = f"{where}.image_url.url"
    url = _string(image, "url", f"{where}.image_url")
    if url[:5].lower() != "data:":
        raise invalid(at, NOT_FETCHED)
    match = _DATA_URL.match(url)
    fmt = IMAGE_TYPES.get(match.group(1).lower()) if match else None
    if match is None or fmt is None:
        raise invalid(at, "must be data:image/<png|jpeg|gif|webp>;base64,<data>")
    block = {"type": "image", "format": fmt, "data": url[match.end() :]}
    return [Piece(block, where, (("data", at), ("format", at))), *_breakpoint(part, where)]


PartMapper = Callable[[Mapping[str, Any], str], list[Piece]]
# Content-part type -> its mapper; a role takes the subset it may send.
PARTS: Final[dict[str, PartMapper]] = {"text": _text_part, "image_url": _image_part}


def _joined(pieces: list[Piece]) -> list[Piece]:
    """Adjacent text parts as one text, joined as they are (docs/API.md §6)."""
    out: list[Piece] = []
    for piece in pieces:
        if out and out[-1].is_text and piece.is_text:
            first = out[-1]
            text = first.block["text"] + piece.block["text"]
            out[-1] = text_piece(text, first.origin, dict(first.fields)["text"])
        else:
            out.append(piece)
    return out


def content_pieces(raw: object, where: str, kinds: tuple[str, ...]) -> list[Piece]:
    """A message's `content`: a string, or a list of parts of the given kinds."""
    if isinstance(raw, str):
        return [text_piece(raw, where)]
    if not isinstance(raw, list) or not raw:
        raise invalid(where, "must be a string or a non-empty list of content parts")
    pieces: list[Piece] = []
    for i, part in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(part, dict):
            raise invalid(at, "must be an object")
        kind = part.get("type")
        if not isinstance(kind, str) or kind not in kinds:
            raise invalid(f"{at}.type", f"must be one of {list(kinds)} here")
        pieces.extend(PARTS[kind](part, at))
    return _joined(pieces)


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _arguments(raw: object, where: str) -> dict[str, Any]:
    """A tool call's `arguments`: a JSON string that must hold an object."""
    if not isinstance(raw, str):
        raise invalid(where, "must be a string of JSON")
    try:
        value = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise invalid(where, "is not valid JSON") from exc
    if not isinstance(value, dict):
        raise invalid(where, "must be a JSON object")
    return value


# `index` and `parsed_arguments` come with calls the official client assembled from a stream:
# both are derived from the rest, so they are ignored.
_CALL_KEYS: Final = frozenset({"id", "type", "function", "index"})
_FUNCTION_KEYS: Final = frozenset({"name", "arguments", "parsed_arguments"})


def tool_call_pieces(raw: object, where: str) -> list[Piece]:
    """An assistant's `tool_calls` as tool_use blocks."""
    if not isinstance(raw, list):
        raise invalid(where, "must be a list")
    pieces: list[Piece] = []
    for i, call in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(call, dict):
            raise invalid(at, "must be an object")
        fields_of(call, _CALL_KEYS, at)
        if call.get("type") != "function":
            raise invalid(f"{at}.type", 'must be "function"')
        function = call.get("function")
        if not isinstance(function, dict):
            raise invalid(f"{at}.function", "must be an object")
        fields_of(function, _FUNCTION_KEYS, f"{at}.function")
        block = {
            "type": "tool_use",
            "id": _string(call, "id", at),
            "name": _string(function, "name", f"{at}.function"),
            "input": _arguments(function.get("arguments"), f"{at}.function.arguments"),
        }
        names = (("id", f"{at}.id"), ("name", f"{at}.function.name"))
        pieces.append(Piece(block, at, (*names, ("input", f"{at}.function.arguments"))))
    return pieces


# `thinking_blocks` (the name LiteLLM gave Claude's reasoning blocks; this surface sends them,
# chunks.py) -> reasoning blocks handed back unchanged, as Claude requires with tool use.
# https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html
def _thinking(block: Mapping[str, Any], at: str) -> Piece:
    fields_of(block, frozenset({"type", "thinking", "signature", "index"}), at)
    text, signature = _string(block, "thinking", at), _string(block, "signature", at)
    mapped = {"type": "reasoning", "text": text, "signature": signature}
    return Piece(mapped, at, (("text", f"{at}.thinking"), ("signature", f"{at}.signature")))


def _redacted(block: Mapping[str, Any], at: str) -> Piece:
    fields_of(block, frozenset({"type", "data", "index"}), at)
    mapped = {"type": "reasoning", "redacted": _string(block, "data", at)}
    return Piece(mapped, at, (("redacted", f"{at}.data"),))


THINKING: Final[dict[str, Callable[[Mapping[str, Any], str], Piece]]] = {
    "thinking": _thinking,
    "redacted_thinking": _redacted,
}


def thinking_pieces(raw: object, where: str) -> list[Piece]:
    """An assistant's `thinking_blocks` as reasoning blocks."""
    if not isinstance(raw, list):
        raise invalid(where, "must be a list")
    pieces: list[Piece] = []
    for i, block in enumerate(raw):
        at = f"{where}[{i}]"
        kind = block.get("type") if isinstance(block, dict) else None
        mapper = THINKING.get(kind) if isinstance(kind, str) else None
        if mapper is None:
            raise invalid(f"{at}.type", 'must be "thinking" or "redacted_thinking"')
        pieces.append(mapper(block, at))
    return pieces
