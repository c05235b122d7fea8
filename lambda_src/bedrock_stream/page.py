"""The chat page served at GET /: one self-contained HTML file, built once per process."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bedrock_stream.page_build import build_page, is_template, policy

PAGE = Path(__file__).resolve().parent / "static" / "index.html"
# Where the libraries are when the function runs from the source tree (lambda_src in the
# repository: tests and the local twin). The deployed asset's page is built already.
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"


@cache
def chat_page() -> str:
    """The HTML of the chat page: static/index.html, its libraries inlined if not yet done."""
    html = PAGE.read_text(encoding="utf-8")
    return build_page(html, NODE_MODULES) if is_template(html) else html


@cache
def page_headers() -> dict[str, str]:
    """GET /'s security headers: the page's own policy, plus what only a header can say.

    The CSP is the one the page carries in its meta tag (its inline scripts and styles by
    hash, nothing from elsewhere), with `frame-ancestors 'none'` added: a meta tag cannot
    forbid framing. https://www.w3.org/TR/CSP3/#meta-element
    """
    return {
        "Content-Security-Policy": policy(chat_page()) + "; frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff",
    }
