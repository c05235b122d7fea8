"""The terminal client's attachment checks are the function's (docs/API.md §12.1).

cli/formats.py and bedrock_stream/media.py each hold the formats, limits and magic numbers:
the client runs from the repository and cannot import the deployed asset's package, and the
asset (lambda_src) must not import the client. These tests hold the two copies to one
answer, so that the client refuses, before sending, exactly what the function would refuse.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bedrock_stream import media
from bedrock_stream.schema import DOCUMENT_FORMATS, IMAGE_FORMATS
from cli import formats
from cli.attach import MAX_NAME, document_name
from tests.unit.media_samples import OLE2, PDF, PNG, SAMPLES, office

LIMITS = {"image": media.MAX_IMAGE_BYTES, "document": media.MAX_DOCUMENT_BYTES}
# Bytes that are some format, none, or almost one: each is judged by both copies.
CANDIDATES = [
    *SAMPLES.values(),
    b"",
    b"\x00",
    PNG[:7],
    PDF[:4],
    OLE2[:7],
    b"PK\x03\x04 not a zip",
    office("docProps/core.xml"),
    b"RIFF\x00\x00\x00\x00WAVE",
    b"GIF88a",
    b"nul\x00inside",
    b"\xff\xfe not UTF-8",
    "caf\u00e9 \u2603\n".encode(),
]


def test_the_client_knows_every_format_the_function_takes_and_no_other() -> None:
    by_kind = {
        kind: {fmt.name for fmt in formats.EXTENSIONS.values() if fmt.kind == kind}
        for kind in ("image", "document")
    }
    assert by_kind == {"image": set(IMAGE_FORMATS), "document": set(DOCUMENT_FORMATS)}
    assert set(formats.MATCHES) == set(media.FORMAT_CHECKS)


def test_the_size_limits_are_the_same() -> None:
    assert formats.MAX_BYTES == LIMITS


@pytest.mark.parametrize("name", sorted(media.FORMAT_CHECKS))
def test_both_copies_take_and_refuse_the_same_bytes(name: str) -> None:
    kind = "image" if name in IMAGE_FORMATS else "document"
    fmt = formats.Format(kind, name)
    for data in CANDIDATES:
        client = formats.problem(fmt, data)
        function = media.attachment_problem(data, name, LIMITS[kind])
        assert (client is None) == (function is None), (name, data[:16], client, function)
    assert formats.problem(fmt, SAMPLES[name]) is None  # each format has a sample both take


@pytest.mark.parametrize("kind", ["image", "document"])
def test_both_copies_draw_the_size_line_at_the_same_byte(kind: str) -> None:
    name = "png" if kind == "image" else "txt"
    start = SAMPLES[name]
    fmt = formats.Format(kind, name)
    for size in (LIMITS[kind], LIMITS[kind] + 1):
        data = start + b"x" * (size - len(start))
        client = formats.problem(fmt, data)
        function = media.attachment_problem(data, name, LIMITS[kind])
        assert (client is None) == (function is None) == (size == LIMITS[kind])


@given(st.text(max_size=300))
def test_every_name_the_client_makes_is_one_the_function_accepts(path: str) -> None:
    name = document_name(path + ".txt")
    assert media.DOCUMENT_NAME.fullmatch(name), name
    assert len(name) <= MAX_NAME
