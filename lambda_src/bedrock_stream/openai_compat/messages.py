"""OpenAI `messages` as the chat request's system prompt and turns (docs/API.md §6, §12.4); pure.

System and developer messages become the system prompt. User, assistant and tool messages
become turns of blocks: an assistant's `tool_calls` are tool_use blocks (after any reasoning
it hands back in `thinking_blocks`), a `tool` message is a tool_result block in a user turn.
Bedrock wants the roles to alternate, so a run of one role is one turn: consecutive tool
messages are one user turn of several results, and a user message right after them joins
that turn; texts that meet in a run are joined by a blank line.
https://docs.aws.amazon.com/bedrock/latest/userguide/tool-use-inference-call.html
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from bedrock_stream.content import Role, invalid
from bedrock_stream.errors import AppError
from bedrock_stream.openai_compat.parts import (
    Piece,
    content_pieces,
    fields_of,
    text_piece,
    thinking_pieces,
    tool_call_pieces,
)
from bedrock_stream.openai_compat.paths import PathMap

Mapper = Callable[[Mapping[str, Any], str], list[Piece]]


def _system(message: Mapping[str, Any], at: str) -> list[Piece]:
    return content_pieces(message.get("content"), f"{at}.content", ("text",))


def _user(message: Mapping[str, Any], at: str) -> list[Piece]:
    return content_pieces(message.get("content"), f"{at}.content", ("text", "image_url"))


# Fields an assistant message may carry that say nothing to send: the official client hands
# back the message it received with these as null (`parsed` comes from its stream helper).
_NULL_ONLY: Final = ("refusal", "audio", "function_call", "parsed")


def _assistant(message: Mapping[str, Any], at: str) -> list[Piece]:
    for name in _NULL_ONLY:
        if message.get(name) is not None:
            raise invalid(f"{at}.{name}", "is not supported")
    # `reasoning_content` is display text and is not sent back. Claude checks handed-back
    # reasoning by its signature (thinking_blocks carry it); whether the models that do not
    # sign (DeepSeek R1, gpt-oss) want their reasoning back, the pages read do not say.
    # https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ReasoningTextBlock.html
    pieces: list[Piece] = []
    if message.get("thinking_blocks") is not None:
        pieces += thinking_pieces(message["thinking_blocks"], f"{at}.thinking_blocks")
    content = message.get("content")
    if content is not None and content != "":
        texts = content_pieces(content, f"{at}.content", ("text",))
        pieces += [piece for piece in texts if piece.block.get("text") != ""]
    if message.get("tool_calls") is not None:
        pieces += tool_call_pieces(message["tool_calls"], f"{at}.tool_calls")
    if not any(piece.block["type"] in ("text", "tool_use") for piece in pieces):
        raise invalid(at, "an assistant message needs content or tool_calls")
    return pieces


def _tool(message: Mapping[str, Any], at: str) -> list[Piece]:
    call_id = message.get("tool_call_id")
    if not isinstance(call_id, str):
        raise invalid(f"{at}.tool_call_id", "must be a string")
    content = message.get("content")
    texts = content_pieces(content, f"{at}.content", ("text",))
    if not all(piece.is_text for piece in texts):
        raise invalid(f"{at}.content", "a tool message takes no prompt_cache_breakpoint")
    result = content if isinstance(content, str) else [piece.block for piece in texts]
    block = {"type": "tool_result", "tool_use_id": call_id, "content": result}
    where = (("tool_use_id", f"{at}.tool_call_id"), ("content", f"{at}.content"))
    return [Piece(block, at, where)]


@dataclass(frozen=True)
class RoleRule:
    """What one OpenAI role becomes: its turn's role (None: the system prompt) and fields."""

    turn: Role | None
    fields: frozenset[str]
    mapper: Mapper


_COMMON: Final = frozenset({"role", "content", "name"})  # name: a participant's, ignored
ROLES: Final[dict[str, RoleRule]] = {
    "system": RoleRule(None, _COMMON, _system),
    "developer": RoleRule(None, _COMMON, _system),
    "user": RoleRule("user", _COMMON, _user),
    "assistant": RoleRule(
        "assistant",
        _COMMON
        | {"tool_calls", "reasoning_content", "thinking_blocks", "annotations", *_NULL_ONLY},
        _assistant,
    ),
    "tool": RoleRule("user", frozenset({"role", "content", "tool_call_id", "name"}), _tool),
}


