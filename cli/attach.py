"""`--attach FILE`: read and check a file, then make the image or document block to send."""

from __future__ import annotations

import base64
import os
import re
import stat
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from cli.content import Attachment
from cli.formats import EXTENSIONS, MAX_BYTES, MAX_PER_MESSAGE, Format, format_of, problem

# A document's name may hold only letters, digits, single whitespace characters, hyphens,
# parentheses and square brackets, 1 to 200 of them.
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_DocumentBlock.html
_NOT_IN_NAME: Final = re.compile(r"[^A-Za-z0-9\-()\[\] ]")
MAX_NAME: Final = 200
FALLBACK_NAME: Final = "document"


class AttachError(ValueError):
    """A file that cannot be attached; the message names the file and the reason."""


@dataclass(frozen=True)
class File:
    """A checked attachment: where it came from, its format and its bytes."""

    path: str
    format: Format
    data: bytes = field(repr=False)


def read_file(path: str) -> File:
    """The file at ``path``, checked as its extension says; AttachError when it can't be sent."""
    fmt = format_of(os.path.basename(path))
    if fmt is None:
        accepted = " ".join(EXTENSIONS)
        raise AttachError(f"{path}: not a file type Bedrock takes (by its name); use {accepted}")
    limit = MAX_BYTES[fmt.kind]
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise AttachError(f"{path}: not a regular file")
        if info.st_size > limit:  # refused before reading it
            raise AttachError(
                f"{path} is {info.st_size} bytes, more than the {limit} Bedrock takes "
                f"for one {fmt.kind}"
            )
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise AttachError(f"{path}: {exc.strerror or exc}") from exc
    why = problem(fmt, data)
    if why is not None:
        raise AttachError(f"{path} {why}")
    return File(path, fmt, data)


def check_counts(files: Sequence[File]) -> None:
    """At most 20 images and 5 documents in one message (AttachError otherwise)."""
    counts = Counter(file.format.kind for file in files)
    for kind, limit in MAX_PER_MESSAGE.items():
        if counts[kind] > limit:
            raise AttachError(f"{counts[kind]} {kind}s: Bedrock takes at most {limit} per message")


def document_name(path: str) -> str:
    """The file's name without its extension, reduced to what Bedrock accepts."""
    stem, _ = os.path.splitext(os.path.basename(path))
    # Accents are dropped rather than the letters ("Übersicht" -> "Ubersicht").
    plain = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    name = " ".join(_NOT_IN_NAME.sub(" ", plain).split())
    return name[:MAX_NAME].rstrip() or FALLBACK_NAME


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... so that no two documents share a name.

    Bedrock refuses a request whose messages hold two documents of the same name ("Messages
    can't contain duplicate document names"; quoted in maximhq/bifrost #7003), across the
    whole conversation; compared without case, to be safe.
    """
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        suffix = f" ({n})"
        candidate = name[: MAX_NAME - len(suffix)].rstrip() + suffix
    taken.add(candidate.lower())
    return candidate


def to_blocks(files: Iterable[File], names_in_use: Iterable[str] = ()) -> list[Attachment]:
    """The request blocks of ``files``; documents get names unused in the conversation."""
    taken = {name.lower() for name in names_in_use}
    blocks: list[Attachment] = []
    for file in files:
        data = base64.b64encode(file.data).decode("ascii")
        if file.format.kind == "image":
            blocks.append({"type": "image", "format": file.format.name, "data": data})
        else:
            name = unique_name(document_name(file.path), taken)
            blocks.append(
                {"type": "document", "format": file.format.name, "name": name, "data": data}
            )
    return blocks
