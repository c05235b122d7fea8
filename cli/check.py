"""`python -m cli check`: checks a deployed Function URL from outside, row by row."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final, TextIO
from urllib.parse import urlsplit

from cli import probes, report
from cli.transport import (
    ConnectError,
    Reply,
    StatusError,
    Target,
    error_body,
    target_for,
)
from cli.verdicts import (
    REFUSED,
    AuthMode,
    Row,
    judge_auth,
    judge_done,
    judge_models,
    judge_preflight,
    judge_stream,
    reached,
    skipped,
    stream_refused,
    unreachable,
)
from cli.wire import chat_url, error_text, route_url

FAILED: Final = 1
USAGE_ERROR: Final = 2
AFTER_URL: Final = ("auth", "models", "stream", "done", "cors")

EPILOG = """
checks, in order:
  url     the URL answers (GET /models, with the auth given)
  auth    --sigv4: a signed request is accepted and an unsigned one refused with 403;
          --api-key: the key is accepted and a request without it refused with 401/403;
          neither: passes with a warning that anyone with the URL can use it
  models  GET /models lists the allow-list and its default
  stream  a prompt (a count to 200, max_tokens 300) streams: time to first byte, reads,
          and their spread; an answer that arrives all at once fails (something buffers)
  done    the stream ends with a done event: stop reason and usage
  cors    one CORS preflight for POST /chat per --origin (skipped without --origin)
exit status: 0 every check passed (warnings too), 1 a check failed, 2 usage (no URL, no AWS
credentials for --sigv4), 130 interrupted.
"""


@dataclass(frozen=True)
class Plan:
    """What to check: the URL, the caller's auth, the origins and the model."""

    base: str
    target: Target  # the configured auth; its url is set per request
    mode: AuthMode
    origins: tuple[str, ...] = ()
    model: str | None = None


def _origin(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise argparse.ArgumentTypeError(f"not an origin (scheme://host[:port]): {value!r}")
    return f"{parts.scheme}://{parts.netloc}"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The check's command line (after the word `check`)."""
    parser = argparse.ArgumentParser(
        prog="python -m cli check",
        description="Check a deployed Bedrock Stream Function URL and print a pass/fail table.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--url",
        default=os.environ.get("BEDROCK_STREAM_URL"),
        help="the Function URL (default BEDROCK_STREAM_URL)",
    )
    auth = parser.add_mutually_exclusive_group()
    auth.add_argument("--sigv4", action="store_true", help="the URL uses AWS_IAM: sign requests")
    auth.add_argument("--api-key", help="the deployment's API key (default BEDROCK_STREAM_API_KEY)")
    parser.add_argument(
        "--origin",
        action="append",
        default=[],
        type=_origin,
        help="a browser origin whose CORS preflight must pass (repeatable)",
    )
    parser.add_argument("--model", help="model for the prompt (default: the service's)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds of silence allowed per request (default 30)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document instead")
    return parser.parse_args(argv)


def make_plan(args: argparse.Namespace) -> Plan:
    """The plan from the arguments; ValueError or ConnectError when it cannot be run."""
    api_key = args.api_key
    if api_key is None and not args.sigv4:
        api_key = os.environ.get("BEDROCK_STREAM_API_KEY")
    target = target_for(args.url, "", sigv4=args.sigv4, api_key=api_key, timeout_s=args.timeout)
    mode: AuthMode = "sigv4" if args.sigv4 else "api_key" if api_key else "none"
    return Plan(target.url, target, mode, tuple(dict.fromkeys(args.origin)), args.model)


def _error(reply: Reply) -> str:
    return error_text(error_body(reply.body)) if reply.status >= 400 else ""


def _anonymous_status(target: Target, mode: AuthMode) -> int | str | None:
    """The status of the same request without credentials, or why it failed."""
    if mode == "none":
        return None
    try:
        reply, _ = probes.get(target.anonymous())
    except ConnectError as exc:
        return str(exc)
    return reply.status


def _stream_rows(plan: Plan) -> Iterator[Row]:
    try:
        trace = probes.record_stream(plan.target.at(chat_url(plan.base)), plan.model)
    except StatusError as exc:
        yield stream_refused(f"HTTP {exc.status} {error_text(exc.error)}")
        yield skipped("done", "no stream")
        return
    except ConnectError as exc:
        yield stream_refused(str(exc))
        yield skipped("done", "no stream")
        return
    yield judge_stream(trace)
    yield judge_done(trace)


def _cors_rows(plan: Plan) -> Iterator[Row]:
    if not plan.origins:
        yield skipped("cors", "no --origin given")
        return
    # What a page sends with its POST: a JSON body, and in API-key mode the key's header.
    requested = ("content-type", "x-api-key") if plan.mode == "api_key" else ("content-type",)
    chat = plan.target.at(chat_url(plan.base))
    for origin in plan.origins:
        try:
            reply = probes.preflight(chat, origin, requested)
        except ConnectError as exc:
            yield Row("cors", "fail", f"{origin}: the preflight failed: {exc}")
            continue
        headers: dict[str, str] = {}
        for name, value in reply.headers:  # the first of repeated headers counts
            headers.setdefault(name.lower(), value)
        yield judge_preflight(origin, requested, reply.status, headers)


def run_checks(plan: Plan, emit: Callable[[Row], None]) -> list[Row]:
    """Run every check in order, handing each row to ``emit`` as soon as it is known."""
    rows: list[Row] = []

    def add(row: Row) -> None:
        rows.append(row)
        emit(row)

    models = plan.target.at(route_url(plan.base, "/models"))
    try:
        reply, elapsed = probes.get(models)
    except ConnectError as exc:
        add(unreachable(str(exc)))
        for name in AFTER_URL:
            add(skipped(name, "the URL did not answer"))
        return rows
    add(reached(reply.status, elapsed))
    add(judge_auth(plan.mode, reply.status, _error(reply), _anonymous_status(models, plan.mode)))
    if reply.status in REFUSED:
        for name in ("models", "stream", "done"):
            add(skipped(name, "auth failed"))
    else:
        add(judge_models(reply.status, reply.body, _error(reply)))
        for row in _stream_rows(plan):
            add(row)
    for row in _cors_rows(plan):
        add(row)
    return rows


def main(argv: list[str], out: TextIO, err: TextIO) -> int:
    """Run the check; 0 when every check passed, 1 when one failed, 2 for usage errors."""
    args = parse_args(argv)
    try:
        plan = make_plan(args)
    except (ValueError, ConnectError) as exc:
        err.write(f"error: {exc}\n")
        return USAGE_ERROR
    try:
        if args.json:
            rows = run_checks(plan, lambda row: None)
            out.write(report.document(plan.base, rows) + "\n")
        else:
            out.write(report.header() + "\n")
            rows = run_checks(plan, lambda row: _print(out, report.line(row)))
            out.write(report.summary(rows) + "\n")
    except KeyboardInterrupt:
        err.write("\ninterrupted\n")
        return 130
    out.flush()
    return 0 if report.passed(rows) else FAILED


def _print(out: TextIO, text: str) -> None:
    out.write(text + "\n")
    out.flush()
