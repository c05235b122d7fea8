"""The local X-Ray daemon (local/xray): datagrams, traces, summaries, file, the SDK's emitter."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from aws_xray_sdk.core.emitters.udp_emitter import UDPEmitter
from aws_xray_sdk.core.models.segment import Segment
from aws_xray_sdk.core.models.subsegment import Subsegment

from bedrock_stream.observability import failure_flags
from local.lambda_env.config import (
    FunctionConfig,
    function_segment_id,
    process_environment,
    trace_id,
)
from local.xray import TraceBook, XRayDaemon, summarize, traced
from local.xray.demo import demo_daemon
from local.xray.protocol import DatagramError, encode_datagram, parse_datagram

ROOT = "1-6b0bef6c-56f858a5dc50cb377553d701"
FACADE = function_segment_id(ROOT)


def sub(
    name: str, ident: str, parent: str, start: float, end: float | None, **extra: Any
) -> dict[str, Any]:
    doc = {"id": ident, "name": name, "trace_id": ROOT, "parent_id": parent, "type": "subsegment",
           "start_time": start, **extra}  # fmt: skip
    if end is None:
        doc["in_progress"] = True
    else:
        doc["end_time"] = end
    return doc


CALL = sub(
    "bedrock-runtime",
    "c1",
    "b1",
    10.02,
    10.05,
    namespace="aws",
    aws={"operation": "ConverseStream"},
)
STREAM_NOTES = {"ttft_ms": 40, "outcome": "done", "model": "m", "operation": "ConverseStream"}
STREAM = sub("## bedrock_stream", "b1", "h1", 10.01, 10.20, annotations=STREAM_NOTES)
HANDLER = sub(
    "## streaming_handler", "h1", FACADE, 10.0, 10.25,
    annotations={"ColdStart": True, "Service": "bedrock-stream"},
)  # fmt: skip


# Datagrams -----------------------------------------------------------------------------------


def test_a_datagram_is_the_header_line_and_one_document() -> None:
    assert parse_datagram(b'{"format":"json","version":1}\n' + json.dumps(CALL).encode()) == CALL
    assert parse_datagram(b'{"format": "json", "version": 1}\n' + json.dumps(CALL).encode()) == CALL
    assert parse_datagram(encode_datagram(HANDLER)) == HANDLER


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (json.dumps(CALL).encode(), "no header line"),
        (b'{"format":"json","version":2}\n{}', "unexpected header"),
        (b"format=json\n{}", "header is not JSON"),
        (b'{"format":"json","version":1}\n{not json', "not JSON"),
        (b'{"format":"json","version":1}\n[1, 2]', "not a JSON object"),
        (b'{"format":"json","version":1}\n{"id": "a", "name": "n"}', "trace_id"),
        (b'{"format":"json","version":1}\n\xff\xfe', "not UTF-8"),
    ],
)
def test_a_bad_datagram_is_refused_with_the_reason(data: bytes, problem: str) -> None:
    with pytest.raises(DatagramError, match=problem):
        parse_datagram(data)


# Traces and summaries ------------------------------------------------------------------------


def test_the_trace_header_is_sampled_on_request_with_a_derived_parent() -> None:
    header = trace_id(now=0x6B0BEF6C, sampled=True)
    root, parent, sampled = header.split(";")

    assert root.startswith("Root=1-6b0bef6c-")
    assert parent == f"Parent={function_segment_id(root.removeprefix('Root='))}"
    assert sampled == "Sampled=1"
    assert trace_id().endswith(";Sampled=0")
    assert function_segment_id(ROOT) != function_segment_id(ROOT[:-1] + "0")
    assert len(FACADE) == 16
    int(FACADE, 16)


def test_the_trace_is_summarized_when_its_top_level_subsegment_arrives() -> None:
    book = TraceBook()

    assert book.add(CALL) is None
    assert book.add(STREAM) is None
    summary = book.add(HANDLER)

    assert summary is not None
    assert summary.line() == (
        f"trace {ROOT} 250 ms ok: ## streaming_handler, ## bedrock_stream, "
        "bedrock-runtime ConverseStream | model=m operation=ConverseStream outcome=done ttft_ms=40"
    )
    # The trace is done: a stray later document starts no summary of its own.
    assert book.add(dict(CALL, id="c2")) is None


def test_an_in_progress_top_level_subsegment_does_not_end_the_trace() -> None:
    book = TraceBook()

    assert book.add(sub("## streaming_handler", "h1", FACADE, 10.0, None)) is None
    assert book.add(HANDLER) is not None


def test_errors_are_summarized_with_their_exception_types() -> None:
    exception = {"id": "e1", "type": "AccessDeniedException", "message": "no", "remote": True}
    failed_call = dict(CALL, error=True, fault=True, cause={"exceptions": [exception]})
    failed_stream = dict(STREAM, error=True, annotations={"outcome": "model_access_denied"})

    summary = summarize([failed_call, failed_stream, HANDLER])

    assert not summary.ok
    assert summary.problems == (
        "## bedrock_stream: error",
        "bedrock-runtime ConverseStream: AccessDeniedException",
    )
    assert " ERROR (## bedrock_stream: error; bedrock-runtime ConverseStream: " in summary.line()


def test_nested_subsegments_and_whole_segments_are_summarized_too() -> None:
    segment = {"id": "s1", "name": "app", "trace_id": ROOT, "start_time": 1.0, "end_time": 1.5,
               "subsegments": [dict(CALL, parent_id="s1", throttle=True)]}  # fmt: skip

    summary = TraceBook().add(segment)

    assert summary is not None
    assert summary.names == ("app", "bedrock-runtime ConverseStream")
    assert summary.duration_ms == 500
    assert summary.problems == ("bedrock-runtime ConverseStream: throttle",)


def test_unfinished_traces_are_forgotten_beyond_the_limit() -> None:
    book = TraceBook(kept=2)
    for n in range(3):
        book.add(dict(CALL, trace_id=f"1-00000000-{n:024x}"))

    assert len(book._open) == 2


# The daemon over UDP -------------------------------------------------------------------------


def test_the_daemon_takes_what_the_sdks_own_emitter_sends(tmp_path: Path) -> None:
    lines: list[str] = []
    with XRayDaemon(trace_file=tmp_path / "t.jsonl", on_summary=lines.append) as daemon:
        emitter = UDPEmitter(daemon.address)
        segment = Segment("facade", entityid=FACADE, traceid=ROOT, sampled=True)
        subsegment = Subsegment("## streaming_handler", "local", segment)
        segment.add_subsegment(subsegment)  # as the recorder does: this sets parent_id
        subsegment.put_annotation("ColdStart", True)
        subsegment.close()
        emitter.send_entity(subsegment)

        summary = daemon.wait_summary(ROOT)

    assert summary is not None
    [document] = daemon.documents
    assert document["name"] == "## streaming_handler"
    assert document["parent_id"] == FACADE
    assert lines == [f"[xray] {summary.line()}"]
    assert [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()] == [
        document
    ]


def test_the_daemon_drops_bad_datagrams_and_goes_on(tmp_path: Path) -> None:
    logged: list[str] = []
    with XRayDaemon(log=logged.append) as daemon:
        host, port = daemon.address.split(":")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(b"garbage", (host, int(port)))
            sender.sendto(encode_datagram(HANDLER), (host, int(port)))
        assert daemon.wait_summary(ROOT) is not None

    assert daemon.rejected == 1
    assert logged == ["[xray] dropped a datagram: no header line"]
    assert daemon.documents == [HANDLER]


def test_the_trace_file_is_appended_to(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"earlier": true}\n')
    with XRayDaemon(trace_file=path) as daemon:
        daemon.receive(encode_datagram(CALL))

    assert path.read_text().splitlines() == [
        '{"earlier": true}',
        json.dumps(CALL, separators=(",", ":")),
    ]


def test_wait_summary_gives_up_after_its_timeout() -> None:
    with XRayDaemon() as daemon:
        started = time.monotonic()
        assert daemon.wait_summary(ROOT, timeout=0.05) is None
        assert time.monotonic() - started < 5


# The demo's daemon and the function's environment ------------------------------------------


def test_the_demo_daemon_reads_local_trace_file_and_samples_the_function(tmp_path: Path) -> None:
    logged: list[str] = []
    daemon = demo_daemon({"LOCAL_TRACE_FILE": str(tmp_path / "demo.jsonl")}, logged.append)
    try:
        function = traced(FunctionConfig(task_root=tmp_path, handler="h.handler"), daemon)
        env = process_environment(function, "127.0.0.1:9001", caller={})
        daemon.receive(encode_datagram(HANDLER))
    finally:
        daemon.stop()

    assert function.traced
    assert env["AWS_XRAY_DAEMON_ADDRESS"] == daemon.address
    assert logged[0] == (
        f"X-Ray daemon: udp://{daemon.address} (every request sampled; "
        f"segment documents appended to {tmp_path / 'demo.jsonl'})"
    )
    assert logged[1].startswith(f"[xray] trace {ROOT} 250 ms ok: ")
    assert json.loads((tmp_path / "demo.jsonl").read_text()) == HANDLER


def test_without_a_daemon_the_function_is_not_sampled(tmp_path: Path) -> None:
    function = FunctionConfig(task_root=tmp_path, handler="h.handler")

    assert not function.traced
    assert (
        process_environment(function, "x", caller={})["AWS_XRAY_DAEMON_ADDRESS"] == "127.0.0.1:2000"
    )


# The function's side: which X-Ray flags a failed stream gets ---------------------------------


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("done", ()),
        ("invalid_request", ("error",)),
        ("model_access_denied", ("error",)),
        ("throttled", ("error", "throttle")),
        ("upstream_error", ("fault",)),
        ("model_stream_error", ("fault",)),
        ("upstream_stalled", ("fault",)),
        ("deadline", ("fault",)),
        ("internal", ("fault",)),
    ],
)
def test_failure_flags_follow_the_http_class_of_the_outcome(
    outcome: str, expected: tuple[str, ...]
) -> None:
    assert failure_flags(outcome) == expected
