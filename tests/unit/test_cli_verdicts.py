"""The deployment check's verdicts (`python -m cli check`, cli/verdicts.py) on made-up
observations, and how the command line is told apart from a prompt (pure)."""

from __future__ import annotations

from cli.main import is_check
from cli.verdicts import (
    Arrival,
    StreamTrace,
    judge_auth,
    judge_done,
    judge_models,
    judge_preflight,
    judge_stream,
)
from cli.wire import StreamEvent

ORIGIN = "https://app.example.com"


def test_is_check() -> None:
    assert is_check(["check", "--url", "u"])
    assert is_check(["check", "--help"])
    assert not is_check(["check"])
    assert not is_check(["check", "this", "--url", "u"])
    assert not is_check(["check", "--", "x"])
    assert not is_check(["check", "-"])
    assert not is_check(["--url", "u", "check", "--json"])


# --- the verdicts, on made-up observations ----------------------------------------------


def done_event(ttft_ms: int, duration_ms: int) -> StreamEvent:
    metrics = {"ttft_ms": ttft_ms, "duration_ms": duration_ms, "output_tokens_per_s": 50.0}
    usage = {"input_tokens": 11, "output_tokens": 100}
    return StreamEvent("done", {"stop_reason": "end_turn", "usage": usage, "metrics": metrics})


def trace(times: list[float], terminal: StreamEvent | None) -> StreamTrace:
    """Reads at ``times``: start first, then deltas, the terminal event with the last."""
    kinds: list[tuple[str, ...]] = [("start",), *[("delta",)] * (len(times) - 1)]
    if terminal is not None:
        kinds[-1] = (*kinds[-1], terminal.type)
    arrivals = tuple(Arrival(t, 40, k) for t, k in zip(times, kinds, strict=True))
    return StreamTrace(arrivals, terminal, model="m")


def test_stream_verdicts() -> None:
    spread_out = [0.05 + 0.02 * i for i in range(101)]  # 2 s of reads
    assert judge_stream(trace(spread_out, done_event(300, 2300))).status == "pass"
    # All at once after the function streamed for 2 s: buffered somewhere.
    at_once = judge_stream(trace([2.30, 2.301, 2.302], done_event(300, 2300)))
    assert at_once.status == "fail"
    assert "buffers" in at_once.detail
    one_read = StreamTrace((Arrival(2.3, 4000, ("start", "delta", "done")),), done_event(300, 2300))
    assert judge_stream(one_read).status == "fail"
    # Streamed, but with jitter: 60 % of the function's window still passes.
    assert judge_stream(trace([0.1, 0.5, 0.9, 1.3, 1.7], done_event(300, 2300))).status == "pass"
    # Too quick to tell anything: a warning, never a failure.
    assert judge_stream(trace([0.1, 0.1, 0.1], done_event(300, 350))).status == "warn"
    # An error ended it (no metrics): spread alone shows streaming; a short one tells nothing.
    error = StreamEvent("error", {"code": "throttled", "message": "slow down", "retryable": True})
    assert judge_stream(trace([0.1, 0.3, 0.6, 0.9], error)).status == "pass"
    assert judge_stream(trace([0.9, 0.91, 0.92, 0.93], error)).status == "warn"
    assert judge_stream(trace([0.9, 0.91, 0.92, 0.93], None)).status == "warn"  # cut off
    # A done without metrics: spread alone decides, and all at once is buffered.
    bare_done = StreamEvent("done", {"stop_reason": "end_turn"})
    assert judge_stream(trace([0.1, 0.3, 0.6, 0.9], bare_done)).status == "pass"
    assert judge_stream(trace([0.9, 0.91, 0.92, 0.93], bare_done)).status == "fail"
    no_text = StreamTrace((Arrival(0.1, 40, ("start",)),), None, cut="reset")
    assert judge_stream(no_text).status == "fail"


def test_done_verdicts() -> None:
    done = judge_done(trace([0.1, 0.2], done_event(100, 200)))
    assert (done.status, done.detail) == ("pass", "stop end_turn, 11 in / 100 out tokens from m")
    error = StreamEvent("error", {"code": "upstream_stalled", "message": "no event for 60 s"})
    failed = judge_done(trace([0.1, 0.2], error))
    assert failed.status == "fail"
    assert "upstream_stalled: no event for 60 s" in failed.detail
    cut = judge_done(StreamTrace((Arrival(0.1, 50, ("start",)),), None, cut="reset", leftover=9))
    assert (
        cut.detail
        == "cut off after 50 bytes without done or error: reset, 9 bytes of a record unfinished"
    )
    html = judge_done(StreamTrace((Arrival(0.1, 90, ()),), None, content_type="text/html"))
    assert html.detail == "no NDJSON events in 90 bytes (text/html)"


def test_models_verdicts() -> None:
    good = b'{"models": ["a", "b"], "default": "b"}'
    assert judge_models(200, good, "").detail == "2 models allowed, default b"
    bad = {
        b"[]": "not a JSON object",
        b'{"models": [], "default": "a"}': "no non-empty `models` list",
        b'{"models": ["a", 3], "default": "a"}': "not a model id",
        b'{"models": ["a"], "default": "z"}': "`default` ('z') that is not one of its 1 models",
        b"<html>": "is not JSON",
    }
    for body, reason in bad.items():
        row = judge_models(200, body, "")
        assert row.status == "fail"
        assert reason in row.detail, row.detail
    assert judge_models(404, b"", "not_found: no route").detail == (
        "GET /models answered HTTP 404 not_found: no route"
    )


def test_auth_verdicts() -> None:
    assert judge_auth("sigv4", 200, "", 403).status == "pass"
    assert judge_auth("sigv4", 200, "", 401).status == "fail"  # an AWS_IAM URL says 403
    assert judge_auth("api_key", 200, "", 401).status == "pass"
    assert judge_auth("api_key", 200, "", 403).status == "pass"
    assert judge_auth("api_key", 200, "", 500).detail.endswith("answered HTTP 500, not 401 or 403")
    assert "failed: timed out" in judge_auth("sigv4", 200, "", "timed out").detail
    assert judge_auth("api_key", 401, "unauthorized: key?", None).status == "fail"
    assert judge_auth("none", 200, "", None).status == "warn"
    assert judge_auth("none", 403, "", None).status == "fail"


def test_preflight_verdicts() -> None:
    allowed = {
        "access-control-allow-origin": ORIGIN,
        "access-control-allow-methods": "GET, POST",
        "access-control-allow-headers": "content-type, x-api-key",
        "access-control-max-age": "3600",
    }
    ask = ("content-type",)
    assert judge_preflight(ORIGIN, ask, 200, allowed).status == "pass"
    wildcard = {"access-control-allow-origin": "*", "access-control-allow-headers": "*"}
    assert judge_preflight(ORIGIN, ask, 204, wildcard).status == "pass"  # no methods: POST is safe
    failing = {
        "other origin": (200, {**allowed, "access-control-allow-origin": "https://x.example"}),
        "no POST": (200, {**allowed, "access-control-allow-methods": "GET"}),
        "header missing": (200, {**allowed, "access-control-allow-headers": "accept"}),
        "no headers": (200, {"access-control-allow-origin": ORIGIN}),
        "status": (403, allowed),
    }
    for case, (status, headers) in failing.items():
        assert judge_preflight(ORIGIN, ask, status, headers).status == "fail", case
