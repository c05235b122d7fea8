"""`--chat`: a conversation, one line per turn from stdin, with a few slash commands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, TextIO

from cli.attach import AttachError, File, check_counts, read_file, to_blocks
from cli.content import Message, document_names, user_message
from cli.options import Options
from cli.transport import Target
from cli.turn import EXIT, Turn
from cli.view import View


@dataclass
class Session:
    """A conversation: what was said, and the attachments waiting for the next message."""

    target: Target
    options: Options
    view: View
    history: list[Message] = field(default_factory=list)
    pending: list[File] = field(default_factory=list)
    status: int = 0
    done: bool = False

    def send(self, prompt: str) -> None:
        """One turn; kept (with its attachments and reasoning) when an answer came."""
        blocks = to_blocks(self.pending, document_names(self.history))
        user = user_message(prompt, blocks)
        outcome = Turn(self.target, self.options, self.view).run([*self.history, user])
        self.view.end_answer(always=True)
        self.status = EXIT[outcome.kind]
        kept = outcome.answer.message()
        if kept is None:  # roles alternate: a turn without an answer is not kept
            if self.pending:
                self.view.say(f"[no answer: {len(self.pending)} attachment(s) wait for the next]")
            return
        self.history += [user, kept]
        self.pending = []


def _exit(session: Session, _: str) -> None:
    session.done = True


def _reset(session: Session, _: str) -> None:
    session.history, session.pending = [], []


def _attach(session: Session, path: str) -> None:
    try:
        file = read_file(path)
        check_counts([*session.pending, file])
    except AttachError as exc:
        session.view.say(f"error: {exc}", force=True)
        return
    session.pending.append(file)
    kind = file.format.kind
    session.view.say(f"[{path}: {kind} ({len(file.data)} bytes) goes with your next message]")


# `/word argument` -> what it does; any other line (also other `/...` lines) is a prompt.
COMMANDS: Final[dict[str, Callable[[Session, str], None]]] = {
    "/exit": _exit,
    "/quit": _exit,
    "/reset": _reset,
    "/attach": _attach,
}


def chat(session: Session, first: str | None, *, stdin: TextIO, err: TextIO) -> int:
    """Run the conversation until /exit or end of input; the status of the last turn."""
    pending_line = first
    while not session.done:
        if pending_line is None:
            err.write("you> ")
            err.flush()
            line = stdin.readline()
            if not line:
                err.write("\n")
                break
            pending_line = line.rstrip("\r\n")
        line, pending_line = pending_line, None
        word, _, argument = line.strip().partition(" ")
        command = COMMANDS.get(word)
        if command is not None:
            command(session, argument.strip())
        elif line.strip():
            session.send(line)
    return session.status
