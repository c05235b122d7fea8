"""The chat page in Debian's Chromium, driven by Playwright, against the local twin (issue 6).

The browser comes from the `browser` fixture (tests/e2e/conftest.py): without Chromium these
tests are skipped with one line saying how to get it, and fail under CI=true.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.chat.page_support import (
    ANSWER,
    ARTIFACTS,
    ERROR,
    META,
    chat_bodies,
    cut_answer,
    open_page,
    proxied_page,
    resume,
    send,
    wait_state,
)
from tests.e2e.chat.twin import ChatTwin, running_twin

# Samples the last answer's length, the page state and the live figures every 40 ms.
SAMPLER = """() => {
  window.samples = [];
  setInterval(() => {
    const texts = document.querySelectorAll('.msg.assistant .text');
    const last = texts[texts.length - 1];
    window.samples.push({
      t: performance.now(), len: last ? last.textContent.length : 0,
      state: document.body.dataset.state, rate: document.getElementById('rate').textContent,
      progress: document.getElementById('progress').value,
      live: !document.getElementById('live').hidden,
    });
  }, 40);
}"""


@pytest.fixture
def page(browser: Browser, twin: ChatTwin) -> Iterator[Page]:
    page = open_page(browser, twin.url, viewport={"width": 960, "height": 720})
    yield page
    page.context.close()


def test_text_grows_progressively_with_live_rate_then_usage(page: Page) -> None:
    # Given a model answering 40 tokens at 15 tokens/s (about 2.7 s)
    page.evaluate(SAMPLER)
    # When the prompt is typed and sent with the keyboard (Shift+Enter: newline, Enter: send)
    page.locator("#prompt").press_sequentially("#! rate=15 tokens=40")
    page.press("#prompt", "Shift+Enter")
    page.locator("#prompt").press_sequentially("stream slowly")
    assert page.input_value("#prompt") == "#! rate=15 tokens=40\nstream slowly"
    assert page.locator(".msg").count() == 0
    page.press("#prompt", "Enter")
    assert wait_state(page, "done", "error", "cut") == "done"
    samples = page.evaluate("window.samples")
    # Then the text was seen at many growing lengths while the stream was open
    streaming = [s for s in samples if s["state"] == "streaming"]
    lengths = [s["len"] for s in streaming if s["len"] > 0]
    assert len(set(lengths)) >= 6, lengths
    assert lengths == sorted(lengths)
    first_text = next(s["t"] for s in streaming if s["len"] > 0)
    assert streaming[-1]["t"] - first_text > 1000  # text on screen long before the end
    # and tokens/s and the progress bar moved while streaming
    assert any(s["live"] and s["progress"] >= 5 for s in streaming)
    assert any(float(s["rate"].split()[0]) > 3 for s in streaming)
    # and after `done` the usage and TTFT are shown
    meta = page.locator(META).inner_text()
    assert "40 out tokens" in meta
    assert "TTFT" in meta
    assert page.locator("#live").is_hidden()


def test_stop_halts_growth_at_once(page: Page) -> None:
    send(page, "#! rate=10 tokens=200\na long answer")
    answer = page.locator(ANSWER)
    page.wait_for_function(
        "() => { const t = document.querySelectorAll('.msg.assistant .text');"
        " return t[t.length - 1].textContent.split(' ').length >= 3; }"
    )
    clicked = time.monotonic()
    page.get_by_role("button", name="Stop", exact=True).click()
    assert wait_state(page, "stopped", "done", timeout_s=2) == "stopped"
    assert time.monotonic() - clicked < 2
    stopped_at = answer.inner_text()
    page.wait_for_timeout(1500)  # the model would have sent about 15 more tokens by now
    assert answer.inner_text() == stopped_at
    assert page.locator(META).inner_text() == "Stopped."
    expect(page.get_by_role("button", name="Send", exact=True)).to_be_enabled()
    expect(page.get_by_role("button", name="Stop", exact=True)).to_be_disabled()


def test_in_stream_error_is_shown_and_partial_text_kept(page: Page) -> None:
    echo = "one two three four five six seven eight nine ten"
    send(page, f"#! echo fault=midstream after=5\n{echo}")
    assert wait_state(page, "error", "done", "cut") == "error"
    assert page.locator(ANSWER).inner_text() == "one two three four five"
    error = page.locator(ERROR).inner_text()
    assert "model_stream_error" in error
    assert "kept" in error


def test_status_error_shows_the_json_message(page: Page) -> None:
    page.locator("details summary").click()
    page.fill("#max-tokens", "999999")
    send(page, "hello")
    assert wait_state(page, "error") == "error"
    error = page.locator(ERROR).inner_text()
    assert error.startswith("HTTP 400 invalid_request:")
    assert "max_tokens" in error


def test_history_is_sent_on_the_second_turn_and_screenshot(page: Page, twin: ChatTwin) -> None:
    bodies = chat_bodies(page)
    send(page, "Why stream answers from a Lambda function?")
    assert wait_state(page, "done", "error", "cut", timeout_s=20) == "done"
    first_answer = page.locator(ANSWER).inner_text()
    assert first_answer
    twin.bedrock.clear()
    send(page, "And what happens if the stream is cut?")
    assert wait_state(page, "done", "error", "cut", timeout_s=20) == "done"
    # The page sent the whole conversation as `messages`
    assert bodies[-1]["messages"] == [
        {"role": "user", "content": "Why stream answers from a Lambda function?"},
        {"role": "assistant", "content": first_answer},
        {"role": "user", "content": "And what happens if the stream is cut?"},
    ]
    assert bodies[-1]["format"] == "sse"
    # and the local Bedrock received it, turned into Converse messages by the function
    [messages] = twin.bedrock_messages()
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[1]["content"] == [{"text": first_answer}]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "chat-page-history.png")
    # New chat forgets the conversation
    page.get_by_role("button", name="New chat").click()
    send(page, "#! echo\nfresh")
    assert wait_state(page, "done", "error", "cut") == "done"
    assert bodies[-1]["messages"] == [{"role": "user", "content": "#! echo\nfresh"}]


def test_resume_after_a_cut_stream_appends_only_the_continuation(
    browser: Browser, twin: ChatTwin
) -> None:
    echo = " ".join(f"word{i}" for i in range(30))
    with proxied_page(browser, twin.url) as (page, proxy):
        twin.bedrock.clear()
        proxy.cut_next(400)  # `start` and a few deltas, then mid-event
        send(page, f"#! echo rate=40\n{echo}")
        partial = cut_answer(page, echo)
        assert "cut off" in page.locator(ERROR).inner_text()
        resume(page, echo)
        assert proxy.cuts == 1
    resumed = twin.bedrock_messages()[-1]
    assert resumed[-1] == {"role": "assistant", "content": [{"text": partial}]}


def test_api_key_mode_asks_for_the_key_and_sends_it(browser: Browser) -> None:
    with running_twin("api_key", api_key="page-test-key") as keyed:
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        try:
            bodies_headers: list[str | None] = []
            page.on(
                "request",
                lambda r: (
                    bodies_headers.append(r.headers.get("x-api-key"))
                    if r.url.endswith("/chat")
                    else None
                ),
            )
            page.goto(keyed.url + "/")
            expect(page.locator("#keyform")).to_be_visible()
            expect(page.locator("#key-why")).to_have_text("This deployment needs an API key.")
            page.fill("#apikey", "a-wrong-key")
            page.press("#apikey", "Enter")
            expect(page.locator("#key-why")).to_contain_text("refused")
            expect(page.locator("#keyform")).to_be_visible()
            page.fill("#apikey", "page-test-key")
            page.press("#apikey", "Enter")
            expect(page.locator("#keyform")).to_be_hidden()
            expect(page.locator("#model option")).not_to_have_count(1)
            send(page, "#! echo\nkeyed hello")
            assert wait_state(page, "done", "error", "cut") == "done"
            assert page.locator(ANSWER).inner_text() == "keyed hello"
            assert bodies_headers == ["page-test-key"]
            assert page.evaluate("sessionStorage.getItem('bedrock-stream-api-key')") == (
                "page-test-key"
            )
            # Phone-sized: nothing wider than the screen, the buttons in view
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0
            expect(page.get_by_role("button", name="Send", exact=True)).to_be_in_viewport()
            expect(page.get_by_role("button", name="Stop", exact=True)).to_be_in_viewport()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=ARTIFACTS / "chat-page-phone.png")
        finally:
            context.close()


def test_the_page_sse_parser_is_indifferent_to_chunk_boundaries(page: Page) -> None:
    # The page's own parser (a global of the page's script), fed the same stream in pieces of
    # every size: CRLF, CR and LF line ends, comments, multi-line data, a record cut at the end.
    results = page.evaluate(
        r"""() => {
      const stream = 'event: start\r\ndata: {"id":"x"}\r\n\r\n: keepalive\n\n'
        + 'event: delta\ndata: {"text":"a\\nb"}\n\nevent: delta\rdata: one\rdata: two\r\r\n'
        + 'data: plain\n\nevent: done\ndata: {}\n\nevent: delta\ndata: {"text":"cut';
      const seen = new Set();
      for (let size = 1; size <= stream.length; size++) {
        const got = [];
        const feed = sseParser((name, data) => got.push([name, data]));
        for (let i = 0; i < stream.length; i += size) feed(stream.slice(i, i + size));
        seen.add(JSON.stringify(got));
      }
      return [...seen].map((s) => JSON.parse(s));
    }"""
    )
    assert results == [
        [
            ["start", '{"id":"x"}'],
            ["delta", '{"text":"a\\nb"}'],
            ["delta", "one\ntwo"],
            ["message", "plain"],
            ["done", "{}"],
        ]
    ]


def test_the_page_is_one_self_contained_file(browser: Browser, twin: ChatTwin) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        response = page.goto(twin.url + "/")
        assert response is not None
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        expect(page.locator("#model option")).not_to_have_count(1)
        send(page, "#! echo\nlocal only")
        assert wait_state(page, "done", "error", "cut") == "done"
        # Nothing but the page, GET /models and POST /chat, all at relative URLs of the twin
        assert sorted({url.removeprefix(twin.url) for url in requested}) == [
            "/",
            "/chat",
            "/models",
        ]
    finally:
        context.close()
