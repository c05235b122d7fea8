"""The chat page's build step (page_build.py) and the page the function serves from source."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from bedrock_stream import page
from bedrock_stream.page_build import PageBuildError, build_page, inline_page, is_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = (
    '<meta http-equiv="Content-Security-Policy" content="{{CSP}}">\n'
    '<script data-inline="marked"></script>\n<style>b { x: y }</style>\n<script>go()</script>\n'
)


def digest(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


def script_bodies(html: str) -> list[str]:
    return re.findall(r"<script>(.*?)</script>", html, re.DOTALL)


def test_library_replaces_its_placeholder_and_the_policy_lists_every_inline_script() -> None:
    html = inline_page(TEMPLATE, {"marked": "/* (MIT) */\r\nvar m;\n//# sourceMappingURL=m.map\n"})

    # CRLF as the HTML parser reads it, the source map comment gone, the license kept
    assert script_bodies(html) == ["\n/* (MIT) */\nvar m;\n", "go()"]
    assert not is_template(html)
    policy = re.search(r'content="([^"]*)"', html)
    assert policy is not None
    scripts = digest("\n/* (MIT) */\nvar m;\n") + " " + digest("go()")
    assert policy.group(1) == (
        f"default-src 'none'; script-src {scripts}; style-src {digest('b { x: y }')}; "
        "img-src data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'"
    )


@pytest.mark.parametrize(
    ("libraries", "problem"),
    [
        ({"marked": "var s = '</script><b>';"}, "script tag"),
        ({"marked": "var s = '<SCRIPT>';"}, "script tag"),
        ({}, "unknown library 'marked'"),
    ],
)
def test_a_library_that_cannot_be_inlined_is_refused(
    libraries: dict[str, str], problem: str
) -> None:
    with pytest.raises(PageBuildError, match=problem):
        inline_page(TEMPLATE, libraries)


def test_the_policy_placeholder_must_be_there_once() -> None:
    with pytest.raises(PageBuildError, match="exactly one"):
        inline_page("<script>go()</script>", {})


def test_missing_node_modules_names_the_file_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(PageBuildError, match=r"marked\.umd\.js is missing.*npm ci"):
        build_page(TEMPLATE, tmp_path)


def test_the_function_serves_the_page_with_its_libraries_when_run_from_source() -> None:
    # lambda_src keeps the placeholders; page.py inlines from the repository's node_modules.
    assert is_template(page.PAGE.read_text())
    html = page.chat_page()
    pins = json.loads((ROOT / "package.json").read_text())["devDependencies"]

    assert not is_template(html)
    marked, purify, app = script_bodies(html)
    assert f"marked v{pins['marked']}" in marked
    assert f"@license DOMPurify {pins['dompurify']}" in purify
    assert "sseParser" in app
    assert all(digest(body) in html for body in (marked, purify, app))
