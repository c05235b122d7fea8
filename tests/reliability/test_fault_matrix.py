"""The fault matrix: every fault, in every wire format, through HTTP (docs/API.md §4, §5).

For each cell the real function runs behind the local Function URL and calls the local
Bedrock, and the test asserts: the exact status or terminal event the client sees; the text
sent before the fault, kept; Bedrock's stream closed (the local Bedrock recorded how it ended:
refused, completed, closed by the function, or reset by the fault); and the environment
serving the next request (the same one, unless the fault broke it). docs/RELIABILITY.md
shows the same table with its outcomes.

Cell values: `done`; `error <code>`: an in-stream terminal `error` event (OpenAI streaming: a
`data: {"error": ...}` chunk; text: the `[error <code>: ...]` line); `<status> <code>`: an
error before the first byte (the function's JSON, OpenAI's shape, or, when the platform
answered, Lambda's `errorType`); `cut`: the body stops without a terminal event (the client
can tell the stream was cut off, docs/API.md §3); `left`: the client went away after the third
delta, and the function finished its answer anyway.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Literal

import pytest

from local.lambda_env import FaultPlan, InvocationFaults
from tests.e2e.chat.twin import ROOT, ChatTwin, running_twin
from tests.e2e.handler_twin.exchange import echo, post, request_record
from tests.e2e.handler_twin.wire import log_docs
from tests.reliability.matrix_support import (
    AFTER,
    ANSWER,
    THINK,
    WIRES,
    Wire,
    kept,
    new_marker,
    new_starts,
    send,
    send_and_leave,
)
from tests.reliability.seen import Seen, leaks, seen

FAST = "ttft_ms=0 rate=100000"
PACED = "ttft_ms=0 rate=50"  # 30 words in 0.6 s: the fault lands while Bedrock still streams
SLOW = "ttft_ms=0 rate=20"  # 30 words in 1.5 s: longer than the deadline twin's 1 s

# fault -> what the client of each format sees; "*" is every format not named. OpenAI clients
# get OpenAI's error codes (openai_compat.py); an answer that is not streamed gets the status
# of the same failure instead of an in-stream event (errors.py STREAM_TO_HTTP).
MATRIX: dict[str, dict[str, str]] = {
    # Bedrock refuses the call: a status before the first byte (docs/API.md §4), after our own
    # retries where Bedrock's error is retryable (throttling, not ready, unavailable).
    "throttle": {"*": "429 throttled"},
    "access_denied": {"*": "403 model_access_denied"},
    "validation": {"*": "400 invalid_request"},
    "model_not_ready": {"*": "503 model_not_ready"},
    "model_timeout": {"*": "504 upstream_timeout"},
    "unavailable": {"*": "503 unavailable"},
    # Bedrock fails after AFTER answer pieces (text deltas; tool input pieces for the tool call).
    "midstream": {
        "*": "error model_stream_error",
        "openai_stream": "error upstream_error",
        "openai": "502 upstream_error",
    },
    "midstream_internal": {"*": "error upstream_error", "openai": "502 upstream_error"},
    "midstream_throttle": {"*": "error throttled", "openai": "429 throttled"},
    "stall": {
        "*": "error upstream_stalled",
        "openai_stream": "error upstream_timeout",
        "openai": "504 upstream_timeout",
    },
    "reset": {"*": "error upstream_error", "openai": "502 upstream_error"},
    "no_stop": {"*": "error upstream_error", "openai": "502 upstream_error"},
    # The function's own deadline: it stops DEADLINE_MARGIN_S before the timeout (docs/API.md §5).
    "deadline": {
        "*": "error deadline",
        "openai_stream": "error upstream_timeout",
        "openai": "504 upstream_timeout",
    },
    # The platform fails under the function: nobody is left to write a terminal event.
    # A process killed before it wrote a byte is Lambda's 502 with its error type.
    "process_killed": {"*": "cut", "openai": "502 Runtime.ExitError"},
    "runtime_api_reset": {"*": "cut"},
    "runtime_api_500": {"*": "cut"},
    # The client leaves: the function is not told (docs/PROTOCOLS.md §3.2) and finishes.
    "client_left": {"*": "left"},
}


def _after_chunks(wire: Wire) -> int:
    """Response chunks before a platform fault: the prelude, what precedes the text, and
    AFTER deltas (a tool call's single event comes only at its end: cut before it)."""
    return wire.chunks_before_text + (0 if wire.tool else AFTER)


def _kill(wire: Wire) -> InvocationFaults:
    if not wire.streams:  # nothing is written before the end: kill while Bedrock streams
        return InvocationFaults(kill_after_s=0.2)
    return InvocationFaults(kill_after_chunks=_after_chunks(wire))


def _drop(wire: Wire) -> InvocationFaults:
    # The environment is kept (the twin would discard it): the runtime must recover by itself.
    after = _after_chunks(wire) if wire.streams else 1
    return InvocationFaults(drop_after_chunks=after, keep_environment=True)


def _fail(wire: Wire) -> InvocationFaults:
    return InvocationFaults(fail_after_chunks=_after_chunks(wire) if wire.streams else 1)


Kept = Literal["none", "exact", "prefix", "left"]


@dataclass(frozen=True)
class Fault:
    """One row: how it is caused, and what besides the client's view is expected of it."""

    directives: str  # the local Bedrock's directive words (docs/API.md §9, §12.5)
    bedrock: str  # how Bedrock's answer ended (local/bedrock/records.py); "a|b": either
    kept: Kept  # the text before the fault: none, exactly AFTER deltas, a prefix, or n/a
    attempts: int = 1  # Bedrock calls made (retries before the first byte)
    twin: Literal["main", "deadline"] = "main"
    runtime: Callable[[Wire], InvocationFaults] | None = None  # the twin's fault hooks
    reused: bool = True  # the same environment serves the next request
    logged: str = ""  # the outcome the function logs for the request, where the row says more


FAULTS: dict[str, Fault] = {
    "throttle": Fault("fault=throttle", "refused", "none", attempts=4),
    "access_denied": Fault("fault=access_denied", "refused", "none"),
    "validation": Fault("fault=validation", "refused", "none"),
    "model_not_ready": Fault("fault=model_not_ready", "refused", "none", attempts=4),
    "model_timeout": Fault("fault=model_timeout", "refused", "none"),
    "unavailable": Fault("fault=unavailable", "refused", "none", attempts=4),
    "midstream": Fault(f"fault=midstream after={AFTER} {FAST}", "completed", "exact"),
    "midstream_internal": Fault(
        f"fault=midstream_internal after={AFTER} {FAST}", "completed", "exact"
    ),
    "midstream_throttle": Fault(
        f"fault=midstream_throttle after={AFTER} {FAST}", "completed", "exact"
    ),
    "stall": Fault(f"fault=stall after={AFTER} stall_s=30 {FAST}", "client_closed", "exact"),
    "reset": Fault(f"fault=reset after={AFTER} {FAST}", "reset", "exact"),
    "no_stop": Fault(f"fault=no_stop after={AFTER} {FAST}", "completed", "exact"),
    "deadline": Fault(SLOW, "client_closed", "prefix", twin="deadline"),
    "process_killed": Fault(PACED, "client_closed", "prefix", runtime=_kill, reused=False),
    "runtime_api_reset": Fault(
        PACED, "client_closed", "exact", runtime=_drop, logged="response_lost"
    ),
    "runtime_api_500": Fault(PACED, "client_closed", "exact", runtime=_fail, reused=False),
    # The function was not told and finished its answer (docs/API.md §5: nothing returned early).
    "client_left": Fault(PACED, "completed", "left", logged="done"),
}
# Where Bedrock's stream ends differently in one column: an answer that is not streamed is
# read whole before the broken Runtime API connection is noticed; a tool call writes nothing
# until its input is complete, so the function notices just as Bedrock finishes.
BEDROCK_ENDS: dict[tuple[str, str], str] = {
    ("runtime_api_reset", "openai"): "completed",
    ("runtime_api_500", "openai"): "completed",
    ("runtime_api_reset", "ndjson_tool"): "completed|client_closed",
    ("runtime_api_500", "ndjson_tool"): "completed|client_closed",
}
# Where the function logs another outcome in one column: an answer that is not streamed is
# written whole at the end, and only the runtime, ending the response, finds it undeliverable.
LOGGED: dict[tuple[str, str], str] = {("runtime_api_reset", "openai"): "done"}
CELLS = [(fault, fmt) for fault in FAULTS for fmt in WIRES]


@pytest.fixture(scope="module")
def twins() -> Iterator[dict[str, ChatTwin]]:
    """The main twin (STALL_TIMEOUT_S=1) and one whose function times out after 2.5 s."""
    # A short backoff keeps the retried cells quick; the number of attempts is what is checked.
    quick_retries = {"BEDROCK_BACKOFF_BASE_S": "0.01"}
    logs = {"POWERTOOLS_LOG_LEVEL": "INFO"}
    with ExitStack() as stack:
        main = stack.enter_context(
            running_twin(
                "none", environ={**logs, "STALL_TIMEOUT_S": "1"}, function_env=quick_retries
            )
        )
        deadline = stack.enter_context(
            running_twin(
                "none",
                environ={**logs, "FUNCTION_TIMEOUT_S": "2.5", "DEADLINE_MARGIN_S": "1.5"},
                function_env=quick_retries,
            )
        )
        yield {"main": main, "deadline": deadline}


def _plan(marker: str, faults: InvocationFaults) -> FaultPlan:
    return lambda event: faults if marker.encode() in event else None


def _expected(fault: str, fmt: str) -> str:
    row = MATRIX[fault]
    return row.get(fmt, row["*"])


@pytest.mark.parametrize(("fault", "fmt"), CELLS, ids=[f"{f}-{w}" for f, w in CELLS])
def test_fault_matrix(twins: dict[str, ChatTwin], fault: str, fmt: str) -> None:
    case, wire = FAULTS[fault], WIRES[fmt]
    twin = twins[case.twin]
    marker = new_marker(fault, fmt)
    since = len(twin.logs)
    pool = twin.function_url.pool
    pool.faults = _plan(marker, case.runtime(wire)) if case.runtime else None
    try:
        if case.kept == "left":
            send_and_leave(twin, wire, wire.prompt(case.directives), marker)
            end = "left"
        else:
            received = send(twin, wire, wire.prompt(case.directives), marker)
            got = seen(wire.reader, received)
            end = got.end
    finally:
        pool.faults = None
    # 1. What the client saw.
    assert end == _expected(fault, fmt)
    (env, request_id), *others = new_starts(twin, since)
    assert not others, "one request, one invocation"
    if case.reused:
        # The function logged the request, with the outcome the row expects, and no internal
        # error: none of these faults is the function's own failure.
        record = request_record(twin, request_id, timeout=10)
        logged = LOGGED.get((fault, fmt), case.logged)
        if logged:
            assert logged in (record.get("outcome"), record.get("late_error"))
        assert not _failures_logged(twin, request_id)
    if case.kept != "left":
        _check_kept(case.kept, wire, got)
        assert not [(message, leaks(message)) for message in got.errors if leaks(message)]
        if got.status == 429:
            assert (received.header("Retry-After") or "").isdigit()
    # 2. Bedrock's side: every call of this cell ended, none is left open.
    calls = [r for r in twin.bedrock.requests if marker.encode() in r.raw_body]
    assert len(calls) == case.attempts
    allowed = BEDROCK_ENDS.get((fault, fmt), case.bedrock).split("|")
    for call in calls:
        ending = twin.bedrock.wait_end(lambda r, call=call: r is call, timeout=10)
        assert ending is not None, "Bedrock's stream was never closed"
        assert ending.ending in allowed
    # 3. The next request is served: by the same environment, or a fresh one if it broke.
    _check_next_request(twin, env, reused=case.reused)


def _check_kept(kept_text: Kept, wire: Wire, got: Seen) -> None:
    if kept_text == "none" or not wire.streams or wire.tool:
        # Nothing partial: a status before the first byte, an answer that is not streamed, or
        # a tool call, which is only ever sent whole (docs/API.md §12.2).
        assert got.text == ""
        assert got.tool_uses == []
        return
    if kept_text == "exact":
        assert got.text == kept(AFTER)
    else:  # the deadline, a killed process: wherever it struck, what came is the answer's start
        assert ANSWER.startswith(got.text)
        assert len(got.text.split()) >= AFTER
    if wire.chunks_before_text > 2:  # the reasoning stream: all of it came before the text
        assert got.reasoning == THINK + 1


def _check_next_request(twin: ChatTwin, env: str, *, reused: bool) -> None:
    text = f"next request {time.monotonic_ns()}"
    since = len(twin.logs)
    follow = post(twin, {"prompt": echo(text)})
    got = seen("sse", follow)
    assert (got.end, got.text) == ("done", text)
    [(next_env, _)] = new_starts(twin, since)
    if reused:
        assert next_env == env
        return
    assert next_env != env
    broken = next(e for e in twin.function_url.pool.started if e.env_id == env)
    deadline = time.monotonic() + 10
    while broken.alive and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not broken.alive, f"{env} was not discarded"


def _failures_logged(twin: ChatTwin, request_id: str) -> list[object]:
    """The function's error records for a request (logger.exception's "request failed")."""
    return [
        doc
        for doc in log_docs(list(twin.logs))
        if doc.get("level") == "ERROR" and doc.get("function_request_id") == request_id
    ]


def test_the_documented_matrix_is_the_tested_one() -> None:
    lines = (ROOT / "docs" / "RELIABILITY.md").read_text(encoding="utf-8").splitlines()
    header = next(line for line in lines if line.startswith("| fault | `"))
    columns = [cell.strip().strip("`") for cell in header.strip("|").split("|")[1:]]
    assert columns[: len(WIRES)] == list(WIRES)
    documented = {}
    for line in lines:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| `") and cells[0].strip("`") in MATRIX:
            documented[cells[0].strip("`")] = cells[1 : 1 + len(WIRES)]
    assert documented == {fault: [_expected(fault, fmt) for fmt in WIRES] for fault in MATRIX}
