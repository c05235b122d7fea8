"""The terminal client beyond text (docs/API.md §11, §12): attachments, reasoning, tool calls,
conversations that hand reasoning back, and the answer's last newline, run as people run it
against the twin (the real function and the local Bedrock)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pty
import subprocess
import sys
import tty
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.chat.proxy import CuttingProxy
from tests.e2e.chat.twin import ROOT, ChatTwin
from tests.e2e.cli_process import ECHO, Run, cli_env, run_cli
from tests.e2e.handler_twin.exchange import post

DEEPSEEK = "us.deepseek.r1-v1:0"
NOVA2 = "us.amazon.nova-2-lite-v1:0"
ESC = "\x1b"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
PDF = b"%PDF-1.7\n" + hashlib.sha256(b"pdf").digest() * 300
CSV = "name,city\nAnn,Z\u00fcrich\n".encode()
WEATHER = {
    "name": "get_weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def events_of(twin: ChatTwin, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The NDJSON events of one request sent straight to the twin (the oracle)."""
    received = post(twin, {**body, "format": "ndjson"})
    assert received.status == 200, received.body
    return [json.loads(line) for line in received.body.splitlines() if line.strip()]


def reasoning_of(events: list[dict[str, Any]]) -> str:
    return "".join(e.get("text", "") for e in events if e["type"] == "reasoning")


def converse_bodies(twin: ChatTwin) -> list[dict[str, Any]]:
    return [r.body for r in twin.bedrock.requests if r.body and "messages" in r.body]


def line_of(kind: str, fmt: str, data: bytes) -> str:
    """What the local Bedrock's `attachments` directive says of one block (docs/API.md §12.5)."""
    return f"{kind} {fmt} {len(data)} {hashlib.sha256(data).hexdigest()[:12]}"


