"""Command line: arguments, the prompt from argv or stdin, one-shot or `--chat`, exit codes."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import Final, TextIO

from cli import check
from cli.attach import AttachError, File, check_counts, read_file, to_blocks
from cli.chat import Session, chat
from cli.content import user_message
from cli.formats import extensions
from cli.options import Options, ToolsError, load_tools, parse_reasoning
from cli.transport import ConnectError, Target, target_for
from cli.turn import EXIT, MAX_RESUMES, Turn
from cli.view import View, use_color

USAGE_ERROR: Final = 2  # argparse's own status for bad arguments

EPILOG = f"""
output: the answer goes to stdout (ending with a newline on a terminal, and between --chat
turns); everything else goes to stderr: the model's reasoning as it arrives (dimmed on a
terminal unless NO_COLOR is set; hidden with -q), each tool call as one JSON line
{{"tool_use": {{"id": ..., "name": ..., "input": {{...}}}}}} (also with -q), status lines and
a summary after each answer (hidden with -q), and errors.
attachments: --attach FILE, repeatable, sends images ({extensions("image")})
and documents ({extensions("document")}) with the prompt.
The extension names the format and the content must match it; images up to 3.75 MB and
documents up to 4.5 MB each, at most 20 images and 5 documents per message; a document is
named after its file, reduced to letters, digits, single spaces, hyphens, parentheses and
square brackets. A file that fails is refused before anything is sent (exit status 2).
The service's own body limit (MAX_BODY_BYTES, 1 MiB by default) and the 6 MB Function URL
request limit apply to the whole request, attachments as base64 (a third larger) included.
reasoning: --reasoning 4096 asks for a budget of 4096 reasoning tokens (at least 1024, below
--max-tokens); --reasoning low|medium|high asks for an effort. The service maps either to
the model's own control; models that always reason need neither. A resumed answer is
asked without reasoning: the model reasoned before the text it continues.
tools: --tools FILE sends a JSON array of tool declarations (name, description,
input_schema) or an object {{"tools": [...], "tool_choice": ...}} (docs/API.md §12.1). This
client runs no tools: an answer that stops for a tool call ends the turn with exit status 6.
exit status: 0 answered, 1 in-stream error, 2 usage (also a bad --attach or --tools file),
3 HTTP error status, 4 stream cut off (after {MAX_RESUMES} resumes), 5 could not connect or
no credentials, 6 the model asked for a tool call, 130 interrupted, 141 stdout closed by its
reader. In --chat, the status of the last turn.
environment: BEDROCK_STREAM_URL (default --url), BEDROCK_STREAM_API_KEY (default --api-key),
AWS_REGION (SigV4 region when the URL does not name one), NO_COLOR (no dimmed reasoning).
in --chat: /attach FILE adds a file to your next message, /reset starts a new conversation,
/exit (or end of input) quits. Attachments and signed or redacted reasoning stay in the
conversation, as models require them back; reasoning without a signature is not sent back.
deployment check: `python -m cli check --url URL [--sigv4 | --api-key KEY] [--origin O]...`
checks a deployed URL and prints a pass/fail table (see `python -m cli check --help`). It is
the check only when `check` is the first argument and an option follows it; any other use of
the word is a prompt. To send a prompt that starts with `check --...`, put `--` before it:
`python -m cli --url URL -- check --this`.
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (docs/API.md §11)."""
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
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no reasoning, status or usage on stderr"
    )
    parser.add_argument(
        "--attach",
        action="append",
        default=[],
        metavar="FILE",
        help="send an image or document with the prompt (repeatable; see below)",
    )
    parser.add_argument(
        "--reasoning",
        type=parse_reasoning,
        metavar="BUDGET|EFFORT",
        help="ask the model to reason: a token budget (4096) or low, medium, high",
    )
    parser.add_argument("--tools", metavar="FILE", help="declare tools from a JSON file")
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
    return target_for(
        args.url, "/chat", sigv4=args.sigv4, api_key=args.api_key, timeout_s=args.timeout
    )


def one_shot(target: Target, options: Options, view: View, prompt: str, files: list[File]) -> int:
    """Answer one prompt."""
    message = user_message(prompt, to_blocks(files))
    outcome = Turn(target, options, view).run([message])
    view.end_answer()
    return EXIT[outcome.kind]


def session_options(args: argparse.Namespace) -> tuple[Options, list[File]]:
    """The request options and the checked attachments; AttachError or ToolsError if bad."""
    tools = load_tools(args.tools) if args.tools else None
    files = [read_file(path) for path in args.attach]
    check_counts(files)
    options = Options(args.model, args.system, args.max_tokens, args.reasoning, tools)
    return options, files


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
    try:
        options, files = session_options(args)
        target = make_target(args)
    except (AttachError, ToolsError, ValueError) as exc:
        err.write(f"error: {exc}\n")
        return USAGE_ERROR
    except ConnectError as exc:
        err.write(f"error: {exc}\n")
        return EXIT["connect_error"]
    view = View(out, err, quiet=args.quiet, color=use_color(err, os.environ))
    try:
        return run(args, target, options, files, view, stdin=stdin)
    except KeyboardInterrupt:
        view.end_answer()
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
    files: list[File],
    view: View,
    *,
    stdin: TextIO,
) -> int:
    """One answer, or a conversation with --chat."""
    prompt = " ".join(args.prompt) if args.prompt else None
    if args.chat:
        session = Session(target, options, view, pending=files)
        return chat(session, prompt, stdin=stdin, err=view.err)
    if prompt is None:
        if stdin.isatty():
            view.err.write("(reading the prompt from stdin; end it with Ctrl-D)\n")
        prompt = stdin.read()
    if not prompt.strip():
        view.err.write("error: empty prompt\n")
        return USAGE_ERROR
    return one_shot(target, options, view, prompt, files)
