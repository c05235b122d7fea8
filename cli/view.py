"""How a session looks: the answer on stdout; reasoning, tool calls and status on stderr."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final, TextIO

from cli.answer import ToolCall

# ANSI "faint" (SGR 2) and "normal intensity" (SGR 22): each reasoning piece is closed on its
# own, so that a stream cut or an interrupt never leaves the terminal dim.
DIM: Final = "\x1b[2m"
UNDIM: Final = "\x1b[22m"
REDACTED_NOTE: Final = "[reasoning redacted by the model]"


def use_color(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Dim text only on a terminal, and not when NO_COLOR is set (https://no-color.org)."""
    return stream.isatty() and not environ.get("NO_COLOR")


def tool_call_line(call: ToolCall) -> str:
    """The stderr line of a tool call: one JSON object, `{"tool_use": {"id", "name", "input"}}`."""
    doc = {"tool_use": {"id": call.id, "name": call.name, "input": dict(call.input)}}
    return json.dumps(doc, ensure_ascii=False)


class View:
    """Writes one session: answers as they arrive, and everything else on stderr."""

    def __init__(self, out: TextIO, err: TextIO, *, quiet: bool = False, color: bool = False):
        self.out, self.err, self.quiet, self.color = out, err, quiet, color
        self._out_open = False  # stdout's last line is unfinished answer text
        self._reasoning_open = False  # stderr's last line is unfinished reasoning
        self._noted_redacted = False  # the redacted note is the last thing shown

    def answer(self, text: str) -> None:
        """The next piece of the answer."""
        if not text:
            return
        self._end_reasoning()
        self._noted_redacted = False
        self.out.write(text)
        self.out.flush()
        self._out_open = not text.endswith("\n")

    def reasoning(self, text: str) -> None:
        """The next piece of the model's reasoning (hidden with -q)."""
        if self.quiet or not text:
            return
        self._noted_redacted = False
        self._part_from_answer()
        self.err.write(f"{DIM}{text}{UNDIM}" if self.color else text)
        self.err.flush()
        self._reasoning_open = not text.endswith("\n")

    def redacted(self) -> None:
        """Reasoning that came encrypted: a note, once for consecutive pieces."""
        if self.quiet or self._noted_redacted:
            return
        self._end_reasoning()
        self.reasoning(REDACTED_NOTE + "\n")
        self._noted_redacted = True

    def tool_call(self, call: ToolCall) -> None:
        """A tool call, as one JSON line (shown with -q too: it is what the model answered)."""
        self.say(tool_call_line(call), force=True)

    def say(self, line: str, *, force: bool = False) -> None:
        """A status line on stderr; with -q only when forced (errors)."""
        if self.quiet and not force:
            return
        self._end_reasoning()
        self._part_from_answer()
        self.err.write(line + "\n")
        self.err.flush()

    def end_answer(self, *, always: bool = False) -> None:
        """End an unfinished answer line: on a terminal, or ``always`` (between chat turns)."""
        self._end_reasoning()
        if self._out_open and (always or self.out.isatty()):
            self.out.write("\n")
            self._out_open = False
        self.out.flush()

    def _end_reasoning(self) -> None:
        if self._reasoning_open:
            self.err.write("\n")
            self.err.flush()
            self._reasoning_open = False

    def _part_from_answer(self) -> None:
        if self._out_open and self.out.isatty() and self.err.isatty():
            # One terminal shows both: keep stderr's lines off the end of the answer.
            self.out.write("\n")
            self.out.flush()
            self._out_open = False
