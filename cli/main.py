"""Command line: arguments, the prompt from argv or stdin, one-shot or `--chat`, exit codes."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import Final, TextIO

from cli import check
from cli.transport import ConnectError, Target, caller_credentials
from cli.turn import MAX_RESUMES, Options, OutcomeKind, Turn
from cli.wire import Message, chat_url, region_of

# Distinct exit statuses, so that scripts can tell what went wrong.
EXIT: Final[dict[OutcomeKind, int]] = {
    "done": 0,
    "error": 1,  # an in-stream `error` event (the text before it was printed)
    "http_error": 3,  # an HTTP error status before the stream (API.md §4)
    "cut": 4,  # the stream broke off and could not be resumed
    "connect_error": 5,  # the service could not be reached; also missing credentials
}
USAGE_ERROR: Final = 2  # argparse's own status for bad arguments

EPILOG = f"""
exit status: 0 answered, 1 in-stream error, 2 usage, 3 HTTP error status, 4 stream cut off
(after {MAX_RESUMES} resumes), 5 could not connect or no credentials, 130 interrupted,
141 stdout closed by its reader.
environment: BEDROCK_STREAM_URL (default --url), BEDROCK_STREAM_API_KEY (default --api-key),
AWS_REGION (SigV4 region when the URL does not name one).
in --chat: /reset starts a new conversation, /exit (or end of input) quits.
deployment check: `python -m cli check --url URL [--sigv4 | --api-key KEY] [--origin O]...`
checks a deployed URL and prints a pass/fail table (see `python -m cli check --help`). It is
the check only when `check` is the first argument and an option follows it; any other use of
the word is a prompt. To send a prompt that starts with `check --...`, put `--` before it:
`python -m cli --url URL -- check --this`.
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (API.md §11)."""
    parser = argparse.ArgumentParser(
        prog="python -m cli",
        description="Stream an answer from a Bedrock Stream Function URL to stdout.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("prompt", nargs="*", help="the prompt (read from stdin when none)")
    parser.add_argument("--url", default=os.environ.get("BEDROCK_STREAM_URL"))
    parser.add_argument("--sigv4", action="store_true", help="sign with your AWS credentials")
    parser.add_argument("--api-key", default=os.environ.get("BEDROCK_STREAM_API_KEY"))
    parser.add_argument("--model", help="model or inference-profile id (default: the service's)")
    parser.add_argument("--system", help="system prompt")
    parser.add_argument("--max-tokens", type=int, help="answer length limit")
    parser.add_argument("--chat", action="store_true", help="keep a conversation (a REPL)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds of silence allowed")
    parser.add_argument("-q", "--quiet", action="store_true", help="no usage line on stderr")
    return parser.parse_args(argv)


def is_check(argv: list[str]) -> bool:
    """`check` followed by an option is the deployment check; otherwise `check` is a prompt."""
    return (
        len(argv) >= 2
        and argv[0] == "check"
        and argv[1].startswith("-")
        and argv[1] not in ("-", "--")
    )


def make_target(args: argparse.Namespace) -> Target:
    """Where to send requests and how to authenticate them."""
    if not args.url:
        raise ValueError("no URL: pass --url or set BEDROCK_STREAM_URL")
    url = chat_url(args.url)
    region = region_of(url, os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"))
    credentials = caller_credentials() if args.sigv4 else None
    return Target(url, region, credentials, args.api_key or None, args.timeout)


def one_shot(target: Target, options: Options, prompt: str, out: TextIO, err: TextIO) -> int:
    """Answer one prompt."""
    outcome = Turn(target, options, out, err).run([{"role": "user", "content": prompt}])
    if outcome.text and not outcome.text.endswith("\n") and out.isatty():
        out.write("\n")
    out.flush()
    return EXIT[outcome.kind]


def chat(
    target: Target, options: Options, first: str | None, *, stdin: TextIO, out: TextIO, err: TextIO
) -> int:
    """A conversation: one line per turn from stdin; the status of the last turn."""
    history: list[Message] = []
    status = 0
    pending = first
    while True:
        if pending is None:
            err.write("you> ")
            err.flush()
            line = stdin.readline()
            if not line:
                err.write("\n")
                return status
            pending = line.rstrip("\r\n")
        prompt, pending = pending, None
        if prompt.strip() in ("/exit", "/quit"):
            return status
        if prompt.strip() == "/reset":
            history = []
            continue
        if not prompt.strip():
            continue
        user: Message = {"role": "user", "content": prompt}
        outcome = Turn(target, options, out, err).run([*history, user])
        out.write("\n")
        out.flush()
        if outcome.text:  # roles alternate: a turn without an answer is not kept
            history += [user, {"role": "assistant", "content": outcome.text}]
        status = EXIT[outcome.kind]


def main(
    argv: list[str] | None = None,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Run the client (or the deployment check); returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if is_check(argv):
        return check.main(argv[1:], out, err)
    args = parse_args(argv)
    options = Options(args.model, args.system, args.max_tokens, args.quiet)
    try:
        target = make_target(args)
    except ValueError as exc:
        err.write(f"error: {exc}\n")
        return USAGE_ERROR
    except ConnectError as exc:
        err.write(f"error: {exc}\n")
        return EXIT["connect_error"]
    try:
        return run(args, target, options, stdin=stdin, out=out, err=err)
    except KeyboardInterrupt:
        err.write("\ninterrupted\n")
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as command-line tools do.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        return 141


def run(
    args: argparse.Namespace,
    target: Target,
    options: Options,
    *,
    stdin: TextIO,
    out: TextIO,
    err: TextIO,
) -> int:
    """One answer, or a conversation with --chat."""
    prompt = " ".join(args.prompt) if args.prompt else None
    if args.chat:
        return chat(target, options, prompt, stdin=stdin, out=out, err=err)
    if prompt is None:
        if stdin.isatty():
            err.write("(reading the prompt from stdin; end it with Ctrl-D)\n")
        prompt = stdin.read()
    if not prompt.strip():
        err.write("error: empty prompt\n")
        return USAGE_ERROR
    return one_shot(target, options, prompt, out, err)
