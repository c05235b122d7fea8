"""Small, real-enough attachments for the §12.1 tests: each starts as its format says."""

from __future__ import annotations

import base64
import io
import zipfile

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(16)
GIF = b"GIF89a" + bytes(16)
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8 " + bytes(14)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(24)


def office(part: str) -> bytes:
    """A zip holding one part, as an Office Open XML package holds `word/...` or `xl/...`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(part, "<x/>")
    return out.getvalue()


DOCX = office("word/document.xml")
XLSX = office("xl/workbook.xml")

SAMPLES = {
    "png": PNG,
    "jpeg": JPEG,
    "gif": GIF,
    "webp": WEBP,
    "pdf": PDF,
    "docx": DOCX,
    "xlsx": XLSX,
    "doc": OLE2,
    "xls": OLE2,
    "csv": b"a,b\n1,2\n",
    "html": b"<p>hi</p>",
    "txt": "plain text é".encode(),
    "md": b"# title\n",
}


def b64(data: bytes) -> str:
    """Standard padded base64, as JSON carries bytes."""
    return base64.b64encode(data).decode()


def image(fmt: str = "png", data: bytes | None = None) -> dict:
    """An image block of the request."""
    return {"type": "image", "format": fmt, "data": b64(SAMPLES[fmt] if data is None else data)}


def document(fmt: str = "pdf", data: bytes | None = None, name: str = "Report (2025)") -> dict:
    """A document block of the request."""
    raw = SAMPLES[fmt] if data is None else data
    return {"type": "document", "format": fmt, "name": name, "data": b64(raw)}
