"""One turn of the conversation: stream the answer, resuming a cut stream (docs/API.md §5)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from cli.answer import Answer
from cli.content import Message
from cli.options import Options
from cli.transport import ConnectError, StatusError, StreamCut, Target, open_stream
from cli.view import View
from cli.wire import NdjsonReader, StreamEvent, error_text, summary

OutcomeKind = Literal["done", "error", "http_error", "cut", "connect_error", "tool_use"]
MAX_RESUMES = 3
RESUME_PAUSE_S = 0.5

# Distinct exit statuses, so that scripts can tell what went wrong.
EXIT: Final[dict[OutcomeKind, int]] = {
    "done": 0,
    "error": 1,  # an in-stream `error` event (the text before it was printed)
    "http_error": 3,  # an HTTP error status before the stream (docs/API.md §4)
    "cut": 4,  # the stream broke off and could not be resumed
    "connect_error": 5,  # the service could not be reached; also missing credentials
    "tool_use": 6,  # the model asked for a tool call (printed on stderr); the client runs none
}
TOOL_NOTE: Final = (
    "[the model asked for a tool call (printed above); this client runs no tools, "
    "so the turn ends here]"
)


@dataclass(frozen=True)
class Outcome:
    """How a turn ended, and the answer received (kept also after an error)."""

    kind: OutcomeKind
    answer: Answer = field(compare=False)

    @property
    def text(self) -> str:
        """The answer's text."""
        return self.answer.text


def payload(messages: list[Message], options: Options, *, resuming: bool = False) -> dict[str, Any]:
    """The chat request body (docs/API.md §2, §12.1), asking for NDJSON.

    A resume (a final assistant message) is sent without `reasoning`: the model reasoned
    before the text it continues, and Claude with thinking on cannot continue a prefilled
    answer ("When `thinking` is enabled, a final `assistant` message must start with a
    thinking block"; the service refuses it with 400, docs/API.md §12.1).
    https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html
    """
    body: dict[str, Any] = {"messages": messages, "format": "ndjson"}
    if options.model:
        body["model"] = options.model
    if options.system:
        body["system"] = options.system
    if options.max_tokens:
        body["max_tokens"] = options.max_tokens
    if options.reasoning and not resuming:
        body["reasoning"] = dict(options.reasoning)
    if options.tools:
        body.update(options.tools)
    return body


class Turn:
    """Streams one answer to the view as it arrives; status and usage go to stderr."""

    def __init__(self, target: Target, options: Options, view: View) -> None:
        self.target, self.options, self.view = target, options, view
        self.answer = Answer()
        self.model: str | None = None
        self._resuming = False  # this attempt continues text: its reasoning is not new
        self._handlers: dict[str, Callable[[StreamEvent], None]] = {
            "start": self._start,
            "delta": self._delta,
            "reasoning": self._reasoning,
            "tool_use": self._tool_use,
        }

    def run(self, messages: list[Message]) -> Outcome:
        """Send ``messages``; resume up to MAX_RESUMES times if the stream breaks off."""
        started = time.monotonic()
        resumes = 0
        while True:
            attempt = list(messages)
            self._resuming = bool(self.answer.text)
            if self._resuming:  # the partial answer, continued by the model
                attempt.append({"role": "assistant", "content": self.answer.text})
            else:  # from the beginning: what a cut attempt reasoned is not kept
                self.answer = Answer()
            try:
                result = self._attempt(attempt, started, resumes)
            except StatusError as exc:
                self.view.say(f"error: HTTP {exc.status} {error_text(exc.error)}", force=True)
                if exc.retry_after:
                    self.view.say(f"(retry after {exc.retry_after} s)", force=True)
                if self._resuming:
                    self.view.say(
                        "(the service refused to continue the cut answer: the text above "
                        "is all that arrived)",
                        force=True,
                    )
                return Outcome("http_error", self.answer)
            except ConnectError as exc:
                if resumes == 0 or resumes >= MAX_RESUMES:
                    self.view.say(f"error: could not reach the service: {exc}", force=True)
                    return Outcome("connect_error" if resumes == 0 else "cut", self.answer)
                result = None
            if result is not None:
                return result
            if resumes >= MAX_RESUMES:
                self.view.say(
                    f"error: the stream broke off {resumes + 1} times; giving up", force=True
                )
                return Outcome("cut", self.answer)
            resumes += 1
            self.view.say(
                f"[stream cut after {len(self.answer.text)} characters; "
                f"resuming ({resumes}/{MAX_RESUMES})]"
            )
            time.sleep(RESUME_PAUSE_S * resumes)

    def _attempt(self, messages: list[Message], started: float, resumes: int) -> Outcome | None:
        """One request; an Outcome on a terminal event, None when the stream was cut."""
        body = payload(messages, self.options, resuming=self._resuming)
        stream = open_stream(self.target, body)
        reader = NdjsonReader()
        try:
            for chunk in stream.chunks():
                for event in reader.feed(chunk):
                    if event.type == "done":
                        return self._done(event, time.monotonic() - started, resumes)
                    if event.type == "error":
                        self.answer.finish()
                        self.view.say(f"error: stream error {error_text(event.data)}", force=True)
                        return Outcome("error", self.answer)
                    handler = self._handlers.get(event.type)  # keepalive and unknown: nothing
                    if handler is not None:
                        handler(event)
        except StreamCut as exc:
            self.view.say(f"[connection lost: {exc}]")
        finally:
            stream.close()
        return None

    def _start(self, event: StreamEvent) -> None:
        self.model = event.data.get("model") or self.model

    def _delta(self, event: StreamEvent) -> None:
        self.answer.add_text(event.text)
        self.view.answer(event.text)

    def _reasoning(self, event: StreamEvent) -> None:
        if self._resuming:  # shown and kept once: a model that always reasons does it again
            return
        self.answer.add_reasoning(event.data)
        if "redacted" in event.data:
            self.view.redacted()
        else:
            self.view.reasoning(event.text)

    def _tool_use(self, event: StreamEvent) -> None:
        self.view.tool_call(self.answer.add_tool_call(event.data))

    def _done(self, event: StreamEvent, elapsed: float, resumes: int) -> Outcome:
        self.answer.finish()
        self.view.say(summary(self.model, event.data, elapsed, resumes))
        if event.data.get("stop_reason") == "tool_use":
            self.view.say(TOOL_NOTE, force=True)
            return Outcome("tool_use", self.answer)
        return Outcome("done", self.answer)
