"""Traces under Lambda's tracing context (docs/API.md §13), through the twin with the local daemon.

The real function runs in twin environments with every invocation sampled, so the X-Ray SDK
works as in Lambda: a facade segment from _X_AMZN_TRACE_ID that is never sent, and
subsegments streamed to AWS_XRAY_DAEMON_ADDRESS as they close. The local X-Ray daemon
records what arrives; the assertions are on those segment documents.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.bedrock import BedrockEmulator
from local.function_url import UrlConfig
from local.lambda_env.config import function_segment_id
from local.lambda_env.overrides import LOCAL_MODELS
from local.xray import TraceSummary, XRayDaemon, traced
from tests.e2e.chat.twin import STACK_ENV, serving, stack_settings
from tests.e2e.conftest import Received, fetch
from tests.e2e.handler_twin.wire import parse_sse

FAST = "rate=20000 ttft_ms=0"
HANDLER = "## streaming_handler"
STREAM = "## bedrock_stream"


@dataclass
class TracedTwin:
    url: str
    daemon: XRayDaemon
    trace_file: Path
    logs: list[str]


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TracedTwin]:
    """The stack's function behind the local URL, its traces sent to a local daemon."""
    trace_file = tmp_path_factory.mktemp("traces") / "segments.jsonl"
    settings = stack_settings("bedrock-stream-trace-test")
    logs: list[str] = []
    with (
        XRayDaemon(trace_file=trace_file, on_summary=logs.append) as daemon,
        BedrockEmulator() as bedrock,
        serving(
            traced(settings.function, daemon), UrlConfig(), bedrock_endpoint=bedrock.url, logs=logs
        ) as url,
    ):
        yield TracedTwin(url.base_url, daemon, trace_file, logs)


@dataclass
class Trace:
    """One request's response and the documents and summary of its trace."""

    received: Received
    root: str
    summary: TraceSummary
    documents: list[dict[str, Any]]

    def named(self, name: str) -> dict[str, Any]:
        [found] = [d for d in self.documents if d["name"] == name]
        return found

    def botocore(self) -> dict[str, Any]:
        [found] = [d for d in self.documents if d.get("namespace") == "aws"]
        return found


