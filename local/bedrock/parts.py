"""Pure pieces of the richer answers: tool calls, reasoning, signatures, attachment lines."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from itertools import cycle, pairwise

from local.bedrock.model import Attachment, ToolCall

# Chunk lengths of a tool input's JSON: deliberately uneven, so pieces end mid-key, mid-string
# and (see split_json) right after a backslash, as real partial-JSON deltas may.
_PIECE_LENGTHS = (3, 1, 5, 2, 8, 4, 13, 6)
_ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Anthropic's documented test string: a prompt holding it gets redacted thinking back.
# https://docs.claude.com/en/docs/build-with-claude/extended-thinking
REDACTED_TRIGGER = (
    "ANTHROPIC_MAGIC_STRING_TRIGGER_REDACTED_THINKING_"
    "46C9A13E193C177646C7398A98432ECCCE4C1253D5E2D82641AC0E52CC2876CB"
)


def split_json(document: str) -> tuple[str, ...]:
    """Several pieces whose concatenation is `document`, cut at awkward places."""
    cuts: set[int] = set()
    escape = document.find("\\")
    if escape >= 0:
        cuts.add(escape + 1)  # a piece ends inside an escape sequence
    position = 0
    for length in cycle(_PIECE_LENGTHS):
        position += length
        if position >= len(document):
            break
        cuts.add(position)
    bounds = [0, *sorted(cuts), len(document)]
    return tuple(document[a:b] for a, b in pairwise(bounds) if b > a)


def tool_input(rest: str) -> object:
    """The rest of the message as a JSON object, or {"text": rest} when it is not one."""
    try:
        parsed = json.loads(rest)
    except ValueError:
        return {"text": rest}
    return parsed if isinstance(parsed, dict) else {"text": rest}


def make_id(seed: str, prefix: str, size: int = 22) -> str:
    """A deterministic id in Bedrock's style (`tooluse_` + 22 letters and digits)."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    letters = []
    for _ in range(size):
        number, digit = divmod(number, len(_ID_ALPHABET))
        letters.append(_ID_ALPHABET[digit])
    return prefix + "".join(letters)


def tool_call(request_id: str, name: str, rest: str) -> ToolCall:
    """One call of `name` whose input is read from the rest of the message."""
    document = json.dumps(tool_input(rest), ensure_ascii=False, separators=(",", ":"))
    return ToolCall(
        id=make_id(request_id + name, "tooluse_"), name=name, pieces=split_json(document)
    )


def signature(reasoning: str) -> str:
    """A stand-in for the provider's reasoning signature: base64, derived from the text."""
    digest = hashlib.sha512(reasoning.encode()).digest()
    return base64.b64encode(b"local-bedrock-signature:" + digest).decode("ascii")


def redacted_bytes(seed: str) -> bytes:
    """Opaque bytes standing in for encrypted (redacted) reasoning."""
    return b"local-redacted-reasoning:" + hashlib.sha256(seed.encode()).digest()


def attachment_lines(attachments: Sequence[Attachment]) -> str:
    """`<type> <format> <decoded bytes> <first 12 hex of sha256>`, one line per block."""
    return "\n".join(
        f"{item.kind} {item.format} {len(item.data)} {hashlib.sha256(item.data).hexdigest()[:12]}"
        for item in attachments
    )
