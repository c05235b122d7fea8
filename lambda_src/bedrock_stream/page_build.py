"""The chat page's build step: its libraries inlined and a Content-Security-Policy that fits.

The page source (static/index.html) names each library with an empty
`<script data-inline="name"></script>` and carries `{{CSP}}` where its policy goes. Building
replaces each with the library's code from node_modules (license header kept) and fills in a
policy that allows exactly the page's own inline scripts and styles, by their sha256, and no
other origin. The asset build (infra/asset.py) writes the result into the deployed asset;
page.py does the same at first use when it runs from the source tree (tests, the local twin).
Standard library only, so that the CDK app can load this file without the function's
dependencies.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

# Library name -> its browser build under node_modules (versions pinned in package.json).
LIBRARIES: Final[Mapping[str, str]] = {
    "marked": "marked/lib/marked.umd.js",
    "dompurify": "dompurify/dist/purify.min.js",
}
CSP_PLACEHOLDER: Final = "{{CSP}}"
_INLINE: Final = re.compile(r'<script data-inline="([a-z]+)"></script>')
_SCRIPT: Final = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_STYLE: Final = re.compile(r"<style>(.*?)</style>", re.DOTALL)
# A source map comment makes developer tools fetch a file the page does not serve.
_SOURCE_MAP: Final = re.compile(r"^//# sourceMappingURL=\S*\s*\Z", re.MULTILINE)
# Inside a script element these would end it early or change how it is parsed.
# https://html.spec.whatwg.org/multipage/scripting.html#restrictions-for-contents-of-script-elements
_UNSAFE_IN_SCRIPT: Final = re.compile(r"</?script", re.IGNORECASE)


class PageBuildError(RuntimeError):
    """The page could not be built (a library is missing or cannot be inlined)."""


def is_template(html: str) -> bool:
    """Whether the page still has placeholders, i.e. it was not built yet."""
    return CSP_PLACEHOLDER in html or _INLINE.search(html) is not None


def _script_body(name: str, code: str) -> str:
    code = _SOURCE_MAP.sub("", code.replace("\r\n", "\n")).rstrip()
    if _UNSAFE_IN_SCRIPT.search(code):
        raise PageBuildError(f"{name} contains a script tag: it cannot be inlined as it is")
    return "\n" + code + "\n"


def _digest(body: str) -> str:
    # CSP hashes cover the element's text as UTF-8, exactly as it stands in the document.
    # https://www.w3.org/TR/CSP3/#match-element-to-source-list
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


def policy(html: str) -> str:
    """The page's CSP: its own inline scripts and styles by hash, same-origin fetches only.

    No 'unsafe-inline', so inline event handlers (`onerror=`, `onclick=`) never run, and no
    other origin for anything: the model's answer cannot make the page load or send a byte
    elsewhere. Images: `data:` (the favicon) and `blob:` (previews of attached files).
    """
    scripts = " ".join(_digest(body) for body in _SCRIPT.findall(html))
    styles = " ".join(_digest(body) for body in _STYLE.findall(html))
    return (
        f"default-src 'none'; script-src {scripts}; style-src {styles}; "
        "img-src data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'"
    )


def inline_page(template: str, libraries: Mapping[str, str]) -> str:
    """The finished page: each library's code in place of its placeholder, then the policy."""

    def library(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in libraries:
            raise PageBuildError(f"the page asks for an unknown library {name!r}")
        return "<script>" + _script_body(name, libraries[name]) + "</script>"

    html = _INLINE.sub(library, template.replace("\r\n", "\n"))
    if html.count(CSP_PLACEHOLDER) != 1:
        raise PageBuildError(f"the page needs exactly one {CSP_PLACEHOLDER} for its policy")
    return html.replace(CSP_PLACEHOLDER, policy(html))


def read_libraries(node_modules: Path) -> dict[str, str]:
    """The code of every library of LIBRARIES, read from a node_modules directory."""
    found = {}
    for name, relative in LIBRARIES.items():
        path = node_modules / relative
        if not path.is_file():
            raise PageBuildError(f"{path} is missing: install the npm packages (`npm ci`)")
        found[name] = path.read_text(encoding="utf-8")
    return found


def build_page(template: str, node_modules: Path) -> str:
    """The finished page from its source and the libraries under node_modules."""
    return inline_page(template, read_libraries(node_modules))
