"""The terminal client's view of an answer: reasoning blocks, tool calls, output, options."""

from __future__ import annotations

import argparse
import base64
import io
import json

import pytest

from cli.answer import Answer
from cli.options import Options, parse_reasoning, tools_from_json
from cli.turn import payload
from cli.view import DIM, REDACTED_NOTE, UNDIM, View, use_color


class Tty(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_signed_reasoning_is_kept_before_the_text() -> None:
    answer = Answer()
    for piece in ("Let me", " think."):
        answer.add_reasoning({"text": piece})
    answer.add_reasoning({"signature": "c2ln"})
    answer.add_text("Hello")
    answer.add_text(" there")
    assert answer.message() == {
        "role": "assistant",
        "content": [
            {"type": "reasoning", "text": "Let me think.", "signature": "c2ln"},
            {"type": "text", "text": "Hello there"},
        ],
    }


def test_redacted_pieces_are_joined_as_bytes() -> None:
    answer = Answer()
    answer.add_reasoning({"redacted": base64.b64encode(b"secret-").decode()})
    answer.add_reasoning({"redacted": base64.b64encode(b"bytes").decode()})
    answer.add_text("ok")
    message = answer.message()
    assert message is not None
    assert message["content"][0] == {
        "type": "reasoning",
        "redacted": base64.b64encode(b"secret-bytes").decode(),
    }


def test_a_signature_closes_a_block_and_unsigned_reasoning_is_not_handed_back() -> None:
    answer = Answer()
    answer.add_reasoning({"text": "one"})
    answer.add_reasoning({"signature": "s1"})
    answer.add_reasoning({"text": "two"})
    answer.add_reasoning({"signature": "s2"})
    answer.add_reasoning({"redacted": "!!not base64"})  # broken: dropped
    answer.add_reasoning({"text": "unsigned"})  # DeepSeek R1, gpt-oss: no signature
    answer.add_text("answer")
    assert answer.reasoning == [
        {"type": "reasoning", "text": "one", "signature": "s1"},
        {"type": "reasoning", "text": "two", "signature": "s2"},
    ]
    assert answer.unsigned == 1
    unsigned_only = Answer()
    unsigned_only.add_reasoning({"text": "thinking"})
    unsigned_only.add_text("plain")
    assert unsigned_only.message() == {"role": "assistant", "content": "plain"}


def test_no_text_no_turn_to_keep() -> None:
    answer = Answer()
    answer.add_reasoning({"text": "r"})
    answer.add_reasoning({"signature": "s"})
    call = answer.add_tool_call({"id": "t1", "name": "get_weather", "input": {"city": "Paris"}})
    assert (call.id, call.name, dict(call.input)) == ("t1", "get_weather", {"city": "Paris"})
    assert answer.message() is None


def test_reasoning_syntax() -> None:
    assert parse_reasoning("4096") == {"budget_tokens": 4096}
    assert parse_reasoning("1024") == {"budget_tokens": 1024}
    assert parse_reasoning("High") == {"effort": "high"}
    for bad in ("1023", "-5", "max", "", "2.5"):
        with pytest.raises(argparse.ArgumentTypeError, match="token budget"):
            parse_reasoning(bad)


def test_tools_file_shapes() -> None:
    tool = {"name": "get_weather", "input_schema": {"type": "object"}}
    assert tools_from_json([tool]) == {"tools": [tool]}
    both = {"tools": [tool], "tool_choice": {"name": "get_weather"}}
    assert tools_from_json(both) == both
    for bad in ({}, [], {"tools": [tool], "extra": 1}, [{"description": "no name"}], "x"):
        with pytest.raises(ValueError, match="tools"):
            tools_from_json(bad)


def test_a_resume_is_sent_without_reasoning() -> None:
    options = Options(model="m", reasoning={"budget_tokens": 2048}, tools={"tools": [{"a": 1}]})
    messages: list = [{"role": "user", "content": "hi"}]
    first = payload(messages, options)
    assert first["reasoning"] == {"budget_tokens": 2048}
    assert first["tools"] == [{"a": 1}]
    resumed = payload(messages, options, resuming=True)
    assert "reasoning" not in resumed
    assert resumed["tools"] == [{"a": 1}]


def test_reasoning_is_dim_only_with_color_and_hidden_when_quiet() -> None:
    out, err = io.StringIO(), io.StringIO()
    View(out, err, color=True).reasoning("hmm")
    assert err.getvalue() == f"{DIM}hmm{UNDIM}"
    out, err = io.StringIO(), io.StringIO()
    view = View(out, err)
    view.reasoning("hmm")
    view.answer("Hi")
    assert (out.getvalue(), err.getvalue()) == ("Hi", "hmm\n")  # reasoning line ended once
    out, err = io.StringIO(), io.StringIO()
    quiet = View(out, err, quiet=True)
    quiet.reasoning("hmm")
    quiet.redacted()
    quiet.say("[usage]")
    quiet.say("error: x", force=True)
    assert err.getvalue() == "error: x\n"


def test_color_follows_the_terminal_and_no_color() -> None:
    assert use_color(Tty(), {})
    assert not use_color(Tty(), {"NO_COLOR": "1"})
    assert use_color(Tty(), {"NO_COLOR": ""})  # https://no-color.org: set and not empty
    assert not use_color(io.StringIO(), {})


def test_redacted_reasoning_is_one_note() -> None:
    err = io.StringIO()
    view = View(io.StringIO(), err)
    view.redacted()
    view.redacted()
    assert err.getvalue() == REDACTED_NOTE + "\n"


def test_a_tool_call_is_one_json_line_even_when_quiet() -> None:
    err = io.StringIO()
    answer = Answer()
    call = answer.add_tool_call({"id": "tooluse_1", "name": "f", "input": {"q": "caf\u00e9"}})
    View(io.StringIO(), err, quiet=True).tool_call(call)
    line = err.getvalue()
    assert line.endswith("\n")
    assert line.count("\n") == 1
    assert json.loads(line) == {
        "tool_use": {"id": "tooluse_1", "name": "f", "input": {"q": "café"}}
    }


def test_the_answer_line_is_ended_on_a_terminal_or_between_chat_turns() -> None:
    piped = io.StringIO()
    view = View(piped, io.StringIO())
    view.answer("text")
    view.end_answer()
    assert piped.getvalue() == "text"
    view.end_answer(always=True)
    view.end_answer(always=True)
    assert piped.getvalue() == "text\n"
    tty = Tty()
    view = View(tty, io.StringIO())
    view.answer("line\n")
    view.end_answer()
    assert tty.getvalue() == "line\n"  # already ended: no blank line
    view.answer("more")
    view.end_answer()
    assert tty.getvalue() == "line\nmore\n"
