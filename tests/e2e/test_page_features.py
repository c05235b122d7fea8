"""The chat page beyond text (docs/API.md §12): reasoning, tool calls and attachments, in
Chromium against the twin running the real function and the local Bedrock."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import struct
import time
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from local.bedrock.answers import reasoning_text
from local.bedrock.parts import redacted_bytes, signature
from tests.e2e.chat.page_support import (
    ANSWER,
    ARTIFACTS,
    ERROR,
    META,
    README_SHOT,
    THINKING,
    chat_bodies,
    choose_model,
    cut_answer,
    open_options,
    open_page,
    proxied_page,
    resume,
    send,
    wait_state,
)
from tests.e2e.chat.twin import ChatTwin

CLAUDE = "global.anthropic.claude-haiku-4-5-20251001-v1:0"  # budget reasoning, images, PDFs
DEEPSEEK = "us.deepseek.r1-v1:0"  # always reasons, text only
NOVA2 = "us.amazon.nova-2-lite-v1:0"  # effort reasoning
TITAN = "amazon.titan-text-express-v1"  # text only, no reasoning
REASONING = f"{THINKING} >> .reasoning"
TOOLS = [
    {
        "name": "get_weather",
        "description": "The weather in a city",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
    }
]
NO_TOOLS = "This chat page does not run tools: there is no result."
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# Samples the last answer's reasoning and text every 30 ms.
SAMPLER = """() => {
  window.samples = [];
  setInterval(() => {
    const last = [...document.querySelectorAll('.msg.assistant')].pop();
    if (!last) return;
    const thinking = last.querySelector('.thinking');
    samples.push({
      reasoning: last.querySelector('.reasoning').textContent.length,
      answer: last.querySelector('.text').textContent.length,
      shown: !thinking.hidden, open: thinking.open, state: document.body.dataset.state,
    });
  }, 30);
}"""


def png(width: int, height: int) -> bytes:
    """A real RGB PNG: a diagonal blue-orange gradient."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(
        b"\x00"
        + b"".join(
            bytes((40 + 200 * (x + y) // (width + height), 110, 235 - 180 * x // width))
            for x in range(width)
        )
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def attachment_line(kind: str, fmt: str, data: bytes) -> str:
    """What the local Bedrock's `attachments` directive says about one block (§12.5)."""
    return f"{kind} {fmt} {len(data)} {hashlib.sha256(data).hexdigest()[:12]}"


def file_payload(name: str, mime: str, data: bytes) -> dict[str, Any]:
    return {"name": name, "mimeType": mime, "buffer": data}


def hand_over(page: Page, how: str, name: str, mime: str, data: bytes) -> None:
    """Give the page a file as a person would: dropped on it, or pasted into the prompt."""
    page.evaluate(
        """([how, name, type, b64]) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], name, { type }));
      const init = { bubbles: true, cancelable: true };
      if (how === 'paste') {
        document.getElementById('prompt')
          .dispatchEvent(new ClipboardEvent('paste', { ...init, clipboardData: transfer }));
      } else {
        const log = document.getElementById('log');
        log.dispatchEvent(new DragEvent('dragover', { ...init, dataTransfer: transfer }));
        log.dispatchEvent(new DragEvent('drop', { ...init, dataTransfer: transfer }));
      }
    }""",
        [how, name, mime, base64.b64encode(data).decode()],
    )


@pytest.fixture
def page(browser: Browser, twin: ChatTwin) -> Iterator[Page]:
    twin.bedrock.clear()
    page = open_page(browser, twin.url, viewport={"width": 960, "height": 900})
    yield page
    page.context.close()


# --- reasoning ---------------------------------------------------------------------------------


def test_thinking_grows_before_the_answer_then_folds_away(page: Page) -> None:
    bodies = chat_bodies(page)
    choose_model(page, DEEPSEEK)
    open_options(page)
    expect(page.locator("#reasoning-always")).to_be_visible()
    expect(page.locator("#reasoning-row")).to_be_hidden()
    page.evaluate(SAMPLER)
    send(page, "#! think=40 rate=25 tokens=20\nwhy is the sky blue")
    assert wait_state(page, "done", "error", "cut", timeout_s=20) == "done"
    samples = page.evaluate("() => samples")
    before = [s for s in samples if s["state"] == "streaming" and s["answer"] == 0]
    growing = sorted({s["reasoning"] for s in before if s["reasoning"] > 0})
    # The reasoning was on screen, growing, in an open section, before any answer text
    assert len(growing) >= 4, growing
    assert all(s["shown"] and s["open"] for s in before if s["reasoning"] > 0)
    # and once the answer streamed, the section was folded away
    answering = [s for s in samples if s["state"] == "streaming" and s["answer"] > 0]
    assert answering
    assert not any(s["open"] for s in answering[1:])
    thinking = page.locator(THINKING)
    expect(thinking).to_be_visible()
    assert thinking.get_attribute("open") is None
    thinking.locator("summary").click()
    # the local Bedrock's reasoning for this prompt, exactly
    expect(page.locator(REASONING)).to_have_text("".join(reasoning_text("why is the sky blue", 40)))
    assert page.locator(ANSWER).inner_text()
    assert "reasoning" not in bodies[-1]  # a model that always reasons has no switch


def test_reasoning_choices_follow_the_model(page: Page) -> None:
    bodies = chat_bodies(page)
    open_options(page)
    options = page.locator("#reasoning option")
    # Claude (budget): efforts or a budget; turning it on makes room in max_tokens
    expect(options).to_have_text(
        ["Off", "Low effort", "Medium effort", "High effort", "Token budget"]
    )
    assert page.input_value("#max-tokens") == "1024"
    page.select_option("#reasoning", "budget")
    assert page.input_value("#max-tokens") == "3072"  # the budget's 2048, and room to answer
    page.fill("#budget", "3000")
    page.locator("#budget").dispatch_event("change")
    assert page.input_value("#max-tokens") == "3072"  # still above the budget: left alone
    send(page, "#! think=6 echo\nbudgeted")
    assert wait_state(page, "done", "error", "cut") == "done"
    assert bodies[-1]["reasoning"] == {"budget_tokens": 3000}
    assert bodies[-1]["max_tokens"] == 3072
    # Nova 2 (effort): efforts only
    choose_model(page, NOVA2)
    expect(options).to_have_text(["Off", "Low", "Medium", "High"])
    page.select_option("#reasoning", "medium")
    send(page, "#! think=3 echo\nwith effort")
    assert wait_state(page, "done", "error", "cut") == "done"
    assert bodies[-1]["reasoning"] == {"effort": "medium"}
    # A model that cannot reason shows no control, and sends none
    choose_model(page, TITAN)
    expect(page.locator("#reasoning-row")).to_be_hidden()
    expect(page.locator("#reasoning-always")).to_be_hidden()
    send(page, "#! echo\nplain")
    assert wait_state(page, "done", "error", "cut") == "done"
    assert "reasoning" not in bodies[-1]


def test_claude_reasoning_goes_back_with_its_signature(page: Page, twin: ChatTwin) -> None:
    bodies = chat_bodies(page)
    open_options(page)
    page.select_option("#reasoning", "low")
    assert page.input_value("#max-tokens") == "2048"
    send(page, "#! think=12 echo\nfirst answer")
    assert wait_state(page, "done", "error", "cut") == "done"
    assert bodies[-1]["reasoning"] == {"effort": "low"}
    page.locator(f"{THINKING} summary").click()
    shown = page.locator(REASONING).inner_text()
    assert shown
    send(page, "#! think=4 echo\nsecond answer")
    assert wait_state(page, "done", "error", "cut") == "done"
    # The first answer went back as it came: the reasoning, signed, then the text
    assert bodies[-1]["messages"][1] == {
        "role": "assistant",
        "content": [
            {"type": "reasoning", "text": shown, "signature": signature(shown)},
            {"type": "text", "text": "first answer"},
        ],
    }
    # and the function handed it to Bedrock as reasoning content
    sent = twin.bedrock_messages()[-1][1]["content"]
    assert sent[0]["reasoningContent"]["reasoningText"] == {
        "text": shown,
        "signature": signature(shown),
    }
    assert page.locator(ANSWER).inner_text() == "second answer"


def test_redacted_reasoning_is_labelled_and_handed_back(page: Page) -> None:
    bodies = chat_bodies(page)
    open_options(page)
    page.select_option("#reasoning", "low")
    send(page, "#! think=5 redacted echo\nsecret")
    assert wait_state(page, "done", "error", "cut") == "done"
    page.locator(f"{THINKING} summary").click()
    expect(page.locator(REASONING)).to_have_text("(redacted reasoning)")
    send(page, "#! echo\nnext")
    assert wait_state(page, "done", "error", "cut") == "done"
    redacted = base64.b64encode(redacted_bytes("secret")).decode()
    assert bodies[-1]["messages"][1]["content"] == [
        {"type": "reasoning", "redacted": redacted},
        {"type": "text", "text": "secret"},
    ]


def test_stop_works_while_the_model_reasons(page: Page) -> None:
    bodies = chat_bodies(page)
    choose_model(page, DEEPSEEK)
    send(page, "#! think=300 rate=10\nthink for a long time")
    page.wait_for_function(
        "() => { const r = document.querySelectorAll('.msg.assistant .reasoning');"
        " return r.length && r[r.length - 1].textContent.split(' ').length >= 4; }"
    )
    clicked = time.monotonic()
    page.get_by_role("button", name="Stop", exact=True).click()
    assert wait_state(page, "stopped", "done", timeout_s=2) == "stopped"
    assert time.monotonic() - clicked < 2
    reasoning = page.locator(REASONING).inner_text()
    page.wait_for_timeout(1000)  # about 10 more reasoning tokens would have come by now
    assert page.locator(REASONING).inner_text() == reasoning
    assert page.locator(ANSWER).inner_text() == ""
    assert page.locator(META).inner_text() == "Stopped."
    expect(page.get_by_role("button", name="Send", exact=True)).to_be_enabled()
    # A turn stopped before any answer does not join the conversation
    send(page, "#! echo\nagain")
    assert wait_state(page, "done", "error", "cut") == "done"
    assert bodies[-1]["messages"] == [{"role": "user", "content": "#! echo\nagain"}]


def test_resume_after_reasoning_continues_without_it_when_the_model_refuses(
    browser: Browser, twin: ChatTwin
) -> None:
    echo = " ".join(f"word{i}" for i in range(80))
    with proxied_page(browser, twin.url) as (page, proxy):
        bodies = chat_bodies(page)
        open_options(page)
        page.select_option("#reasoning", "low")
        proxy.cut_next(1600)  # `start`, the reasoning, some deltas, then mid-event
        # (no think=N: the local Bedrock refuses that directive once reasoning is off)
        send(page, f"#! echo rate=60\n{echo}")
        cut_answer(page, echo)
        resume(page, echo)
        assert "resumed without reasoning" in page.locator(META).inner_text()
        expect(page.locator(ERROR)).to_be_empty()
    # Claude refuses to continue a prefill while thinking (a 400): the page asked again
    # without reasoning, with the same partial answer last.
    first, refused, resumed = bodies
    assert first["reasoning"] == refused["reasoning"] == {"effort": "low"}
    assert "reasoning" not in resumed
    assert refused["messages"] == resumed["messages"]
    assert resumed["messages"][-1]["role"] == "assistant"
    assert echo.startswith(resumed["messages"][-1]["content"])


# --- tool calls --------------------------------------------------------------------------------


def declare_tools(page: Page) -> list[dict[str, Any]]:
    """The page has no tool UI: declare a tool in every /chat request it sends; record them."""
    sent: list[dict[str, Any]] = []

    def add_tools(route: Route) -> None:
        body = {**json.loads(route.request.post_data or "{}"), "tools": TOOLS}
        sent.append(body)
        route.continue_(post_data=json.dumps(body))

    page.route("**/chat", add_tools)
    return sent


def test_tool_calls_are_shown_and_answered_on_the_next_turn(page: Page, twin: ChatTwin) -> None:
    sent = declare_tools(page)
    send(page, '#! tool=get_weather\n{"city": "Paris", "days": [1, 2]}')
    assert wait_state(page, "done", "error", "cut") == "done"
    tool = page.locator(".msg.assistant >> nth=-1 >> .tool")
    expect(tool).to_have_count(1)
    expect(tool.locator(".tool-name")).to_have_text("Tool call: get_weather")
    shown = tool.locator("pre").inner_text()
    assert shown == json.dumps({"city": "Paris", "days": [1, 2]}, indent=2)
    assert "stop: tool_use" in page.locator(META).inner_text()
    send(page, "#! echo\nthanks")
    assert wait_state(page, "done", "error", "cut") == "done"
    call = sent[-1]["messages"][1]["content"]
    assert [block["type"] for block in call] == ["tool_use"]
    assert call[0]["name"] == "get_weather"
    assert call[0]["input"] == {"city": "Paris", "days": [1, 2]}
    # The page runs no tools: the call is answered as an error, before the new text
    assert sent[-1]["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": call[0]["id"], "content": NO_TOOLS,
         "status": "error"},
        {"type": "text", "text": "#! echo\nthanks"},
    ]  # fmt: skip
    assert page.locator(ANSWER).inner_text() == "thanks"
    result = twin.bedrock_messages()[-1][2]["content"][0]["toolResult"]
    assert result["toolUseId"] == call[0]["id"]
    assert result["status"] == "error"


# --- attachments -------------------------------------------------------------------------------


def test_an_attached_png_reaches_the_model_intact_and_stays_in_the_conversation(
    page: Page,
) -> None:
    bodies = chat_bodies(page)
    image = png(48, 32)
    expect(page.get_by_role("button", name="Attach", exact=True)).to_be_visible()
    page.set_input_files("#file", files=[file_payload("gradient.png", "image/png", image)])
    chip = page.locator("#chips .chip")
    expect(chip).to_have_count(1)
    expect(chip).to_contain_text("gradient.png")
    send(page, "#! attachments\nwhat is in this picture?")
    assert wait_state(page, "done", "error", "cut") == "done"
    assert page.locator(ANSWER).inner_text() == attachment_line("image", "png", image)
    expect(page.locator("#chips")).to_be_hidden()
    expect(page.locator(".msg.user >> nth=-1 >> .chip")).to_contain_text("gradient.png")
    assert bodies[-1]["messages"][0]["content"] == [
        {"type": "image", "format": "png", "data": base64.b64encode(image).decode()},
        {"type": "text", "text": "#! attachments\nwhat is in this picture?"},
    ]
    # A second turn: a PDF pasted, another image dropped; the first image is still sent
    second = png(8, 8)
    hand_over(page, "paste", "my_report v2.final.pdf", "application/pdf", PDF)
    hand_over(page, "drop", "small.png", "image/png", second)
    expect(chip).to_have_count(2)
    send(page, "#! attachments\nand these?")
    assert wait_state(page, "done", "error", "cut") == "done"
    assert page.locator(ANSWER).inner_text() == "\n".join(
        [
            attachment_line("image", "png", image),
            attachment_line("document", "pdf", PDF),
            attachment_line("image", "png", second),
        ]
    )
    document = bodies[-1]["messages"][2]["content"][0]
    assert document["name"] == "my report v2 final"  # what Bedrock takes as a name


def test_attachments_are_checked_before_sending(page: Page) -> None:
    bodies = chat_bodies(page)
    too_big = b"\x89PNG\r\n\x1a\n" + bytes(3_932_161 - 8)
    page.set_input_files("#file", files=[file_payload("huge.png", "image/png", too_big)])
    expect(page.locator("#banner")).to_contain_text(
        "huge.png is 3,932,161 bytes: images can be at most 3.75 MB"
    )
    page.set_input_files("#file", files=[file_payload("notes.txt", "text/plain", b"hello")])
    expect(page.locator("#banner")).to_contain_text("only PNG, JPEG, GIF and WebP images and PDF")
    expect(page.locator("#chips")).to_be_hidden()
    # The same document name twice is made unique (Bedrock refuses duplicates in a request)
    for _ in range(2):
        page.set_input_files("#file", files=[file_payload("plan.pdf", "application/pdf", PDF)])
    expect(page.locator("#chips .chip")).to_have_count(2)
    # A chip can be removed before sending
    page.get_by_role("button", name="Remove plan.pdf").first.click()
    expect(page.locator("#chips .chip")).to_have_count(1)
    page.set_input_files("#file", files=[file_payload("plan.pdf", "application/pdf", PDF)])
    send(page, "#! attachments\ntwo plans")
    assert wait_state(page, "done", "error", "cut") == "done"
    names = [b["name"] for b in bodies[-1]["messages"][0]["content"] if b["type"] == "document"]
    assert names == ["plan (2)", "plan"]
    # A model that reads documents but not images offers PDFs only, and says why it refuses
    choose_model(page, TITAN)
    assert page.get_attribute("#file", "accept") == "application/pdf"
    hand_over(page, "drop", "dot.png", "image/png", png(2, 2))
    expect(page.locator("#banner")).to_contain_text(f"{TITAN} does not take images")
    expect(page.locator("#chips")).to_be_hidden()
    # and a text-only model offers no attaching at all
    expect(page.get_by_role("button", name="Attach", exact=True)).to_be_visible()
    choose_model(page, DEEPSEEK)
    expect(page.get_by_role("button", name="Attach", exact=True)).to_be_hidden()


def test_screenshot_with_markdown_thinking_and_an_attachment(page: Page) -> None:
    page.set_viewport_size({"width": 960, "height": 940})
    open_options(page)
    page.select_option("#reasoning", "low")
    page.locator("#options summary").click()  # fold Options away again
    page.set_input_files("#file", files=[file_payload("latency.png", "image/png", png(96, 64))])
    answer = "\n".join(
        [
            "## Streaming through Lambda",
            "",
            "The first token arrives long before the last:",
            "",
            "| measure | p50 |",
            "|---|---|",
            "| time to first token | 310 ms |",
            "| tokens per second | 55.8 |",
            "",
            "```sh",
            'curl -N $URL/chat -d \'{"prompt": "hello"}\'',
            "```",
        ]
    )
    send(page, f"#! think=24 echo rate=80\n{answer}")
    assert wait_state(page, "done", "error", "cut", timeout_s=20) == "done"
    page.locator(f"{THINKING} summary").click()
    page.evaluate("() => { const log = document.getElementById('log'); log.scrollTop = 1e6; }")
    expect(page.locator(f"{ANSWER} >> table")).to_be_in_viewport()
    expect(page.locator(META)).to_be_in_viewport()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "chat-page.png")
    # The README's screenshot is tracked: refreshed on request, so a test run leaves no diff.
    if os.environ.get("UPDATE_SCREENSHOTS") == "1" or not README_SHOT.exists():
        shutil.copy(ARTIFACTS / "chat-page.png", README_SHOT)