@dataclass
class Turn:
    """One chat-request turn and the index of the last OpenAI message merged into it."""

    role: Role
    pieces: list[Piece] = field(default_factory=list)
    last: int = 0

    def add(self, pieces: list[Piece], index: int) -> None:
        """Append a message's pieces; texts that meet are joined by a blank line."""
        if self.pieces and pieces and self.pieces[-1].is_text and pieces[0].is_text:
            joined = self.pieces[-1].block["text"] + "\n\n" + pieces[0].block["text"]
            self.pieces[-1] = text_piece(joined, self.pieces[-1].origin)
            pieces = pieces[1:]
        self.pieces += pieces
        self.last = index


@dataclass(frozen=True)
class Conversation:
    """The chat request's `system` and `messages`, from an OpenAI request's `messages`."""

    system: str | list[dict[str, Any]] | None
    messages: list[dict[str, Any]]


def _rule(message: object, at: str) -> RoleRule:
    if not isinstance(message, dict):
        raise invalid(at, "must be an object")
    role = message.get("role")
    rule = ROLES.get(role) if isinstance(role, str) else None
    if rule is None:
        raise invalid(f"{at}.role", f"must be one of {list(ROLES)}")
    fields_of(message, rule.fields, at)
    return rule


def _system_prompt(pieces: list[Piece], paths: PathMap) -> str | list[dict[str, Any]] | None:
    """Texts joined by a blank line; with cache points, blocks (docs/API.md §12.1)."""
    kept = [piece for piece in pieces if not piece.is_text or piece.block["text"]]
    if all(piece.is_text for piece in kept):
        return "\n\n".join(piece.block["text"] for piece in kept) or None
    merged = Turn("user")
    for piece in kept:
        merged.add([piece], 0)
    for i, piece in enumerate(merged.pieces):
        paths.add(f"system[{i}]", piece.origin)
    return [piece.block for piece in merged.pieces]


def map_messages(raw: object, paths: PathMap) -> Conversation:
    """The conversation; every block's OpenAI path is recorded in `paths`."""
    if not isinstance(raw, list) or not raw:
        raise AppError("invalid_request", "messages must be a non-empty list")
    system: list[Piece] = []
    turns: list[Turn] = []
    for i, message in enumerate(raw):
        at = f"messages[{i}]"
        rule = _rule(message, at)
        pieces = rule.mapper(message, at)
        if rule.turn is None:
            system += pieces
        elif turns and turns[-1].role == rule.turn:
            turns[-1].add(pieces, i)
        elif not turns and rule.turn != "user":
            raise invalid(at, "the first non-system message must be user")
        else:
            turns.append(Turn(rule.turn, pieces, i))
    if not turns:
        raise AppError("invalid_request", "messages must hold a user message")
    for t, turn in enumerate(turns):
        paths.add(f"messages[{t}]", f"messages[{turn.last}]")
        for b, piece in enumerate(turn.pieces):
            paths.add(f"messages[{t}].content[{b}]", piece.origin)
            for name, theirs in piece.fields:
                paths.add(f"messages[{t}].content[{b}].{name}", theirs)
        if _plain(turn):
            paths.add(f"messages[{t}].content", dict(turn.pieces[0].fields)["text"])
    messages = [{"role": turn.role, "content": _content(turn)} for turn in turns]
    return Conversation(_system_prompt(system, paths), messages)


def _plain(turn: Turn) -> bool:
    return len(turn.pieces) == 1 and turn.pieces[0].is_text


def _content(turn: Turn) -> str | list[dict[str, Any]]:
    """A turn of one text as a string (docs/API.md §2: the same for Bedrock, and the cheaper
    form to validate), else its blocks (§12.1)."""
    if _plain(turn):
        return str(turn.pieces[0].block["text"])
    return [piece.block for piece in turn.pieces]
