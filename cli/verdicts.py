"""Pure verdicts of `python -m cli check`: one row per check, from what was observed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from cli.wire import StreamEvent, error_text

Status = Literal["pass", "warn", "fail", "skip"]
AuthMode = Literal["sigv4", "api_key", "none"]
Number = float | int | str | None
REFUSED: Final = frozenset({401, 403})
OPEN_WARNING: Final = "WARNING: no auth, anyone with the URL can use it"


@dataclass(frozen=True)
class Row:
    """One line of the report: a check, its result and a short detail."""

    name: str
    status: Status
    detail: str
    numbers: Mapping[str, Number] = field(default_factory=dict)  # for --json


@dataclass(frozen=True)
class Arrival:
    """One read of the streamed body: when (since the request was sent), how much, what."""

    at_s: float
    size: int
    kinds: tuple[str, ...]  # the types of the events this read completed


@dataclass(frozen=True)
class StreamTrace:
    """Everything the stream check saw of one `POST /chat` answer."""

    arrivals: tuple[Arrival, ...]
    terminal: StreamEvent | None  # the `done` or `error` event, if one came
    model: str | None = None  # from the `start` event
    cut: str | None = None  # why the body broke off, if it did
    leftover: int = 0  # bytes of an unfinished record at the end
    content_type: str | None = None


def skipped(name: str, why: str) -> Row:
    """A check that was not run."""
    return Row(name, "skip", f"skipped ({why})")


# --- the URL answers, and auth works as configured -------------------------------------


@dataclass(frozen=True)
class _AuthRule:
    """How one auth mode is checked."""

    refusals: frozenset[int]  # how the URL must refuse a request without credentials
    accepted: str  # the configured request
    bare: str  # the same request without credentials
    enforced: str  # what the URL then fails to enforce


# AWS_IAM: the URL itself refuses unsigned requests with 403
# (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html); API-key mode: the function
# answers 401 without a key and 403 for a wrong one (docs/API.md §4).
_AUTH: Final[dict[AuthMode, _AuthRule]] = {
    "sigv4": _AuthRule(frozenset({403}), "signed request", "unsigned request", "AWS_IAM auth"),
    "api_key": _AuthRule(REFUSED, "request with the key", "request without a key", "an API key"),
    "none": _AuthRule(frozenset(), "request without credentials", "", "auth"),
}


def reached(status: int, elapsed_s: float) -> Row:
    """The URL answered (any HTTP status counts: the next rows judge it)."""
    ms = round(elapsed_s * 1000)
    return Row("url", "pass", f"answered HTTP {status} in {ms} ms", {"status": status, "ms": ms})


def unreachable(why: str) -> Row:
    """The URL did not answer at all."""
    return Row("url", "fail", f"no answer: {why}")


def judge_auth(mode: AuthMode, status: int, error: str, anonymous: int | str | None) -> Row:
    """Auth row: the configured request is accepted and, with auth, a bare one is refused.

    ``anonymous`` is the status of the same request without credentials, or why it failed.
    """
    rule = _AUTH[mode]
    numbers: dict[str, Number] = {"status": status, "anonymous_status": anonymous}
    if status in REFUSED:
        hint = " (does the URL need --sigv4 or --api-key?)" if mode == "none" else ""
        return Row("auth", "fail", f"{rule.accepted} refused: HTTP {status} {error}{hint}", numbers)
    if mode == "none":
        detail = f"{rule.accepted} accepted (HTTP {status}); {OPEN_WARNING}"
        return Row("auth", "warn", detail, numbers)
    if isinstance(anonymous, int) and anonymous in rule.refusals:
        detail = f"{rule.accepted} accepted (HTTP {status}); {rule.bare} refused (HTTP {anonymous})"
        return Row("auth", "pass", detail, numbers)
    if isinstance(anonymous, int) and anonymous < 400:
        detail = (
            f"{rule.bare} accepted too (HTTP {anonymous}): the URL does not enforce {rule.enforced}"
        )
    elif isinstance(anonymous, int):
        expected = " or ".join(str(code) for code in sorted(rule.refusals))
        detail = f"{rule.bare} answered HTTP {anonymous}, not {expected}"
    else:
        detail = f"{rule.bare} failed: {anonymous}"
    return Row("auth", "fail", detail, numbers)


# --- GET /models ----------------------------------------------------------------------


def _models_problem(doc: object) -> str | None:
    """What is wrong with a `GET /models` document, or None (docs/API.md §1)."""
    if not isinstance(doc, dict):
        return "is not a JSON object"
    models, default = doc.get("models"), doc.get("default")
    if not isinstance(models, list) or not models:
        return "has no non-empty `models` list"
    if not all(isinstance(model, str) and model for model in models):
        return "lists something that is not a model id"
    if not isinstance(default, str) or default not in models:
        return f"has a `default` ({default!r}) that is not one of its {len(models)} models"
    return None


def judge_models(status: int, body: bytes, error: str) -> Row:
    """`GET /models` gives `{"models": [ids...], "default": id}` with the default listed."""
    if status != 200:
        return Row("models", "fail", f"GET /models answered HTTP {status} {error}".rstrip())
    try:
        doc = json.loads(body)
    except ValueError:
        return Row("models", "fail", f"GET /models is not JSON: {body[:80]!r}")
    problem = _models_problem(doc)
    if problem is not None:
        return Row("models", "fail", f"GET /models {problem}")
    models, default = doc["models"], doc["default"]
    numbers: dict[str, Number] = {"models": len(models), "default": default}
    return Row("models", "pass", f"{len(models)} models allowed, default {default}", numbers)


# --- the answer streams ---------------------------------------------------------------

# Why these thresholds cannot fail a real streamed answer, however fast the model:
# - The function reports how long it spent streaming the answer (`done.metrics`: from the
#   first delta at ttft_ms to the end at duration_ms, docs/API.md §3). Streamed, the client
#   sees the same spread between its first text and its last read, give or take network
#   jitter; buffered anywhere (a proxy, CloudFront caching, an InvokeMode of BUFFERED, see
#   https://docs.aws.amazon.com/lambda/latest/dg/config-rs-invoke-furls.html), the client
#   sees it all within the milliseconds of one transfer. Requiring only half of the
#   function's window leaves the other half to jitter.
# - An answer streamed in under MIN_WINDOW_S proves nothing either way: a warning, not a fail.
#   The check's prompt (a count to 200) takes seconds even at a few hundred tokens per second.
# - MIN_READS: a buffered body arrives in one read, or a few back-to-back TCP segments; a
#   streamed one in many. Three is far below what any seconds-long stream gives.
# - A `done` without metrics (not this contract's) must show MIN_SPREAD_S on its own. A stream
#   that ended in an error or broke off has no metrics and may be short for that reason: it
#   passes with enough reads and spread, else it is a warning (the done row fails it).
MIN_READS: Final = 3
SPREAD_SHARE: Final = 0.5
MIN_WINDOW_S: Final = 0.3
MIN_SPREAD_S: Final = 0.3
BUFFERS: Final = (
    "something on the way buffers the response "
    "(a proxy, CloudFront caching, or a function URL in BUFFERED invoke mode)"
)


def server_window_s(terminal: StreamEvent | None) -> float | None:
    """Seconds the function spent streaming the answer, from its `done` metrics."""
    if terminal is None or terminal.type != "done":
        return None
    metrics = terminal.data.get("metrics")
    if not isinstance(metrics, dict):
        return None
    ttft, duration = metrics.get("ttft_ms"), metrics.get("duration_ms")
    if not isinstance(ttft, int | float) or not isinstance(duration, int | float):
        return None
    return max(duration - ttft, 0) / 1000


def judge_stream(trace: StreamTrace) -> Row:
    """Stream row: the answer came in several reads spread over the time it was made."""
    arrivals = trace.arrivals
    if not arrivals:
        return Row("stream", "fail", f"no body arrived ({trace.cut or 'empty response'})")
    first_text = next((a for a in arrivals if "delta" in a.kinds), None)
    if first_text is None:
        reads = _reads(len(arrivals))
        return Row("stream", "fail", f"no answer text arrived in {reads} (see done)")
    spread = arrivals[-1].at_s - first_text.at_s
    window = server_window_s(trace.terminal)
    numbers: dict[str, Number] = {
        "ttfb_ms": round(arrivals[0].at_s * 1000),
        "first_text_ms": round(first_text.at_s * 1000),
        "reads": len(arrivals),
        "bytes": sum(a.size for a in arrivals),
        "spread_s": round(spread, 3),
        "function_stream_s": None if window is None else round(window, 3),
    }
    seen = (
        f"first byte after {numbers['ttfb_ms']} ms, text after {numbers['first_text_ms']} ms, "
        f"{_reads(len(arrivals))} over {spread:.2f} s"
    )
    made = "" if window is None else f" (the function streamed for {window:.2f} s)"
    if window is not None and window < MIN_WINDOW_S:
        return Row("stream", "warn", f"{seen}{made}: too quick to tell streaming", numbers)
    required = MIN_SPREAD_S if window is None else SPREAD_SHARE * window
    if len(arrivals) >= MIN_READS and spread >= required:
        return Row("stream", "pass", seen + made, numbers)
    ended = trace.terminal is not None and trace.terminal.type == "done"
    if window is None and not ended:
        detail = f"{seen}: the stream ended early (see done), too little to tell streaming"
        return Row("stream", "warn", detail, numbers)
    return Row("stream", "fail", f"{seen}{made}: {BUFFERS}", numbers)


def _reads(count: int) -> str:
    return f"{count} read" if count == 1 else f"{count} reads"


def stream_refused(why: str) -> Row:
    """Stream row when no stream started (an HTTP error status, a failed connection)."""
    return Row("stream", "fail", f"POST /chat: {why}")


def judge_done(trace: StreamTrace) -> Row:
    """Done row: the stream ended with `done`, not `error` and not cut off."""
    terminal = trace.terminal
    model = f" from {trace.model}" if trace.model else ""
    if terminal is not None and terminal.type == "done":
        usage = terminal.data.get("usage")
        usage = usage if isinstance(usage, dict) else {}
        stop = terminal.data.get("stop_reason") or "?"
        numbers: dict[str, Number] = {
            "stop_reason": str(stop),
            "input_tokens": usage.get("input_tokens"),
            "output_tokens": usage.get("output_tokens"),
            "model": trace.model,
        }
        tokens = f"{usage.get('input_tokens', '?')} in / {usage.get('output_tokens', '?')} out"
        return Row("done", "pass", f"stop {stop}, {tokens} tokens{model}", numbers)
    if terminal is not None:
        retry = " (retryable)" if terminal.data.get("retryable") else ""
        return Row("done", "fail", f"ended with an error event: {error_text(terminal.data)}{retry}")
    size = sum(a.size for a in trace.arrivals)
    if not any(a.kinds for a in trace.arrivals):
        kind = trace.content_type or "no Content-Type"
        return Row("done", "fail", f"no NDJSON events in {size} bytes ({kind})")
    why = trace.cut or "the connection closed"
    partial = f", {trace.leftover} bytes of a record unfinished" if trace.leftover else ""
    return Row("done", "fail", f"cut off after {size} bytes without done or error: {why}{partial}")


# --- CORS preflight -------------------------------------------------------------------


def _listed(value: str | None) -> set[str]:
    return {part.strip().lower() for part in (value or "").split(",") if part.strip()}


def judge_preflight(
    origin: str, requested: tuple[str, ...], status: int, headers: Mapping[str, str]
) -> Row:
    """CORS row: the preflight for `POST /chat` from ``origin`` is allowed.

    ``headers`` are the answer's, with lower-case names. The rules are the browser's
    (https://fetch.spec.whatwg.org/#cors-preflight-fetch); the URL answers them from its
    Cors configuration (https://docs.aws.amazon.com/lambda/latest/dg/API_Cors.html).
    """

    def row(result: Status, detail: str) -> Row:
        return Row("cors", result, f"{origin}: {detail}", {"origin": origin})

    if not 200 <= status < 300:
        return row("fail", f"the preflight answered HTTP {status}")
    allowed = headers.get("access-control-allow-origin")
    if allowed is None:
        return row("fail", "no Access-Control-Allow-Origin (is it in the cors_origins context?)")
    if allowed not in ("*", origin):
        return row("fail", f"Access-Control-Allow-Origin is {allowed!r}")
    methods = _listed(headers.get("access-control-allow-methods"))
    # POST is a CORS-safelisted method: without Allow-Methods the browser still allows it.
    if methods and not methods & {"post", "*"}:
        return row("fail", f"POST not in Access-Control-Allow-Methods ({', '.join(methods)})")
    allowed_headers = _listed(headers.get("access-control-allow-headers"))
    missing = [h for h in requested if h not in allowed_headers and "*" not in allowed_headers]
    if missing:
        return row("fail", f"header(s) {', '.join(missing)} not in Access-Control-Allow-Headers")
    max_age = headers.get("access-control-max-age")
    cached = f", cached {max_age} s" if max_age else ""
    return row("pass", f"POST with {', '.join(requested)} allowed (Allow-Origin {allowed}{cached})")
