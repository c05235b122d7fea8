"""Wire encoders byte for byte: SSE, NDJSON and text, including awkward text."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bedrock_stream.encoders import (
    ENCODERS,
    NdjsonEncoder,
    SseEncoder,
    TextEncoder,
    choose_format,
    stream_head,
)
from bedrock_stream.events import Delta, Done, Error, Metrics, Reasoning, Start, ToolUse, Usage

DONE = Done("end_turn", Usage(12, 230), Metrics(310, 4120, 55.8))
ERROR = Error("upstream_stalled", "no event from Bedrock for 60 s", retryable=True)


def test_sse_exact_bytes():
    enc = SseEncoder()
    assert (
        enc.encode(Start("req-1", "m-1")) == b'event: start\ndata: {"id":"req-1","model":"m-1"}\n\n'
    )
    assert enc.encode(Delta("Hi")) == b'event: delta\ndata: {"text":"Hi"}\n\n'
    assert enc.encode(DONE) == (
        b'event: done\ndata: {"stop_reason":"end_turn",'
        b'"usage":{"input_tokens":12,"output_tokens":230},'
        b'"metrics":{"ttft_ms":310,"duration_ms":4120,"output_tokens_per_s":55.8}}\n\n'
    )
    assert enc.encode(ERROR) == (
        b'event: error\ndata: {"code":"upstream_stalled",'
        b'"message":"no event from Bedrock for 60 s","retryable":true}\n\n'
    )
    assert enc.keepalive == b": keepalive\n\n"


@pytest.mark.parametrize(
    ("text", "sse_data"),
    [
        ("a\nb", b'{"text":"a\\nb"}'),
        ("a\r\nb\rc", b'{"text":"a\\r\\nb\\rc"}'),
        ("data: x\n\nevent: done", b'{"text":"data: x\\n\\nevent: done"}'),
        ("\U0001f642 na\u00efve \u6f22", '{"text":"\U0001f642 na\u00efve \u6f22"}'.encode()),
        ('quote " and \\ back', b'{"text":"quote \\" and \\\\ back"}'),
        ("\u2028sep\u0000nul\x85", b'{"text":"\\u2028sep\\u0000nul\\u0085"}'),
    ],
)
def test_sse_text_is_one_json_data_line(text, sse_data):
    out = SseEncoder().encode(Delta(text))
    assert out == b"event: delta\ndata: " + sse_data + b"\n\n"
    # framing survives: exactly one data line, no raw CR/LF inside it
    assert out.count(b"\n") == 3
    assert b"\r" not in out
    assert json.loads(out.split(b"data: ", 1)[1])["text"] == text


def test_ndjson_exact_bytes():
    enc = NdjsonEncoder()
    assert enc.encode(Start("r", "m")) == b'{"type":"start","id":"r","model":"m"}\n'
    assert enc.encode(Delta("a\nb\r")) == b'{"type":"delta","text":"a\\nb\\r"}\n'
    assert enc.encode(ERROR) == (
        b'{"type":"error","code":"upstream_stalled",'
        b'"message":"no event from Bedrock for 60 s","retryable":true}\n'
    )
    assert (
        enc.encode(Done("max_tokens")) == b'{"type":"done","stop_reason":"max_tokens","usage":{}}\n'
    )
    assert enc.keepalive is None


def test_text_exact_bytes():
    enc = TextEncoder()
    assert enc.encode(Start("r", "m")) == b""
    assert enc.encode(Delta("data: \U0001f642\r\n")) == "data: \U0001f642\r\n".encode()
    assert enc.encode(DONE) == b""
    assert (
        TextEncoder().encode(ERROR)
        == b"\n[error upstream_stalled: no event from Bedrock for 60 s]\n"
    )
    assert enc.keepalive is None


def test_text_error_line_stays_one_line():
    # docs/API.md §3: "appends a line `\n[error <code>: <message>]\n`", whatever the message holds.
    error = Error("model_stream_error", "Bedrock said:\nfirst\r\nsecond\u2028third\r", True)
    out = TextEncoder().encode(error).decode()
    assert out == "\n[error model_stream_error: Bedrock said: first second third ]\n"
    assert out.splitlines() == ["", out.strip("\n")]


@pytest.mark.parametrize("fmt", sorted(ENCODERS))
def test_surrogate_pair_split_across_deltas_is_rejoined(fmt):
    # A model (or JSON escape) can split an astral character into two UTF-16 halves.
    enc = ENCODERS[fmt]()
    first = enc.encode(Delta("ok \ud83d"))
    second = enc.encode(Delta("\ude42!"))
    joined = _texts(fmt, first + second)
    assert joined == "ok \U0001f642!"


@pytest.mark.parametrize("fmt", sorted(ENCODERS))
def test_lone_surrogate_at_the_end_becomes_replacement_char(fmt):
    enc = ENCODERS[fmt]()
    out = enc.encode(Delta("x\ud83d")) + enc.encode(Done("end_turn"))
    assert "\ufffd" in out.decode("utf-8")


@pytest.mark.parametrize("fmt", sorted(ENCODERS))
def test_any_split_of_multibyte_text_reassembles_exactly(fmt):
    text = "h\u00e9\U0001f469\u200d\U0001f4bb \u6f22\u5b57\r\n\U0001f1eb\U0001f1f7"
    for cut in range(len(text) + 1):
        enc = ENCODERS[fmt]()
        out = enc.encode(Delta(text[:cut])) + enc.encode(Delta(text[cut:]))
        assert _texts(fmt, out) == text


def _texts(fmt: str, data: bytes) -> str:
    decoded = data.decode("utf-8")
    if fmt == "text":
        return decoded
    if fmt == "ndjson":
        return "".join(json.loads(line)["text"] for line in decoded.splitlines() if line)
    records = [r for r in decoded.split("\n\n") if r]
    return "".join(json.loads(r.split("data: ", 1)[1])["text"] for r in records)


@pytest.mark.parametrize(
    ("explicit", "accept", "expected"),
    [
        (None, "", "sse"),
        (None, "*/*", "sse"),
        (None, "text/event-stream", "sse"),
        (None, "application/x-ndjson", "ndjson"),
        (None, "text/plain", "text"),
        (None, "text/html,application/xhtml+xml", "sse"),
        (None, "text/plain;q=0.5, application/x-ndjson", "ndjson"),
        (None, "TEXT/PLAIN; charset=utf-8", "text"),
        ("text", "text/event-stream", "text"),
        ("ndjson", "text/plain", "ndjson"),
        ("sse", "application/x-ndjson", "sse"),
        # q-values against wildcards: a wildcard is "anything else" (docs/API.md §3), i.e. SSE.
        (None, "text/plain;q=0.5, */*", "sse"),
        (None, "*/*, text/plain", "text"),
        (None, "*/*;q=0.1, text/plain", "text"),
        (None, "text/plain, */*;q=0.1", "text"),
        (None, "text/plain;q=0, */*", "sse"),
        (None, "text/plain;q=0", "sse"),
        (None, "text/*;q=1, application/x-ndjson;q=0.5", "sse"),
        (None, "application/*", "sse"),
        (None, "text/event-stream;q=0, application/x-ndjson;q=0.1", "ndjson"),
        (None, "application/x-ndjson, text/event-stream", "ndjson"),
        (None, "text/plain;Q=0.2, application/x-ndjson;q=0.3", "ndjson"),
        (None, "text/plain ; q = 0.4 , application/x-ndjson;q=0.3", "text"),
        (None, "text/plain;q=nan, application/x-ndjson;q=0.1", "ndjson"),
    ],
)
def test_choose_format(explicit, accept, expected):
    assert choose_format(explicit, {"accept": accept}) == expected


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("sse", "text/event-stream; charset=utf-8"),
        ("ndjson", "application/x-ndjson"),
        ("text", "text/plain; charset=utf-8"),
    ],
)
def test_stream_head(fmt, content_type):
    _, head = stream_head(fmt, "req-9")
    assert head.status == 200
    assert head.headers["Content-Type"] == content_type
    assert head.headers["Cache-Control"] == "no-cache"
    assert head.headers["X-Request-Id"] == "req-9"


# Characters that break framing if mishandled, drawn often.
TRICKY_CHARS = st.sampled_from(["\n", "\r", "\x85", "\u2028", "\u2029", ":", "\U0001f642", "\x00"])


def _delta_texts(fmt: str, data: bytes) -> str:
    """The joined delta texts of a whole response (start/done records included)."""
    decoded = data.decode("utf-8")
    if fmt == "text":
        return decoded
    if fmt == "ndjson":
        records = [json.loads(line) for line in decoded.splitlines() if line]
        return "".join(r["text"] for r in records if r["type"] == "delta")
    out = []
    for record in decoded.split("\n\n"):
        if record.startswith("event: delta\n"):
            out.append(json.loads(record.split("data: ", 1)[1])["text"])
    return "".join(out)


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)) | TRICKY_CHARS, max_size=60),
    cuts=st.lists(st.integers(min_value=0, max_value=60), max_size=6),
    fmt=st.sampled_from(sorted(ENCODERS)),
)
def test_property_any_text_any_split_reassembles_exactly(text, cuts, fmt):
    points = sorted({min(c, len(text)) for c in cuts} | {0, len(text)})
    pieces = [text[a:b] for a, b in itertools.pairwise(points)]
    enc = ENCODERS[fmt]()
    out = enc.encode(Start("r", "m"))
    out += b"".join(enc.encode(Delta(p)) for p in pieces) + enc.encode(Done("end_turn"))
    # str.splitlines() is used on purpose: a naive line splitter must not break a record
    assert _delta_texts(fmt, out) == text


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=40))
def test_property_utf16_halves_are_rejoined(text):
    # Split every astral character into its UTF-16 halves, one delta each.
    halves = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    units = [
        ch
        for c in halves
        for ch in (
            [c]
            if ord(c) < 0x10000
            else [
                chr(0xD800 + ((ord(c) - 0x10000) >> 10)),
                chr(0xDC00 + ((ord(c) - 0x10000) & 0x3FF)),
            ]
        )
    ]
    enc = TextEncoder()
    out = b"".join(enc.encode(Delta(u)) for u in units) + enc.encode(Done("end_turn"))
    expected = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    assert out.decode("utf-8") == expected


# --- docs/API.md §12.2: reasoning, tool_use, cache usage ------------------------------------------

REASONING = Reasoning("text", "Let me think:\nfirst")
SIGNATURE = Reasoning("signature", "ErUBCkYIARgC")
REDACTED = Reasoning("redacted", "U29tZSBlbmNyeXB0ZWQ=")
TOOL = ToolUse("tooluse_1", "get_weather", {"city": "Paris", "days": [1, 2], "ok": True})
CACHED = Done("tool_use", Usage(12, 30, 1024, 0), Metrics(310, 4120, 7.3))


def test_sse_new_events_exact_bytes():
    enc = SseEncoder()
    assert enc.encode(REASONING) == (
        b'event: reasoning\ndata: {"text":"Let me think:\\nfirst"}\n\n'
    )
    assert enc.encode(SIGNATURE) == b'event: reasoning\ndata: {"signature":"ErUBCkYIARgC"}\n\n'
    assert enc.encode(REDACTED) == (
        b'event: reasoning\ndata: {"redacted":"U29tZSBlbmNyeXB0ZWQ="}\n\n'
    )
    assert enc.encode(TOOL) == (
        b'event: tool_use\ndata: {"id":"tooluse_1","name":"get_weather",'
        b'"input":{"city":"Paris","days":[1,2],"ok":true}}\n\n'
    )
    assert enc.encode(CACHED) == (
        b'event: done\ndata: {"stop_reason":"tool_use","usage":{"input_tokens":12,'
        b'"output_tokens":30,"cache_read_input_tokens":1024,"cache_write_input_tokens":0},'
        b'"metrics":{"ttft_ms":310,"duration_ms":4120,"output_tokens_per_s":7.3}}\n\n'
    )


def test_ndjson_new_events_exact_bytes():
    enc = NdjsonEncoder()
    assert enc.encode(REASONING) == b'{"type":"reasoning","text":"Let me think:\\nfirst"}\n'
    assert enc.encode(SIGNATURE) == b'{"type":"reasoning","signature":"ErUBCkYIARgC"}\n'
    assert enc.encode(REDACTED) == b'{"type":"reasoning","redacted":"U29tZSBlbmNyeXB0ZWQ="}\n'
    assert enc.encode(TOOL) == (
        b'{"type":"tool_use","id":"tooluse_1","name":"get_weather",'
        b'"input":{"city":"Paris","days":[1,2],"ok":true}}\n'
    )
    assert enc.encode(CACHED) == (
        b'{"type":"done","stop_reason":"tool_use","usage":{"input_tokens":12,'
        b'"output_tokens":30,"cache_read_input_tokens":1024,"cache_write_input_tokens":0},'
        b'"metrics":{"ttft_ms":310,"duration_ms":4120,"output_tokens_per_s":7.3}}\n'
    )


def test_text_format_carries_the_answer_only():
    enc = TextEncoder()
    out = b"".join(
        enc.encode(e) for e in [REASONING, Delta("Hi"), TOOL, REDACTED, Delta(" there"), CACHED]
    )
    assert out == b"Hi there"


def test_ndjson_keepalive_only_once_the_model_has_reasoned():
    enc = NdjsonEncoder()
    for event in [Start("r", "m"), Delta("a"), TOOL]:
        enc.encode(event)
        assert enc.keepalive is None  # §3 streams have no NDJSON keepalives
    enc.encode(SIGNATURE)
    assert enc.keepalive == b'{"type":"keepalive"}\n'
    assert json.loads(enc.keepalive) == {"type": "keepalive"}
    enc.encode(Delta("b"))
    assert enc.keepalive == b'{"type":"keepalive"}\n'  # and from then on


def test_sse_keepalive_at_any_time_and_text_never():
    assert SseEncoder().keepalive == b": keepalive\n\n"
    text = TextEncoder()
    text.encode(REASONING)
    assert text.keepalive is None


@pytest.mark.parametrize("fmt", sorted(ENCODERS))
def test_reasoning_between_surrogate_halves_keeps_the_answer_exact(fmt):
    enc = ENCODERS[fmt]()
    out = b"".join(enc.encode(e) for e in [Delta("ok \ud83d"), REASONING, TOOL, Delta("\ude42!")])
    assert _texts(fmt, _only_deltas(fmt, out)) == "ok \U0001f642!"


@pytest.mark.parametrize("fmt", ["sse", "ndjson"])
def test_lone_surrogates_in_reasoning_and_tool_input_become_replacement_chars(fmt):
    enc = ENCODERS[fmt]()
    out = enc.encode(Reasoning("text", "a\ud800b")) + enc.encode(
        ToolUse("t", "f", {"k\udc00": "v\ud83d"})
    )
    decoded = out.decode("utf-8")  # would raise on a raw surrogate
    assert decoded.count("\ufffd") == 3


def _only_deltas(fmt: str, data: bytes) -> bytes:
    """The delta records of a structured body (a text body is all answer)."""
    if fmt == "text":
        return data
    sep = "\n" if fmt == "ndjson" else "\n\n"
    records = data.decode("utf-8").split(sep)
    kept = [r for r in records if '"text"' in r and "reasoning" not in r]
    return sep.join(kept).encode()