def run_cli_tty(*args: str, stdin: str = "", tty_for: str = "stdout", **env: str) -> Run:
    """Run the client with stdout or stderr on a pseudo-terminal (raw: no \\n -> \\r\\n)."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, tty_for: slave}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        env=cli_env(**env),
        stdin=subprocess.PIPE,
        **streams,  # type: ignore[arg-type]
    )
    os.close(slave)
    assert proc.stdin is not None
    proc.stdin.write(stdin.encode())
    proc.stdin.close()
    on_tty = b""
    try:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError as exc:  # EIO: every writer of the terminal is gone
                if exc.errno != errno.EIO:
                    raise
                break
            if not data:
                break
            on_tty += data
        pipe = proc.stderr if tty_for == "stdout" else proc.stdout
        assert pipe is not None
        other = pipe.read()
        pipe.close()
        proc.wait(timeout=30)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if tty_for == "stdout":
        return Run(proc.returncode, on_tty.decode(), other.decode(), [])
    return Run(proc.returncode, other.decode(), on_tty.decode(), [])


def test_attachments_reach_the_model_byte_for_byte(twin: ChatTwin, tmp_path: Path) -> None:
    image, doc, table = tmp_path / "chart.png", tmp_path / "Q3 report_v2.pdf", tmp_path / "t.csv"
    image.write_bytes(PNG)
    doc.write_bytes(PDF)
    table.write_bytes(CSV)
    twin.bedrock.clear()
    result = run_cli(
        "--url", twin.url,
        "--attach", str(image), "--attach", str(doc), "--attach", str(table),
        "#! attachments",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n") == [
        line_of("image", "png", PNG),
        line_of("document", "pdf", PDF),
        line_of("document", "csv", CSV),
    ]
    [body] = converse_bodies(twin)
    blocks = body["messages"][0]["content"]
    names = [b["document"]["name"] for b in blocks if "document" in b]
    assert names == ["Q3 report v2", "t"]  # sanitized as Bedrock requires
    assert blocks[-1] == {"text": "#! attachments"}  # the prompt after the files


def test_a_bad_attachment_is_refused_before_anything_is_sent(
    twin: ChatTwin, tmp_path: Path
) -> None:
    text_as_png = tmp_path / "fake.png"
    text_as_png.write_text("not an image")
    too_big = tmp_path / "huge.pdf"
    with too_big.open("wb") as handle:
        handle.write(PDF)
        handle.truncate(4_718_593)
    unknown = tmp_path / "pic.bmp"
    unknown.write_bytes(b"BM" + bytes(20))
    cases = {
        str(text_as_png): "is not png data (its content looks like text)",
        str(too_big): "4718593 bytes, more than the 4718592",
        str(unknown): "not a file type Bedrock takes",
        str(tmp_path / "gone.png"): "No such file",
    }
    twin.bedrock.clear()
    for path, reason in cases.items():
        result = run_cli("--url", twin.url, "--attach", path, "hello")
        assert result.returncode == 2, result.stderr
        assert f"error: {path}" in result.stderr
        assert reason in result.stderr
        assert result.stdout == ""
    assert twin.bedrock.requests == []  # nothing was sent


def test_reasoning_goes_to_stderr_and_never_to_stdout(twin: ChatTwin) -> None:
    prompt = "#! think=12 echo\nthe answer"
    expected = reasoning_of(events_of(twin, {"model": DEEPSEEK, "prompt": prompt}))
    assert len(expected) > 20
    result = run_cli("--url", twin.url, "--model", DEEPSEEK, prompt)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "the answer"
    assert expected in result.stderr
    assert ESC not in result.stderr  # not a terminal: no dimming
    quiet = run_cli("--url", twin.url, "--model", DEEPSEEK, "-q", prompt)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == "the answer"
    assert quiet.stderr == ""  # no reasoning, no summary


def test_reasoning_option_asks_for_a_budget_or_an_effort(twin: ChatTwin) -> None:
    prompt = "#! think=10 echo\nfine"
    twin.bedrock.clear()
    claude = run_cli("--url", twin.url, "--reasoning", "2048", prompt)
    assert claude.returncode == 0, claude.stderr
    assert claude.stdout == "fine"
    expected = reasoning_of(
        events_of(twin, {"prompt": prompt, "reasoning": {"budget_tokens": 2048}})
    )
    assert expected in claude.stderr
    nova = run_cli("--url", twin.url, "--model", NOVA2, "--reasoning", "low", prompt)
    assert nova.returncode == 0, nova.stderr
    assert nova.stdout == "fine"
    claude_body, _, nova_body = converse_bodies(twin)
    expected = reasoning_of(
        events_of(twin, {"prompt": prompt, "model": NOVA2, "reasoning": {"effort": "low"}})
    )
    assert expected in nova.stderr
    assert claude_body["additionalModelRequestFields"]["thinking"] == {
        "type": "enabled",
        "budget_tokens": 2048,
    }
    assert nova_body["additionalModelRequestFields"]["reasoningConfig"]["maxReasoningEffort"] == (
        "low"
    )
    bad = run_cli("--url", twin.url, "--reasoning", "lots", "hi")
    assert bad.returncode == 2
    assert "token budget" in bad.stderr


def test_reasoning_is_dimmed_on_a_terminal_unless_no_color(twin: ChatTwin) -> None:
    prompt = "#! think=6 echo\nok"
    dim = run_cli_tty("--url", twin.url, "--model", DEEPSEEK, prompt, tty_for="stderr")
    assert dim.returncode == 0, dim.stderr
    assert "\x1b[2m" in dim.stderr
    assert dim.stdout == "ok"
    plain = run_cli_tty(
        "--url", twin.url, "--model", DEEPSEEK, prompt, tty_for="stderr", NO_COLOR="1"
    )
    assert plain.returncode == 0, plain.stderr
    assert ESC not in plain.stderr


def test_tool_calls_are_json_lines_on_stderr_and_end_the_turn(
    twin: ChatTwin, tmp_path: Path
) -> None:
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps([WEATHER]))
    twin.bedrock.clear()
    result = run_cli(
        "--url", twin.url, "--tools", str(tools), '#! tool=get_weather\n{"city": "Paris"}'
    )
    assert result.returncode == 6, result.stderr
    assert result.stdout == ""
    calls = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert len(calls) == 1
    call = calls[0]["tool_use"]
    assert (call["name"], call["input"]) == ("get_weather", {"city": "Paris"})
    assert call["id"]
    assert "runs no tools" in result.stderr
    [body] = converse_bodies(twin)
    assert [t["toolSpec"]["name"] for t in body["toolConfig"]["tools"]] == ["get_weather"]
    tools.write_text('{"tools": "none"}')
    bad = run_cli("--url", twin.url, "--tools", str(tools), "hi")
    assert bad.returncode == 2
    assert f"error: {tools}" in bad.stderr


def test_chat_hands_signed_reasoning_back_before_the_text(twin: ChatTwin) -> None:
    twin.bedrock.clear()
    result = run_cli(
        "--url", twin.url, "--chat", "--reasoning", "1024",
        stdin="#! think=9\nsecond question\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    _, second = converse_bodies(twin)
    assistant = second["messages"][1]
    assert assistant["role"] == "assistant"
    first, text = assistant["content"]
    reasoning = first["reasoningContent"]["reasoningText"]
    assert reasoning["signature"]
    assert reasoning["text"] in result.stderr  # what was shown is what is handed back
    assert result.stdout.startswith(text["text"] + "\n")


def test_chat_hands_redacted_reasoning_back(twin: ChatTwin) -> None:
    twin.bedrock.clear()
    result = run_cli(
        "--url", twin.url, "--chat", "--reasoning", "1024", stdin="#! redacted\nagain\n"
    )
    assert result.returncode == 0, result.stderr
    assert "[reasoning redacted by the model]" in result.stderr
    _, second = converse_bodies(twin)
    first = second["messages"][1]["content"][0]
    assert first["reasoningContent"]["redactedContent"]


def test_chat_does_not_hand_back_unsigned_reasoning(twin: ChatTwin) -> None:
    # Bedrock refuses reasoning without a signature in a request ("User messages cannot
    # contain reasoning content"; langchain-ai/langchain-aws #401).
    twin.bedrock.clear()
    # (no think=N: that directive signs whatever the model; DeepSeek's own reasoning is unsigned)
    result = run_cli("--url", twin.url, "--chat", "--model", DEEPSEEK, stdin="hello\nnext\n")
    assert result.returncode == 0, result.stderr
    _, second = converse_bodies(twin)
    assistant = second["messages"][1]
    assert all("reasoningContent" not in block for block in assistant["content"])
    assert assistant["content"][0]["text"]


def test_chat_keeps_attachments_in_the_conversation(twin: ChatTwin, tmp_path: Path) -> None:
    image, table = tmp_path / "a.png", tmp_path / "a.csv"
    image.write_bytes(PNG)
    table.write_bytes(CSV)
    twin.bedrock.clear()
    result = run_cli(
        "--url", twin.url, "--chat", "--attach", str(image),
        stdin=f"#! attachments\n/attach {table}\n#! attachments\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    png, csv = line_of("image", "png", PNG), line_of("document", "csv", CSV)
    assert result.stdout == f"{png}\n{png}\n{csv}\n"
    _, second = converse_bodies(twin)
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "user"]
    assert "image" in second["messages"][0]["content"][0]
    assert second["messages"][2]["content"][0]["document"]["name"] == "a"


def cut_after_first_deltas(twin: ChatTwin, body: dict[str, Any]) -> int:
    """A cut offset well inside the deltas: after the reasoning and a few words."""
    received = post(twin, {**body, "format": "ndjson"})
    first_delta = received.body.index(b'"type":"delta"')
    return first_delta + 250  # chunk framing adds a few bytes per event before it


@pytest.mark.parametrize(
    ("model_args", "body_extra", "directives"),
    [
        # Claude reasons only when asked: the resume (sent without reasoning) does not. No
        # `think=N` here: the local Bedrock refuses that directive where the model does not
        # reason, and Claude's default reasoning is enough.
        (["--reasoning", "1024"], {"reasoning": {"budget_tokens": 1024}}, "echo rate=40"),
        # DeepSeek R1 always reasons: the resumed stream reasons again.
        (["--model", DEEPSEEK], {"model": DEEPSEEK}, "think=10 echo rate=40"),
    ],
)
def test_a_resumed_answer_shows_its_reasoning_once(
    twin: ChatTwin, model_args: list[str], body_extra: dict[str, Any], directives: str
) -> None:
    prompt = f"#! {directives}\n{ECHO}"
    reasoning = reasoning_of(events_of(twin, {"prompt": prompt, **body_extra}))
    cut = cut_after_first_deltas(twin, {"prompt": prompt, **body_extra})
    with CuttingProxy(twin.url) as proxy:
        twin.bedrock.clear()
        proxy.cut_next(cut)
        result = run_cli("--url", proxy.url, *model_args, prompt)
        assert proxy.cuts == 1
    assert result.returncode == 0, result.stderr
    assert result.stdout == ECHO
    assert "resuming (1/3)" in result.stderr
    assert result.stderr.count(reasoning) == 1
    first, resumed = converse_bodies(twin)
    assert "thinking" not in resumed.get("additionalModelRequestFields", {})
    assert [c.get("text") for c in resumed["messages"][-1]["content"]] == [
        ECHO[: len(resumed["messages"][-1]["content"][0]["text"])]
    ]
    assert first["messages"] == resumed["messages"][:-1]


def test_the_answer_ends_with_a_newline_on_a_terminal(twin: ChatTwin) -> None:
    one_shot = run_cli_tty("--url", twin.url, "#! echo\nno newline at the end")
    assert one_shot.returncode == 0, one_shot.stderr
    assert one_shot.stdout == "no newline at the end\n"
    has_one = run_cli_tty("--url", twin.url, "#! echo\nends with one\n")
    assert has_one.stdout == "ends with one\n"  # not doubled
    cut_short = run_cli_tty("--url", twin.url, f"#! echo fault=midstream after=3\n{ECHO}")
    assert cut_short.returncode == 1
    assert cut_short.stdout == "word0 word1 word2\n"
    chat = run_cli_tty("--url", twin.url, "--chat", "--max-tokens", "8", stdin="one\ntwo\n")
    assert chat.returncode == 0, chat.stderr
    answers = chat.stdout.split("\n")
    assert len(answers) == 3
    assert answers[-1] == ""
    assert all(answers[:2])
    piped = run_cli("--url", twin.url, "#! echo\nno newline at the end")
    assert piped.stdout == "no newline at the end"  # piped: the answer exactly
