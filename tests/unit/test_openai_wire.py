"""The OpenAI surface's pure parts: field-name translation, chunk bytes, reasoning blocks."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bedrock_stream.errors import AppError
from bedrock_stream.events import Delta, Done, Error, Reasoning, Start, ToolUse, Usage
from bedrock_stream.openai_compat.chunks import ChunkEncoder
from bedrock_stream.openai_compat.completion import Collector
from bedrock_stream.openai_compat.paths import PathMap
from bedrock_stream.openai_compat.thinking import ThinkingBlocks
from bedrock_stream.openai_compat.wire import ARGUMENT_PIECES, argument_pieces


def test_paths_are_told_by_their_longest_recorded_prefix():
    paths = PathMap()
    paths.add("messages[1]", "messages[4]")
    paths.add("messages[1].content[0]", "messages[3].tool_calls[0]")
    paths.add("messages[1].content[0].input", "messages[3].tool_calls[0].function.arguments")
    paths.add("tool_choice.name", "tool_choice.function.name")
    assert (
        paths.path("messages[1].content[0].input") == "messages[3].tool_calls[0].function.arguments"
    )
    assert paths.path("messages[1].content[0].id") == "messages[3].tool_calls[0].id"
    assert paths.path("messages[1].content[2]") == "messages[4].content[2]"
    assert paths.path("messages[2]") is None
    assert paths.message("messages[1].content[0].id: 'x' answers no tool_use of messages[1]") == (
        "messages[3].tool_calls[0].id: 'x' answers no tool_use of messages[4]"
    )
    assert paths.message("tool_choice.name: 'x' is not declared") == (
        "tool_choice.function.name: 'x' is not declared"
    )


def test_only_a_leading_top_level_name_is_translated():
    paths = PathMap()
    paths.add("reasoning", "reasoning_effort")
    assert (
        paths.message("reasoning: model m cannot reason")
        == "reasoning_effort: model m cannot reason"
    )
    text = "messages[0]: cannot continue while reasoning is on"
    assert paths.message(text) == text


def test_an_error_is_rebuilt_only_when_its_text_changes():
    paths = PathMap()
    paths.add("max_tokens", "max_completion_tokens")
    same = AppError("model_not_allowed", "model 'x' is not allowed here")
    assert paths.error(same) is same
    told = paths.error(AppError("invalid_request", "max_tokens must be bigger than or equal to 1"))
    assert (told.code, told.message) == (
        "invalid_request",
        "max_completion_tokens must be bigger than or equal to 1",
    )


@given(st.text(min_size=2))
def test_arguments_are_cut_into_a_few_pieces_that_join_back(text):
    pieces = argument_pieces(text)
    assert "".join(pieces) == text
    assert 2 <= len(pieces) <= ARGUMENT_PIECES
    assert all(pieces)


def test_redacted_pieces_are_one_block_closed_by_the_next_event():
    blocks = ThinkingBlocks()
    parts = [b"\x00\x01", b"\xff", b"tail"]
    for part in parts:
        assert blocks.add(Reasoning("redacted", base64.b64encode(part).decode())) == []
    closed = blocks.add(Reasoning("text", "next thought"))
    assert closed == [
        {"type": "redacted_thinking", "data": base64.b64encode(b"".join(parts)).decode()}
    ]
    assert blocks.add(Reasoning("signature", "sig")) == [
        {"type": "thinking", "thinking": "next thought", "signature": "sig"}
    ]
    assert blocks.close() == []


def test_unsigned_reasoning_makes_no_block():
    blocks = ThinkingBlocks()
    assert blocks.add(Reasoning("text", "just thinking")) == []
    assert blocks.close() == []


def _records(raw: bytes) -> list[object]:
    text = raw.decode()  # every record is valid UTF-8
    return [json.loads(r[6:]) for r in text.split("\n\n") if r.startswith("data: {")]


def test_chunk_bytes_of_a_short_answer():
    encoder = ChunkEncoder("r1", "m", include_usage=False, created=7)
    out = b"".join(
        encoder.encode(e) for e in (Start("r1", "m"), Delta("Hi"), Done("end_turn", Usage(3, 1)))
    )
    head = '{"id":"chatcmpl-r1","object":"chat.completion.chunk","created":7,"model":"m",'

    def record(delta: str, finish: str) -> str:
        choice = f'"choices":[{{"index":0,"delta":{delta},"finish_reason":{finish}}}]}}'
        return f"data: {head}{choice}\n\n"

    assert out.decode() == (
        record('{"role":"assistant","content":""}', "null")
        + record('{"content":"Hi"}', "null")
        + record("{}", '"stop"')
        + "data: [DONE]\n\n"
    )


def test_a_lone_surrogate_in_tool_input_stays_an_escape_and_the_bytes_stay_utf8():
    encoder = ChunkEncoder("r1", "m", include_usage=False)
    out = encoder.encode(ToolUse("t1", "f", {"text": "a\ud800b", "city": "Zürich"}))
    calls = [r["choices"][0]["delta"]["tool_calls"][0] for r in _records(out)]  # type: ignore[index]
    joined = "".join(c["function"]["arguments"] for c in calls)
    assert json.loads(joined) == {"text": "a\ud800b", "city": "Zürich"}


def test_a_surrogate_pair_split_over_two_reasoning_events_is_rejoined():
    encoder = ChunkEncoder("r1", "m", include_usage=False)
    out = encoder.encode(Reasoning("text", "x\ud83d")) + encoder.encode(Reasoning("text", "\ude42"))
    texts = [r["choices"][0]["delta"]["reasoning_content"] for r in _records(out)]  # type: ignore[index]
    assert "".join(texts) == "x🙂"


def test_an_error_after_text_ends_without_done_marker():
    encoder = ChunkEncoder("r1", "m", include_usage=True)
    out = encoder.encode(Delta("part")) + encoder.encode(Error("throttled", "slow down", True))
    assert not out.endswith(b"data: [DONE]\n\n")
    *_, last = _records(out)
    assert last == {
        "error": {
            "message": "slow down",
            "type": "rate_limit_error",
            "param": None,
            "code": "throttled",
        }
    }


def test_the_collector_keeps_text_reasoning_blocks_and_calls_apart():
    collector = Collector()
    for event in (
        Start("r", "m"),
        Reasoning("redacted", base64.b64encode(b"zz").decode()),
        Reasoning("text", "think"),
        Reasoning("signature", "s"),
        Delta("Calling."),
        ToolUse("t1", "f", {"a": 1}),
        Done("tool_use"),
    ):
        assert collector.collect(event) is False  # nothing is written before the end
    assert collector.message() == {
        "role": "assistant",
        "content": "Calling.",
        "tool_calls": [
            {"id": "t1", "type": "function", "function": {"name": "f", "arguments": '{"a":1}'}}
        ],
        "reasoning_content": "think",
        "thinking_blocks": [
            {"type": "redacted_thinking", "data": base64.b64encode(b"zz").decode()},
            {"type": "thinking", "thinking": "think", "signature": "s"},
        ],
    }


def test_the_error_shape_imports_without_the_surface_and_the_routes_on_first_use():
    # A fresh interpreter: what importing the light part pulls in (a cold start).
    code = (
        "import sys\n"
        "from bedrock_stream.openai_compat.wire import openai_error\n"
        "heavy = [m for m in ('bedrock_stream.chat', 'bedrock_stream.openai_compat.surface')"
        " if m in sys.modules]\n"
        "from bedrock_stream.openai_compat import chat_completions, openai_error as shape\n"
        "from bedrock_stream.openai_compat.surface import chat_completions as route\n"
        "print(heavy, chat_completions is route, shape is openai_error)\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(root / "lambda_src")},
    )
    assert out.stdout.split() == ["[]", "True", "True"]
