"""Checks on attached bytes: base64, size, and that they are what their declared format says.

Pure functions that return the problem as a short phrase (None when the bytes are fine), so
that the caller can put the field's name in front of it (docs/API.md §12.1).
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import zipfile
from collections.abc import Callable
from typing import Final

# Bedrock's limits on one image and one document of a Converse message.
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ImageBlock.html
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_DocumentBlock.html
MAX_IMAGE_BYTES: Final = 3_932_160  # 3.75 MB
MAX_DOCUMENT_BYTES: Final = 4_718_592  # 4.5 MB

# A document's name: letters, digits, single spaces, hyphens, parentheses, square brackets;
# underscores too, which live requests show Bedrock accepting (vercel/ai #20365).
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_DocumentBlock.html
DOCUMENT_NAME: Final = re.compile(r"(?!.*\s\s)[A-Za-z0-9_\-()\[\] ]{1,200}")

_OLE2: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File Binary: .doc, .xls


def decode_base64(text: str) -> bytes | None:
    """The bytes of strict (RFC 4648, padded) base64; None when it is not valid base64."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _zip_with(folder: str) -> Callable[[bytes], bool]:
    """An Office Open XML package (a zip) with the given part folder (`word/`, `xl/`)."""

    def check(data: bytes) -> bool:
        if not data.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                return any(name.startswith(folder) for name in package.namelist())
        except (zipfile.BadZipFile, ValueError):
            return False

    return check


def _text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text


def _webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


# Declared format -> does the data look like it (magic numbers; text formats: UTF-8 text).
FORMAT_CHECKS: Final[dict[str, Callable[[bytes], bool]]] = {
    "png": lambda d: d.startswith(b"\x89PNG\r\n\x1a\n"),
    "jpeg": lambda d: d.startswith(b"\xff\xd8\xff"),
    "gif": lambda d: d[:6] in (b"GIF87a", b"GIF89a"),
    "webp": _webp,
    "pdf": lambda d: d.startswith(b"%PDF-"),
    "docx": _zip_with("word/"),
    "xlsx": _zip_with("xl/"),
    "doc": lambda d: d.startswith(_OLE2),
    "xls": lambda d: d.startswith(_OLE2),
    "csv": _text,
    "html": _text,
    "txt": _text,
    "md": _text,
}


def attachment_problem(data: bytes, fmt: str, limit: int) -> str | None:
    """Why decoded bytes cannot be sent as `fmt` (too large, empty, wrong format), or None."""
    if not data:
        return "is empty"
    if len(data) > limit:
        return f"is {len(data)} bytes decoded, more than the {limit} Bedrock takes"
    check = FORMAT_CHECKS.get(fmt)
    if check is None or not check(data):
        return f"is not {fmt} data"
    return None
