"""Recorded Bedrock streams, replayed byte for byte to the real function through the twin.

The replay server (tests/e2e/replay) frames each recording as Bedrock does: event-stream
messages with both CRCs and the `p` padding field, cut into HTTP chunks at awkward offsets,
so botocore's own parser reassembles them in the function. The function runs from
lambda_src behind the local Function URL, its AWS_ENDPOINT_URL_BEDROCK_RUNTIME pointed at
the replay server; every assertion is on what an HTTP client receives (SSE and NDJSON).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer

from tests import recorded_streams as rec
from tests.e2e.conftest import Received, fetch
from tests.e2e.handler_twin.wire import parse_ndjson, parse_sse
from tests.e2e.replay.frames import Pause, Replay, frames, wire
from tests.e2e.replay.twin import ReplayTwin, replay_twin

CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0"
COHERE = "cohere.command-text-v14"
TITAN = "amazon.titan-text-express-v1"
FORMATS = ["sse", "ndjson"]
NDJSON_KEEPALIVE = {"type": "keepalive"}

RECORDINGS = {
    "tool_split": Replay("converse-stream", rec.CLAUDE_TEXT_THEN_TOOL),
    "two_tools": Replay("converse-stream", rec.CLAUDE_TWO_TOOLS),
    "reasoning_then_text": Replay(
        "converse-stream", [*rec.DEEPSEEK_R1[:3], Pause(1.0), *rec.DEEPSEEK_R1[3:]]
    ),
    "plain_with_pause": Replay(
        "converse-stream",
        [rec.DEEPSEEK_R1[0], Pause(1.0), *rec.DEEPSEEK_R1[4:]],
    ),
    "guardrail": Replay("converse-stream", rec.CLAUDE_GUARDRAIL),
    "cohere_whole": Replay("invoke-with-response-stream", rec.COHERE_NOT_STREAMED),
    "cohere_generations": Replay("invoke-with-response-stream", rec.COHERE_TWO_GENERATIONS),
    "titan_guardrail": Replay("invoke-with-response-stream", rec.TITAN_GUARDRAIL),
    # frame 3 is the third text delta: two deltas get through, then the CRC check fails
    "bad_checksum": Replay("converse-stream", rec.CLAUDE_TEXT_THEN_TOOL, corrupt=3),
}


def test_the_replayed_bytes_are_what_botocore_reads_split_off_frame_boundaries():
    # The server's own check: real framing (both CRCs, `p` padding), awkward HTTP chunks.
    replay = RECORDINGS["tool_split"]
    pieces = [p for p in wire(replay) if isinstance(p, bytes)]
    sizes = {len(p) for p in pieces}
    assert 1 in sizes
    assert len(sizes) > 3
    messages = frames(replay)
    ends, total = set(), 0
    for message in messages:
        assert isinstance(message, bytes)
        total += len(message)
        ends.add(total)
    cuts, total = set(), 0
    for piece in pieces[:-1]:
        total += len(piece)
        cuts.add(total)
    assert cuts - ends  # most HTTP chunks end inside a frame
    buffer = EventStreamBuffer()
    for piece in pieces:
        buffer.add_data(piece)
    decoded = [json.loads(m.payload) for m in buffer]
    assert len(decoded) == len(rec.CLAUDE_TEXT_THEN_TOOL)
    assert all("p" in d for d in decoded)
    assert decoded[1]["delta"] == {"text": "Certainly! I can"}
    damaged = EventStreamBuffer()
    damaged.add_data(b"".join(m for m in frames(RECORDINGS["bad_checksum"])))
    with pytest.raises(ChecksumMismatch):
        list(damaged)


@pytest.fixture(scope="module")
def twin() -> Iterator[ReplayTwin]:
    with replay_twin(RECORDINGS, {"KEEPALIVE_S": "0.2"}) as running:
        yield running


def chat(twin: ReplayTwin, name: str, fmt: str) -> Received:
    body = {"prompt": f"replay:{name}", "model": CLAUDE, "format": fmt}
    return _post(twin, body)


def native(twin: ReplayTwin, model: str, body: dict[str, Any], fmt: str) -> Received:
    return _post(twin, {"model": model, "native": body, "format": fmt})


def _post(twin: ReplayTwin, body: dict[str, Any]) -> Received:
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    received = fetch(twin.url, "/chat", method="POST", body=raw, headers=headers)
    assert received.status == 200, received.body[:500]
    assert received.complete
    return received


def records(received: Received, fmt: str) -> list[tuple[str, Any]]:
    """(type, data) of every event in order; keepalives are ("keepalive", None)."""
    if fmt == "ndjson":
        out = []
        for record in parse_ndjson(received):
            kind = record.pop("type")
            out.append((kind, None if kind == "keepalive" else record))
        assert NDJSON_KEEPALIVE not in [r for _, r in out]
        return out
    sse = parse_sse(received)
    assert sse.leftover == b""
    out = [(event.name, event.data) for event in sse.events]
    for position, comment in reversed(sse.comments):
        assert comment == "keepalive"
        out.insert(position, ("keepalive", None))
    return out


def events(received: Received, fmt: str) -> list[tuple[str, Any]]:
    return [(kind, data) for kind, data in records(received, fmt) if kind != "keepalive"]


def answer(evs: list[tuple[str, Any]]) -> str:
    return "".join(data["text"] for kind, data in evs if kind == "delta")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_tool_call_split_across_many_deltas(twin, fmt):
    evs = events(chat(twin, "tool_split", fmt), fmt)
    assert [kind for kind, _ in evs] == ["start", *["delta"] * 4, "tool_use", "done"]
    assert answer(evs) == "Certainly! I can help you find out the weather in Berlin."
    assert evs[5][1] == {
        "id": "tooluse_pLGRAmK7TNKoZQ_rntVN_Q",
        "name": "weather_tool",
        "input": {"location": "Berlin"},
    }
    done = evs[-1][1]
    assert done["stop_reason"] == "tool_use"
    assert done["usage"] == {"input_tokens": 364, "output_tokens": 71}
    call = [r for r in twin.replay.received if b"replay:tool_split" in r.body][-1]
    assert (call.operation, call.model) == ("converse-stream", CLAUDE)


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_tool_calls_in_order(twin, fmt):
    evs = events(chat(twin, "two_tools", fmt), fmt)
    calls = [data for kind, data in evs if kind == "tool_use"]
    assert [(c["id"], c["input"]) for c in calls] == [
        ("tooluse_A0jTtaiQTFmqD_cIq8I1BA", {"location": "Berlin"}),
        ("tooluse_LTc2TUMgTRiobK5Z5CCNSw", {"location": "Paris"}),
    ]
    assert [kind for kind, _ in evs][-3:] == ["tool_use", "tool_use", "done"]
    assert answer(evs).endswith("for each city.")


@pytest.mark.parametrize("fmt", FORMATS)
def test_reasoning_then_text_with_keepalives_while_it_reasons(twin, fmt):
    all_records = records(chat(twin, "reasoning_then_text", fmt), fmt)
    evs = [(k, d) for k, d in all_records if k != "keepalive"]
    assert [kind for kind, _ in evs] == [
        "start",
        "reasoning",
        "reasoning",
        "delta",
        "delta",
        "done",
    ]
    assert [data for kind, data in evs if kind == "reasoning"] == [
        {"text": "Okay, the user asks for 2+2."},
        {"text": " That is 4."},
    ]
    assert answer(evs) == "\n\n2 + 2 = 4."  # reasoning is never in the answer
    kinds = [kind for kind, _ in all_records]
    first_reasoning, first_delta = kinds.index("reasoning"), kinds.index("delta")
    # a second of silence after the reasoning, at KEEPALIVE_S=0.2, in both formats
    assert "keepalive" in kinds[first_reasoning:first_delta]


def test_reasoning_in_the_text_format_is_left_out(twin):
    assert chat(twin, "reasoning_then_text", "text").body == b"\n\n2 + 2 = 4."


def test_a_plain_stream_has_no_ndjson_keepalives_but_sse_has(twin):
    ndjson = records(chat(twin, "plain_with_pause", "ndjson"), "ndjson")
    assert "keepalive" not in [kind for kind, _ in ndjson]
    assert answer(ndjson) == "\n\n2 + 2 = 4."
    sse = records(chat(twin, "plain_with_pause", "sse"), "sse")
    assert "keepalive" in [kind for kind, _ in sse]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_guardrail_stop_is_done(twin, fmt):
    evs = events(chat(twin, "guardrail", fmt), fmt)
    assert answer(evs) == "Sorry, the model cannot answer this question."
    kind, done = evs[-1]
    assert (kind, done["stop_reason"]) == ("done", "guardrail_intervened")
    assert "trace" not in done


@pytest.mark.parametrize("fmt", FORMATS)
def test_cohere_without_stream_true(twin, fmt):
    body = {"prompt": "replay:cohere_whole", "max_tokens": 100}
    evs = events(native(twin, COHERE, body, fmt), fmt)
    assert answer(evs) == " Hi! How can I help you today?"
    done = evs[-1][1]
    assert (evs[-1][0], done["stop_reason"]) == ("done", "COMPLETE")
    assert done["usage"] == {"input_tokens": 3, "output_tokens": 9}
    call = [r for r in twin.replay.received if b"cohere_whole" in r.body][-1]
    assert (call.operation, call.model) == ("invoke-with-response-stream", COHERE)
    assert json.loads(call.body) == body  # the native body is passed through as it is


@pytest.mark.parametrize("fmt", FORMATS)
def test_cohere_two_generations_and_its_end_marker(twin, fmt):
    body = {"prompt": "replay:cohere_generations", "stream": True, "num_generations": 2}
    evs = events(native(twin, COHERE, body, fmt), fmt)
    assert answer(evs) == " Hello world"
    assert evs[-1][1]["stop_reason"] == "COMPLETE"


@pytest.mark.parametrize("fmt", FORMATS)
def test_titan_guardrail_with_float_counts(twin, fmt):
    body = {"inputText": "replay:titan_guardrail", "textGenerationConfig": {"maxTokenCount": 50}}
    received = native(twin, TITAN, body, fmt)
    evs = events(received, fmt)
    assert answer(evs) == "Input blocked"
    kind, done = evs[-1]
    assert (kind, done["stop_reason"]) == ("done", "guardrail_intervened")
    assert done["usage"] == {"input_tokens": 6, "output_tokens": 3}
    assert b'"usage":{"input_tokens":6,"output_tokens":3}' in received.body  # ints, not 6.0


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_checksum_is_a_retryable_upstream_error(twin, fmt):
    evs = events(chat(twin, "bad_checksum", fmt), fmt)
    assert [kind for kind, _ in evs] == ["start", "delta", "delta", "error"]
    assert answer(evs) == "Certainly! I can help you find out"  # the text before it is kept
    error = evs[-1][1]
    assert (error["code"], error["retryable"]) == ("upstream_error", True)
    assert "checksum" in error["message"]
