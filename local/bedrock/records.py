"""What the local Bedrock records: each request as received, and how its answer ended."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from local.bedrock.jsonbody import JsonMap

# How the answer to one request ended, as the emulator saw it:
# refused: an HTTP error instead of an answer; completed: every byte was sent (the last chunk
# too); client_closed: the client closed the connection before the end (it stopped reading);
# reset: the emulator reset the connection (fault=reset); stopped: the emulator was stopping.
Ending = Literal["refused", "completed", "client_closed", "reset", "stopped"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator received it."""

    method: str
    path: str
    operation: str | None  # e.g. "ConverseStream"; None for unknown routes
    model_id: str | None  # URL-decoded
    headers: dict[str, str]
    body: JsonMap | None  # parsed JSON, None when the body is not a JSON object
    raw_body: bytes


@dataclass(frozen=True)
class AnswerEnd:
    """How the emulator's answer to one request ended (see Ending)."""

    request: RecordedRequest
    ending: Ending
    ended_at: float  # time.monotonic()
