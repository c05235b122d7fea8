"""Driving the chat page with Playwright: open, send, wait, record (the browser: conftest.py).

The page's Content-Security-Policy forbids `eval`, so the JavaScript handed to
`wait_for_function` and `evaluate` here is always a function (`() => ...`), never a bare
expression (Playwright evaluates expressions with `eval` inside the page).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import Browser, Page, Request, expect

from tests.e2e.chat.proxy import CuttingProxy
from tests.e2e.chat.twin import ROOT

ARTIFACTS = ROOT / "test-artifacts"
README_SHOT = ROOT / "docs" / "chat-page.png"
LAST = ".msg.assistant >> nth=-1"
ANSWER = f"{LAST} >> .text"
ERROR = f"{LAST} >> .error"
META = f"{LAST} >> .meta"
THINKING = f"{LAST} >> .thinking"


def open_page(browser: Browser, url: str, **context: Any) -> Page:
    """A new context and page on the chat page, once the models are loaded."""
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(15_000)
    page.goto(url + "/")
    expect(page.locator("#model option")).not_to_have_count(1, timeout=10_000)
    return page


def send(page: Page, prompt: str) -> None:
    """Type a prompt and press Send."""
    page.fill("#prompt", prompt)
    page.get_by_role("button", name="Send", exact=True).click()


def wait_state(page: Page, *states: str, timeout_s: float = 15) -> str:
    """Wait until the page is in one of `states`; return the state."""
    page.wait_for_function(
        "states => states.includes(document.body.dataset.state)",
        arg=list(states),
        timeout=timeout_s * 1000,
        polling=50,  # not animation frames: a test may hold those
    )
    return str(page.evaluate("() => document.body.dataset.state"))


def chat_bodies(page: Page) -> list[dict[str, Any]]:
    """Start recording the JSON bodies of the page's POST /chat requests."""
    bodies: list[dict[str, Any]] = []

    def on_request(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/chat"):
            bodies.append(json.loads(request.post_data or "{}"))

    page.on("request", on_request)
    return bodies


def choose_model(page: Page, model: str) -> None:
    """Pick a model in the header's model list."""
    page.select_option("#model", model)


def open_options(page: Page) -> None:
    """Unfold Options (if folded)."""
    if page.locator("#options").get_attribute("open") is None:
        page.locator("#options summary").click()


@contextmanager
def proxied_page(browser: Browser, url: str) -> Iterator[tuple[Page, CuttingProxy]]:
    """The chat page reached through a CuttingProxy to ``url``; its context closed afterwards."""
    with CuttingProxy(url) as proxy:
        page = open_page(browser, proxy.url)
        try:
            yield page, proxy
        finally:
            page.context.close()


def cut_answer(page: Page, echo: str) -> str:
    """Wait for the answer to be cut; what arrived of ``echo``, a part and not the whole."""
    assert wait_state(page, "cut", "done", "error") == "cut"
    partial = page.locator(ANSWER).inner_text()
    assert partial
    assert echo.startswith(partial)
    assert partial != echo
    return partial


def resume(page: Page, echo: str) -> None:
    """Press Resume; the answer ends whole, as ``echo``."""
    page.get_by_role("button", name="Resume", exact=True).click()
    assert wait_state(page, "done", "cut", "error") == "done"
    assert page.locator(ANSWER).inner_text() == echo
