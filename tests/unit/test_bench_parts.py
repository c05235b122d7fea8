"""The benchmark's pure parts: the SSE reader, order statistics, import-time parsing, checks."""

from __future__ import annotations

import math
import random

import pytest

from bench.chain import ChainResult, Sample, _add_chain, _is_text_delta
from bench.cold_start import (
    ImportRow,
    by_package,
    dependencies_of,
    merge_runs,
    parse_importtime,
    top_cumulative,
)
from bench.http_stream import StreamRead
from bench.soak import ConcurrencyResult, exact
from bench.sse import SseEvent, SseParser, delta_text
from bench.stats import percentile
from bench.texts import random_text
from local.bedrock.eventstream import event_message

IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:        80 |         80 | encodings
import time:       120 |        120 |   _io
import time:       900 |       1500 |     botocore.compat
import time:      2000 |       3500 |   botocore
import time:       200 |        200 |       jmespath
import time:       300 |        500 |     bedrock_stream.config
import time:       100 |        600 |   bedrock_stream.app
import time:       100 |       4320 | bedrock_stream.handler
some other line on stderr
"""


def test_sse_events_complete_when_their_blank_line_arrives_across_chunks() -> None:
    parser = SseParser()
    assert parser.feed(b'event: start\ndata: {"id": "r1"}\n', 1.0) == []
    first = parser.feed(b'\nevent: delta\r\ndata: {"text": "h\\u00e9"}\r', 2.0)
    assert first == [SseEvent("start", {"id": "r1"}, 2.0)]
    # The CR that ended the last chunk was the first half of a CRLF.
    rest = parser.feed(b'\n\r\n: keepalive\n\nevent: delta\ndata: {"text": "\xe2\x80', 3.0)
    assert rest == [SseEvent("delta", {"text": "hé"}, 3.0)]
    last = parser.feed(b'\xa8x"}\n\nevent: done\ndata: {}\n\n', 4.0)
    assert [(e.name, e.at) for e in last] == [("delta", 4.0), ("done", 4.0)]
    assert delta_text(first + rest + last) == "hé\u2028x"


def test_sse_data_that_is_not_json_is_kept_as_text() -> None:
    assert SseParser().feed(b"data: [DONE]\n\n", 5.0) == [SseEvent("message", "[DONE]", 5.0)]


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(100, 0, -1)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile(values, 0) == 1.0
    assert percentile([float(v) for v in range(1, 11)], 25) == 3.0  # rank ceil(2.5)
    assert math.isnan(percentile([], 50))


def test_importtime_lines_are_parsed_with_their_depth() -> None:
    rows = parse_importtime(IMPORTTIME)
    assert rows[0] == ImportRow("encodings", 80, 80, 0, parent="")
    assert rows[1] == ImportRow("_io", 120, 120, 1, parent="bedrock_stream.handler")
    assert rows[2].parent == "botocore"
    assert rows[4] == ImportRow("jmespath", 200, 200, 3, parent="bedrock_stream.config")
    assert rows[-1] == ImportRow("bedrock_stream.handler", 100, 4320, 0, parent="")
    assert len(rows) == 8
    assert [r.module for r in top_cumulative(rows, 2)] == ["bedrock_stream.handler", "botocore"]
    assert by_package(rows) == [
        ("botocore", 2900),
        ("bedrock_stream", 500),
        ("jmespath", 200),
        ("_io", 120),
        ("encodings", 80),
    ]


def test_what_our_modules_pull_in_is_counted_where_ours_import_it_first() -> None:
    # botocore.compat comes with botocore, and encodings with the interpreter: not counted.
    assert dependencies_of(parse_importtime(IMPORTTIME)) == [
        ("botocore", 3500),
        ("jmespath", 200),
        ("_io", 120),
    ]


def test_import_times_of_several_starts_merge_to_medians() -> None:
    runs = [
        [ImportRow("boto3", 10, 100, 0), ImportRow("x", 1, 1, 1)],
        [ImportRow("boto3", 30, 300, 0)],
        [ImportRow("boto3", 20, 900, 0)],
    ]
    merged = {row.module: row for row in merge_runs(runs)}
    assert merged["boto3"] == ImportRow("boto3", 20, 300, 0)
    assert merged["x"] == ImportRow("x", 1, 1, 1)


def _read(names_and_texts: list[tuple[str, str]], *, status: int = 200) -> StreamRead:
    events = [
        SseEvent(name, {"text": text} if name == "delta" else {}, float(i))
        for i, (name, text) in enumerate(names_and_texts)
    ]
    return StreamRead(status=status, events=events, complete=True)


@pytest.mark.parametrize(
    ("events", "ok"),
    [
        ([("start", ""), ("delta", "e\u0301 👩"), ("delta", "\r\n"), ("done", "")], True),
        ([("start", ""), ("delta", "é 👩"), ("delta", "\r\n"), ("done", "")], False),  # NFC
        ([("start", ""), ("delta", "e\u0301 \ufffd"), ("delta", "\r\n"), ("done", "")], False),
        ([("start", ""), ("delta", "e\u0301 👩"), ("delta", "\n"), ("done", "")], False),
        ([("start", ""), ("delta", "e\u0301 👩"), ("delta", "\r\n")], False),  # no terminal
        ([("start", ""), ("delta", "e\u0301 👩"), ("delta", "\r\n"), ("error", "")], False),
        ([("delta", "e\u0301 👩"), ("delta", "\r\n"), ("done", "")], False),  # no start
    ],
)
def test_a_stream_is_exact_only_byte_for_byte_and_ended_by_done(
    events: list[tuple[str, str]], ok: bool
) -> None:
    assert exact(_read(events), "e\u0301 👩\r\n") is ok


def test_a_stream_with_an_error_status_or_cut_is_not_exact() -> None:
    good = [("start", ""), ("delta", "x"), ("done", "")]
    assert exact(_read(good), "x")
    assert not exact(_read(good, status=500), "x")
    cut = _read(good)
    cut.complete = False
    assert not exact(cut, "x")


def test_the_largest_level_counts_only_levels_where_every_stream_was_exact() -> None:
    assert ConcurrencyResult({1: 1, 5: 5, 10: 9, 20: 20}).largest_ok == 20
    assert ConcurrencyResult({1: 1, 5: 5, 10: 9}).largest_ok == 5
    assert ConcurrencyResult({1: 0}).largest_ok == 0


def test_chain_latency_is_per_delta_against_the_direct_client_from_emission() -> None:
    # Emitted at different times per stream; arrivals 0.2 ms (direct), 0.7 ms, 0.5 ms later.
    sent = {"d": [10.0, 10.01], "o": [20.0, 20.02], "p": [30.0, 30.03]}
    samples = {
        "direct": Sample("d", deltas=[10.0002, 10.0102], ok=True),
        "ours": Sample("o", deltas=[20.0007, 20.0207], ok=True),
        "peer": Sample("p", deltas=[30.0005, 30.0305], ok=True),
    }
    result = ChainResult(chain_ms={"ours": [], "peer": []})
    assert _add_chain(result, samples, sent, tokens=2)
    assert result.chain_ms["ours"] == pytest.approx([0.5, 0.5])
    assert result.chain_ms["peer"] == pytest.approx([0.3, 0.3])
    assert result.direct_delta_ms == pytest.approx([0.2, 0.2])


def test_a_round_where_a_path_lost_a_delta_adds_nothing() -> None:
    sent = {"d": [1.0, 2.0], "o": [1.0, 2.0], "p": [1.0, 2.0]}
    samples = {
        "direct": Sample("d", deltas=[1.1, 2.1], ok=True),
        "ours": Sample("o", deltas=[1.2], ok=True),
        "peer": Sample("p", deltas=[1.1, 2.1], ok=True),
    }
    result = ChainResult(chain_ms={"ours": [], "peer": []})
    assert not _add_chain(result, samples, sent, tokens=2)
    assert result.chain_ms == {"ours": [], "peer": []}


def test_random_text_is_repeatable_and_mixes_scripts() -> None:
    text = random_text(random.Random(3), 2000)
    assert text == random_text(random.Random(3), 2000)
    assert len(text) >= 2000
    assert len(text.encode()) > len(text) * 1.2  # many multi-byte characters
    assert any(ord(c) > 0xFFFF for c in text)  # four-byte UTF-8 (emoji)


def test_only_text_deltas_are_stamped_as_deltas() -> None:
    text = {"contentBlockIndex": 0, "delta": {"text": "Hi"}}
    reasoning = {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "hm"}}}
    tool = {"contentBlockIndex": 1, "delta": {"toolUse": {"input": "{"}}}
    assert _is_text_delta(event_message("contentBlockDelta", text))
    assert not _is_text_delta(event_message("contentBlockDelta", reasoning))
    assert not _is_text_delta(event_message("contentBlockDelta", tool))
    assert not _is_text_delta(event_message("messageStart", {"role": "assistant"}))
