"""The chat page served at GET /: one self-contained HTML file, read once per process."""

from __future__ import annotations

from functools import cache
from pathlib import Path

PAGE = Path(__file__).resolve().parent / "static" / "index.html"


@cache
def chat_page() -> str:
    """The HTML of the chat page (static/index.html beside this module)."""
    return PAGE.read_text(encoding="utf-8")
