"""Every document the repository names is in the repository (a clone must be able to follow it).

Files cite docs/API.md, docs/PROTOCOLS.md and the rest by name, and the Markdown files link to
each other; a name or link to a document that is not tracked here is a dead end for a reader.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEXT_SUFFIXES = {".py", ".md", ".html", ".js", ".toml", ".txt", ".cfg", ".yml", ".yaml", ".sh"}
MD_NAME = re.compile(r"[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md\b")
MD_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _tracked() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    return [ROOT / line for line in listed.stdout.splitlines()]


def _texts() -> list[Path]:
    return [
        p
        for p in _tracked()
        if (p.suffix in TEXT_SUFFIXES or p.name in {"Makefile", "run", "bootstrap"}) and p.is_file()
    ]


def test_every_markdown_file_named_is_tracked() -> None:
    documents = {p.name for p in _tracked() if p.suffix == ".md"}
    missing = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in _texts()
        for name in MD_NAME.findall(path.read_text(errors="replace"))
        if name.rsplit("/", 1)[-1] not in documents
    }
    assert missing == set()


def test_every_relative_link_in_the_docs_resolves() -> None:
    broken = {
        f"{doc.relative_to(ROOT)}: {target}"
        for doc in _tracked()
        if doc.suffix == ".md"
        for target in MD_LINK.findall(doc.read_text())
        if "://" not in target
        and not target.startswith("mailto:")
        and not (doc.parent / target).exists()
    }
    assert broken == set()


def test_nothing_points_outside_the_repository_for_its_documents() -> None:
    outside = {
        str(path.relative_to(ROOT))
        for path in _texts()
        if path.name != Path(__file__).name and "../shared" in path.read_text(errors="replace")
    }
    assert outside == set()
