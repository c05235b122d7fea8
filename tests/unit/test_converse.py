"""The ConverseStream adapter: request shape, event mapping, resume with trailing whitespace."""

from __future__ import annotations

import pytest

from bedrock_stream.converse import ConverseMapper, converse_call, converse_kwargs
from bedrock_stream.events import Delta, Done, Error, Reasoning, ToolUse, Usage
from bedrock_stream.request import ChatRequest, Message

M = "anthropic.claude-3-haiku-20240307-v1:0"


def delta(text: str) -> dict:
    return {"contentBlockDelta": {"delta": {"text": text}, "contentBlockIndex": 0}}


def resume(partial: str) -> ChatRequest:
    return ChatRequest(M, (Message("user", "go"), Message("assistant", partial)))


def test_minimal_request():
    # maxTokens is the request's as the model's rules left it (the defaults from the table:
    # tests/unit/test_converse_request.py).
    assert converse_kwargs(ChatRequest(M, (Message("user", "hi"),), max_tokens=4096)) == {
        "modelId": M,
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
        "inferenceConfig": {"maxTokens": 4096},
    }


def test_events_to_deltas_and_done():
    # docs/API.md §12.2 made reasoning and tool calls part of the stream: they are outputs now
    # (tests/unit/test_converse_mapper.py), never answer text.
    mapper = ConverseMapper()
    out = []
    for event in [
        {"messageStart": {"role": "assistant"}},
        {"contentBlockStart": {"start": {}, "contentBlockIndex": 0}},
        delta("Hi"),
        {
            "contentBlockDelta": {
                "delta": {"reasoningContent": {"text": "hmm"}},
                "contentBlockIndex": 0,
            }
        },
        {
            "contentBlockStart": {
                "start": {"toolUse": {"toolUseId": "t1", "name": "f"}},
                "contentBlockIndex": 1,
            }
        },
        {"contentBlockDelta": {"delta": {"toolUse": {"input": "{"}}, "contentBlockIndex": 1}},
        delta(" there"),
        {"contentBlockDelta": {"delta": {"toolUse": {"input": "}"}}, "contentBlockIndex": 1}},
        {"contentBlockStop": {"contentBlockIndex": 0}},
        {"contentBlockStop": {"contentBlockIndex": 1}},
        {"messageStop": {"stopReason": "max_tokens"}},
        {
            "metadata": {
                "usage": {"inputTokens": 3, "outputTokens": 2, "totalTokens": 5},
                "metrics": {"latencyMs": 9},
            }
        },
        {"somethingNew": {"x": 1}},
    ]:
        out += mapper.feed(event)
    assert [d.text for d in out if isinstance(d, Delta)] == ["Hi", " there"]
    assert out == [Delta("Hi"), Reasoning("text", "hmm"), Delta(" there"), ToolUse("t1", "f", {})]
    assert mapper.finish() == Done("max_tokens", Usage(3, 2))


def test_no_message_stop_is_an_error():
    mapper = ConverseMapper()
    mapper.feed(delta("cut"))
    assert isinstance(mapper.finish(), Error)


def test_resume_without_trailing_whitespace_is_passed_through():
    kwargs = converse_kwargs(resume("Hello"))
    assert kwargs["messages"][-1] == {"role": "assistant", "content": [{"text": "Hello"}]}


@pytest.mark.parametrize(
    ("partial", "sent", "deltas", "expected"),
    [
        # the model repeats the held-back space: it is trimmed once
        ("Hello ", "Hello", [" world"], "world"),
        # a paragraph break held back, the model re-sends it over two deltas
        ("Para one.\n\n", "Para one.", ["\n", "\nPara two"], "Para two"),
        # the model sends only part of it: trimming stops at the first difference
        ("Para one.\n\n", "Para one.", ["\nNext"], "Next"),
        # the model does not repeat it at all
        ("Hello ", "Hello", ["world"], "world"),
    ],
)
def test_resume_with_trailing_whitespace(partial, sent, deltas, expected):
    req = resume(partial)
    assert converse_kwargs(req)["messages"][-1]["content"] == [{"text": sent}]
    mapper = converse_call(req).mapper()
    text = "".join(d.text for raw in deltas for d in mapper.feed(delta(raw)))
    assert text == expected


def test_trimming_applies_only_at_the_start():
    mapper = converse_call(resume("Hi ")).mapper()
    got = [d.text for t in [" a", " b", " "] for d in mapper.feed(delta(t))]
    assert got == ["a", " b", " "]


def test_whitespace_only_assistant_message_is_dropped():
    kwargs = converse_kwargs(resume("  "))
    assert [m["role"] for m in kwargs["messages"]] == ["user"]