def traced_request(twin: TracedTwin, path: str = "/chat", body: Any = None) -> Trace:
    """Send a request; wait for its trace's summary (its top-level subsegment arrived)."""
    method = "GET" if body is None else "POST"
    received = fetch(
        twin.url,
        path,
        method=method,
        body=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    header = received.header("X-Amzn-Trace-Id") or ""
    assert header.startswith("Root=1-"), header
    root = header.removeprefix("Root=")
    summary = twin.daemon.wait_summary(root)
    assert summary is not None, f"no trace {root} arrived; logs: {twin.logs[-20:]}"
    documents = [d for d in twin.daemon.documents if d["trace_id"] == root]
    return Trace(received, root, summary, documents)


def flags(document: dict[str, Any]) -> set[str]:
    return {flag for flag in ("error", "throttle", "fault") if document.get(flag)}


def test_a_streamed_answer_is_traced_as_lambda_traces_it(twin: TracedTwin) -> None:
    trace = traced_request(twin, body={"prompt": f"#! echo {FAST}\nhello traced world"})
    done = parse_sse(trace.received).events[-1]
    assert done.name == "done"

    handler, stream, call = trace.named(HANDLER), trace.named(STREAM), trace.botocore()
    # Lambda mode: only subsegments are sent; the facade segment (Lambda's) never is.
    assert {d["type"] for d in trace.documents} == {"subsegment"}
    assert len(trace.documents) == 3
    # Powertools' handler subsegment hangs off Lambda's function segment (the header's Parent).
    assert handler["parent_id"] == function_segment_id(trace.root)
    assert set(handler["annotations"]) == {"ColdStart", "Service"}
    assert handler["annotations"]["Service"] == STACK_ENV["POWERTOOLS_SERVICE_NAME"]
    # The Bedrock stream's subsegment, annotated although the stream is read on another thread.
    assert stream["parent_id"] == handler["id"]
    assert stream["annotations"] == {
        "model": LOCAL_MODELS[0],
        "operation": "ConverseStream",
        "outcome": "done",
        "ttft_ms": done.data["metrics"]["ttft_ms"],
    }
    # botocore's own subsegment for the call, opened on the opener thread, under the stream's.
    assert call["parent_id"] == stream["id"]
    assert (call["name"], call["aws"]["operation"]) == ("bedrock-runtime", "ConverseStream")
    assert call["http"]["response"]["status"] == 200
    assert handler["start_time"] <= stream["start_time"] <= call["start_time"]
    assert call["end_time"] <= stream["end_time"] <= handler["end_time"]
    assert not any(flags(d) for d in trace.documents)
    assert trace.summary.ok


def test_a_refused_call_carries_botocores_error_cause(twin: TracedTwin) -> None:
    trace = traced_request(twin, body={"prompt": "#! fault=access_denied\nno access"})
    assert trace.received.status == 403

    call, stream = trace.botocore(), trace.named(STREAM)
    [exception] = call["cause"]["exceptions"]
    assert exception["type"] == "AccessDeniedException"
    assert "access" in exception["message"].lower()
    assert exception["remote"] is True
    assert call["http"]["response"]["status"] == 403
    assert "error" in flags(call)
    assert stream["annotations"]["outcome"] == "model_access_denied"
    assert "ttft_ms" not in stream["annotations"]
    assert flags(stream) == {"error"}  # a 4xx: the caller's side
    assert not trace.summary.ok
    assert "AccessDeniedException" in trace.summary.line()


def test_a_stream_broken_midway_flags_the_stream_subsegment(twin: TracedTwin) -> None:
    prompt = f"#! echo fault=midstream after=2 {FAST}\none two three four"
    trace = traced_request(twin, body={"prompt": prompt})
    assert parse_sse(trace.received).names[-1] == "error"

    stream, call = trace.named(STREAM), trace.botocore()
    assert stream["annotations"]["outcome"] == "model_stream_error"
    assert isinstance(stream["annotations"]["ttft_ms"], int)
    assert flags(stream) == {"fault"}
    # The call itself succeeded (200): the failure came inside the stream.
    assert (call["http"]["response"]["status"], flags(call)) == (200, set())
    assert "outcome=model_stream_error" in trace.summary.line()
    assert not trace.summary.ok


def test_a_native_request_is_traced_as_invoke_model_with_response_stream(
    twin: TracedTwin,
) -> None:
    body = {"model": "amazon.titan-text-express-v1", "native": {"inputText": "#! echo\nhi"}}
    trace = traced_request(twin, body=body)
    assert trace.received.status == 200

    assert trace.named(STREAM)["annotations"]["operation"] == "InvokeModelWithResponseStream"
    assert trace.botocore()["aws"]["operation"] == "InvokeModelWithResponseStream"


def test_a_request_without_bedrock_has_only_the_handler_subsegment(twin: TracedTwin) -> None:
    trace = traced_request(twin, path="/models")

    assert [d["name"] for d in trace.documents] == [HANDLER]
    assert trace.summary.ok
    assert trace.summary.names == (HANDLER,)


def test_every_document_is_one_line_of_the_trace_file_and_summaries_are_printed(
    twin: TracedTwin,
) -> None:
    trace = traced_request(twin, body={"prompt": f"#! echo {FAST}\nfile me"})

    lines = [json.loads(line) for line in twin.trace_file.read_text().splitlines()]
    assert lines == twin.daemon.documents
    assert [d for d in lines if d["trace_id"] == trace.root] == trace.documents
    [printed] = [line for line in twin.logs if f"trace {trace.root} " in line]
    assert printed == f"[xray] {trace.summary.line()}"
    assert f"{STREAM}, bedrock-runtime ConverseStream" in printed
    assert twin.daemon.rejected == 0
