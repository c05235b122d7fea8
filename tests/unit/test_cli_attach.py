"""The terminal client's attachments: formats, checks before sending, document names."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from cli.attach import AttachError, File, check_counts, document_name, read_file, to_blocks
from cli.formats import MAX_BYTES, Format, format_of, problem, sniff
from tests.unit.media_samples import SAMPLES

# What the DocumentBlock page allows in a name: letters and digits, whitespace (no more than
# one in a row), hyphens, parentheses, square brackets; 1 to 200 characters.
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_DocumentBlock.html
AWS_NAME = re.compile(r"(?!.*\s\s)[A-Za-z0-9\-()\[\] ]{1,200}")


def fmt(filename: str) -> Format:
    found = format_of(filename)
    assert found is not None, filename
    return found


@pytest.mark.parametrize(
    ("filename", "kind", "fmt"),
    [
        ("a.png", "image", "png"),
        ("photo.JPG", "image", "jpeg"),
        ("x.jpeg", "image", "jpeg"),
        ("anim.gif", "image", "gif"),
        ("y.webp", "image", "webp"),
        ("r.pdf", "document", "pdf"),
        ("t.csv", "document", "csv"),
        ("w.doc", "document", "doc"),
        ("w.docx", "document", "docx"),
        ("s.xls", "document", "xls"),
        ("s.xlsx", "document", "xlsx"),
        ("p.htm", "document", "html"),
        ("p.html", "document", "html"),
        ("n.txt", "document", "txt"),
        ("README.md", "document", "md"),
    ],
)
def test_the_extension_names_the_format(filename: str, kind: str, fmt: str) -> None:
    found = format_of(filename)
    assert found is not None
    assert (found.kind, found.name) == (kind, fmt)
    assert problem(found, SAMPLES[fmt]) is None


@pytest.mark.parametrize("filename", ["a.tiff", "notes", ".png", "archive.zip", "x.svg"])
def test_other_files_have_no_format(filename: str) -> None:
    assert format_of(filename) is None


def test_content_must_match_the_extension() -> None:
    png, pdf, docx = fmt("a.png"), fmt("a.pdf"), fmt("a.docx")
    assert problem(png, SAMPLES["jpeg"]) == "is not png data (its content looks like jpeg)"
    assert problem(pdf, b"plain words") == "is not pdf data (its content looks like text)"
    assert problem(docx, SAMPLES["xlsx"]) == "is not docx data (its content looks like xlsx)"
    assert problem(png, b"") == "is empty"
    txt = fmt("a.txt")
    assert problem(txt, b"\xff\xfe\x00binary") is not None  # not UTF-8 text
    assert problem(txt, b"nul\x00inside") is not None
    assert sniff(SAMPLES["doc"]) == "doc or xls"


def test_sizes_are_bedrocks_limits() -> None:
    png, md = fmt("a.png"), fmt("a." + "md")  # (split so it is not read as a doc reference)
    image = b"\x89PNG\r\n\x1a\n" + bytes(MAX_BYTES["image"] - 8)
    assert problem(png, image) is None
    assert "more than the 3932160" in (problem(png, image + b"x") or "")
    text = b"x" * MAX_BYTES["document"]
    assert problem(md, text) is None
    assert "more than the 4718592" in (problem(md, text + b"x") or "")


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/tmp/Q3 report_final.v2.pdf", "Q3 report final v2"),
        ("\u00dcbersicht  (draft) [1].md", "Ubersicht (draft) [1]"),
        ("tab\there.txt", "tab here"),
        ("\u65e5\u672c.pdf", "document"),
        ("it's-a #1 & more.csv", "it s-a 1 more"),
        ("x" * 250 + ".txt", "x" * 200),
    ],
)
def test_document_names_are_what_bedrock_accepts(path: str, name: str) -> None:
    assert document_name(path) == name
    assert AWS_NAME.fullmatch(name)


def test_document_names_are_unique_in_the_conversation() -> None:
    txt = fmt("a.txt")
    files = [File("dir/notes.txt", txt, b"1"), File("other/Notes.txt", txt, b"2")]
    blocks = to_blocks(files, names_in_use=["notes (2)"])
    names = [block.get("name") for block in blocks]
    assert names == ["notes", "Notes (3)"]
    assert [base64.b64decode(block["data"]) for block in blocks] == [b"1", b"2"]
    long = File("y" * 300 + ".txt", txt, b"3")
    [first, second] = to_blocks([long, long])
    assert first.get("name") == "y" * 200
    assert second.get("name") == "y" * 196 + " (2)"


def test_images_and_documents_become_request_blocks() -> None:
    png, csv = fmt("a.png"), fmt("a.csv")
    blocks = to_blocks([File("a.png", png, SAMPLES["png"]), File("t.csv", csv, b"a,b\n")])
    assert blocks == [
        {"type": "image", "format": "png", "data": base64.b64encode(SAMPLES["png"]).decode()},
        {"type": "document", "format": "csv", "name": "t", "data": "YSxiCg=="},
    ]


def test_reading_a_file_checks_it_before_anything_is_sent(tmp_path: Path) -> None:
    good = tmp_path / "ok.pdf"
    good.write_bytes(SAMPLES["pdf"])
    assert read_file(str(good)).data == SAMPLES["pdf"]
    wrong = tmp_path / "photo.png"
    wrong.write_bytes(SAMPLES["jpeg"])
    with pytest.raises(AttachError, match=r"photo\.png is not png data .*looks like jpeg"):
        read_file(str(wrong))
    huge = tmp_path / "big.png"
    with huge.open("wb") as handle:  # sparse: refused by its size, never read
        handle.write(SAMPLES["png"])
        handle.truncate(MAX_BYTES["image"] + 1)
    with pytest.raises(AttachError, match="3932161 bytes, more than the 3932160"):
        read_file(str(huge))
    with pytest.raises(AttachError, match="not a file type Bedrock takes"):
        read_file(str(tmp_path / "x.tiff"))
    with pytest.raises(AttachError, match="No such file"):
        read_file(str(tmp_path / "missing.png"))
    folder = tmp_path / "folder.pdf"
    folder.mkdir()
    with pytest.raises(AttachError, match="not a regular file"):
        read_file(str(folder))


def test_at_most_twenty_images_and_five_documents_per_message() -> None:
    png, txt = fmt("a.png"), fmt("a.txt")
    check_counts([File("a.png", png, b"")] * 20 + [File("a.txt", txt, b"")] * 5)
    with pytest.raises(AttachError, match="21 images"):
        check_counts([File("a.png", png, b"")] * 21)
    with pytest.raises(AttachError, match="6 documents"):
        check_counts([File("a.txt", txt, b"")] * 6)
