"""What an attached file is: its format from the extension, confirmed by its bytes (pure).

The checks are the ones the service applies before calling Bedrock (docs/API.md §12.1:
magic numbers for binary formats, UTF-8 for text ones), so that the client refuses, before
sending anything, exactly what the service would refuse after the upload.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

Kind = Literal["image", "document"]

# Bedrock's limits for one image and one document, and per message.
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ImageBlock.html
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_DocumentBlock.html
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Message.html ("up to
# 20 images", "up to five documents")
MAX_BYTES: Final[dict[Kind, int]] = {"image": 3_932_160, "document": 4_718_592}  # 3.75, 4.5 MB
MAX_PER_MESSAGE: Final[dict[Kind, int]] = {"image": 20, "document": 5}


@dataclass(frozen=True)
class Format:
    """A format Bedrock takes: its block kind and its name in the request."""

    kind: Kind
    name: str


def _image(name: str) -> Format:
    return Format("image", name)


def _document(name: str) -> Format:
    return Format("document", name)


# File extension (lower case) -> format; adding one is adding a row.
EXTENSIONS: Final[dict[str, Format]] = {
    ".png": _image("png"),
    ".jpg": _image("jpeg"),
    ".jpeg": _image("jpeg"),
    ".gif": _image("gif"),
    ".webp": _image("webp"),
    ".pdf": _document("pdf"),
    ".csv": _document("csv"),
    ".doc": _document("doc"),
    ".docx": _document("docx"),
    ".xls": _document("xls"),
    ".xlsx": _document("xlsx"),
    ".html": _document("html"),
    ".htm": _document("html"),
    ".txt": _document("txt"),
    ".md": _document("md"),
    ".markdown": _document("md"),
}

_OLE2: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File Binary: .doc and .xls


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
        return "\x00" not in data.decode("utf-8")
    except UnicodeDecodeError:
        return False


_TEXT_FORMATS: Final = frozenset({"csv", "html", "txt", "md"})
# Format name -> do the bytes look like it.
MATCHES: Final[dict[str, Callable[[bytes], bool]]] = {
    "png": lambda d: d.startswith(b"\x89PNG\r\n\x1a\n"),
    "jpeg": lambda d: d.startswith(b"\xff\xd8\xff"),
    "gif": lambda d: d[:6] in (b"GIF87a", b"GIF89a"),
    "webp": lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP",
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


def sniff(data: bytes) -> str:
    """What the bytes look like, for an error message ("png", "doc or xls", "text", ...)."""
    found = [name for name, match in MATCHES.items() if match(data)]
    binary = [name for name in found if name not in _TEXT_FORMATS]
    if binary:
        return " or ".join(binary)
    return "text" if found else "none of the accepted formats"


def extensions(kind: Kind) -> str:
    """The extensions of one kind, for help texts (".png .jpg ...")."""
    return " ".join(ext for ext, fmt in EXTENSIONS.items() if fmt.kind == kind)


def format_of(filename: str) -> Format | None:
    """The format a file name's extension names, or None."""
    dot = filename.rfind(".")
    return EXTENSIONS.get(filename[dot:].lower()) if dot > 0 else None


def problem(fmt: Format, data: bytes) -> str | None:
    """Why ``data`` cannot be sent as ``fmt`` (empty, too large, not that format), or None."""
    if not data:
        return "is empty"
    limit = MAX_BYTES[fmt.kind]
    if len(data) > limit:
        return f"is {len(data)} bytes, more than the {limit} Bedrock takes for one {fmt.kind}"
    if not MATCHES[fmt.name](data):
        return f"is not {fmt.name} data (its content looks like {sniff(data)})"
    return None
