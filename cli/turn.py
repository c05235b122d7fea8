"""One turn of the conversation: stream the answer, resuming a cut stream (API.md §5)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal, TextIO

from cli.transport import ConnectError, StatusError, StreamCut, Target, open_stream
from cli.wire import Message, NdjsonReader, error_text, summary

OutcomeKind = Literal["done", "error", "http_error", "cut", "connect_error"]
MAX_RESUMES = 3
RESUME_PAUSE_S = 0.5


@dataclass(frozen=True)
class Options:
    """What every request of a session carries besides the messages."""

    model: str | None = None
    system: str | None = None
    max_tokens: int | None = None
    quiet: bool = False


@dataclass(frozen=True)
class Outcome:
    """How a turn ended and the answer text received (kept also after an error)."""

    kind: OutcomeKind
    text: str


def payload(messages: list[Message], options: Options) -> dict[str, Any]:
    """The chat request body (API.md §2), asking for NDJSON."""
    body: dict[str, Any] = {"messages": messages, "format": "ndjson"}
    if options.model:
        body["model"] = options.model
    if options.system:
        body["system"] = options.system
    if options.max_tokens:
        body["max_tokens"] = options.max_tokens
    return body


class Turn:
    """Streams one answer to ``out`` as it arrives; status and usage go to ``err``."""

    def __init__(self, target: Target, options: Options, out: TextIO, err: TextIO) -> None:
        self.target, self.options, self.out, self.err = target, options, out, err
        self.text = ""
        self.model: str | None = None
        self._line_open = False  # stdout's last line is unfinished answer text

    def run(self, messages: list[Message]) -> Outcome:
        """Send ``messages``; resume up to MAX_RESUMES times if the stream breaks off."""
        started = time.monotonic()
        resumes = 0
        while True:
            attempt = list(messages)
            if self.text:  # the partial answer, continued by the model
                attempt.append({"role": "assistant", "content": self.text})
            try:
                result = self._attempt(attempt, started, resumes)
            except StatusError as exc:
                self._say(f"error: HTTP {exc.status} {error_text(exc.error)}", force=True)
                if exc.retry_after:
                    self._say(f"(retry after {exc.retry_after} s)", force=True)
                return Outcome("http_error", self.text)
            except ConnectError as exc:
                if resumes == 0 or resumes >= MAX_RESUMES:
                    self._say(f"error: could not reach the service: {exc}", force=True)
                    return Outcome("connect_error" if resumes == 0 else "cut", self.text)
                result = None
            if result is not None:
                return result
            if resumes >= MAX_RESUMES:
                self._say(f"error: the stream broke off {resumes + 1} times; giving up", force=True)
                return Outcome("cut", self.text)
            resumes += 1
            self._say(
                f"[stream cut after {len(self.text)} characters; "
                f"resuming ({resumes}/{MAX_RESUMES})]"
            )
            time.sleep(RESUME_PAUSE_S * resumes)

    def _attempt(self, messages: list[Message], started: float, resumes: int) -> Outcome | None:
        """One request; an Outcome on a terminal event, None when the stream was cut."""
        stream = open_stream(self.target, payload(messages, self.options))
        reader = NdjsonReader()
        try:
            for chunk in stream.chunks():
                for event in reader.feed(chunk):
                    if event.type == "delta" and event.text:
                        self.text += event.text
                        self.out.write(event.text)
                        self.out.flush()
                        self._line_open = not event.text.endswith("\n")
                    elif event.type == "start":
                        self.model = event.data.get("model") or self.model
                    elif event.type == "done":
                        elapsed = time.monotonic() - started
                        self._say(summary(self.model, event.data, elapsed, resumes))
                        return Outcome("done", self.text)
                    elif event.type == "error":
                        self._say(f"error: stream error {error_text(event.data)}", force=True)
                        return Outcome("error", self.text)
        except StreamCut as exc:
            self._say(f"[connection lost: {exc}]")
        finally:
            stream.close()
        return None

    def _say(self, line: str, *, force: bool = False) -> None:
        if self.options.quiet and not force:
            return
        if self._line_open and self.out.isatty() and self.err.isatty():
            # One terminal shows both: keep the status line off the end of the answer.
            self.out.write("\n")
            self.out.flush()
            self._line_open = False
        self.err.write(line + "\n")
        self.err.flush()
