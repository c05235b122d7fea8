"""Fakes for handler tests: a recording response stream, a Lambda context, a scripted Bedrock."""

from __future__ import annotations

import base64
import copy
import json
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError, EventStreamError

from bedrock_stream.config import FALLBACK_MODELS, Config

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"


def load_event(name: str) -> dict[str, Any]:
    """A stored payload-2.0 Function URL event."""
    return json.loads((EVENTS_DIR / name).read_text())


def make_event(
    method: str = "POST",
    path: str = "/chat",
    body: Any = None,
    *,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    b64: bool = False,
    raw_body: str | None = None,
) -> dict[str, Any]:
    """A real-shaped event (from tests/events/post_chat.json) with the given request."""
    event = copy.deepcopy(load_event("post_chat.json"))
    event["rawPath"] = path
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["http"]["path"] = path
    event["headers"] = {"accept": "*/*", **(headers or {})}
    event.pop("body", None)
    text = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
    if text is not None:
        event["body"] = base64.b64encode(text.encode()).decode() if b64 else text
    event["isBase64Encoded"] = b64
    if query is not None:
        event["queryStringParameters"] = dict(query)
        event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
    return event


@dataclass
class Call:
    kind: str
    t: float
    data: Any


class FakeStream:
    """Records start/write/close with timestamps, like the runtime's response stream."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._started = False

    @property
    def started(self) -> bool:
        return self._started

    def start(
        self,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        cookies: Sequence[str] | None = None,
    ) -> None:
        assert not self._started, "start called twice"
        self._started = True
        self.calls.append(Call("start", time.monotonic(), (status, dict(headers or {}))))

    def write(self, data: bytes | str) -> None:
        assert self._started, "write before start"
        raw = data.encode() if isinstance(data, str) else bytes(data)
        self.calls.append(Call("write", time.monotonic(), raw))

    def close(self) -> None:
        self.calls.append(Call("close", time.monotonic(), None))

    @property
    def status(self) -> int:
        return int(self.calls[0].data[0])

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.calls[0].data[1])

    @property
    def writes(self) -> list[bytes]:
        return [c.data for c in self.calls if c.kind == "write"]

    @property
    def body(self) -> bytes:
        return b"".join(self.writes)

    def json(self) -> Any:
        return json.loads(self.body)

    def sse(self) -> list[tuple[str, Any]]:
        """The SSE events (name, data) in order; comments are skipped."""
        out = []
        for record in self.body.decode().split("\n\n"):
            lines = [ln for ln in record.split("\n") if ln and not ln.startswith(":")]
            if not lines:
                continue
            name = next(ln[7:] for ln in lines if ln.startswith("event: "))
            data = next(ln[6:] for ln in lines if ln.startswith("data: "))
            out.append((name, json.loads(data)))
        return out

    def text(self) -> str:
        return "".join(d["text"] for n, d in self.sse() if n == "delta")

    def terminal(self) -> tuple[str, Any]:
        return self.sse()[-1]


class FakeContext:
    """A Lambda context whose remaining time follows the real clock from a deadline."""

    def __init__(self, remaining_s: float = 300.0, request_id: str = "req-0001") -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = "arn:aws:lambda:us-east-1:111122223333:function:bedrock-stream"
        self.function_name = "bedrock-stream"
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.log_group_name = "/aws/lambda/bedrock-stream"
        self.log_stream_name = "2026/11/21/[$LATEST]abcdef"
        self._deadline = time.monotonic() + remaining_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


# --- scripted Bedrock -----------------------------------------------------------------------


@dataclass(frozen=True)
class Sleep:
    """Wait this long (interrupted by close) before the next event."""

    seconds: float


@dataclass(frozen=True)
class Hang:
    """Block until the stream is closed."""


@dataclass(frozen=True)
class Delayed:
    """A script entry: the call itself takes this long before returning the stream."""

    seconds: float
    steps: list[Any]


@dataclass(frozen=True)
class Raise:
    """Raise this exception from the iterator."""

    exc: BaseException


def client_error(
    code: str, status: int, message: str = "boom", op: str = "ConverseStream"
) -> ClientError:
    """A ClientError as botocore raises it for an HTTP error on the initial call."""
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        op,
    )


def stream_error(code: str, message: str = "boom") -> EventStreamError:
    """An in-stream exception as botocore raises it while iterating."""
    return EventStreamError({"Error": {"Code": code, "Message": message}}, "ConverseStream")


def converse_events(
    pieces: Sequence[str],
    stop_reason: str | None = "end_turn",
    usage: tuple[int, int] = (12, 7),
    metadata: bool = True,
) -> list[dict[str, Any]]:
    """The boto3-shaped ConverseStream events of an answer."""
    events: list[dict[str, Any]] = [{"messageStart": {"role": "assistant"}}]
    events += [
        {"contentBlockDelta": {"delta": {"text": p}, "contentBlockIndex": 0}} for p in pieces
    ]
    events.append({"contentBlockStop": {"contentBlockIndex": 0}})
    if stop_reason is not None:
        events.append({"messageStop": {"stopReason": stop_reason}})
        if metadata:
            events.append(
                {
                    "metadata": {
                        "usage": {
                            "inputTokens": usage[0],
                            "outputTokens": usage[1],
                            "totalTokens": sum(usage),
                        },
                        "metrics": {"latencyMs": 321},
                    }
                }
            )
    return events


class FakeEventStream:
    """Iterable once, closable from another thread; records whether it was closed."""

    def __init__(self, steps: Sequence[Any]) -> None:
        self._steps = list(steps)
        self.closed = threading.Event()
        self.iteration_ended = threading.Event()
        self.yielded = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        try:
            for step in self._steps:
                if self.closed.is_set():
                    return
                if isinstance(step, Sleep):
                    if self.closed.wait(step.seconds):
                        return
                elif isinstance(step, Hang):
                    self.closed.wait()
                    return
                elif isinstance(step, Raise):
                    raise step.exc
                else:
                    self.yielded += 1
                    yield step
        finally:
            self.iteration_ended.set()

    def close(self) -> None:
        self.closed.set()


@dataclass
class FakeBedrock:
    """Scripted bedrock-runtime client: each call takes the next script entry.

    An entry is an exception (raised by the call, as an HTTP error) or a list of steps for the
    event stream. It records every call's arguments and every stream it made.
    """

    script: list[Any]
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    streams: list[FakeEventStream] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    repeat_last: bool = False

    def _next(self, op: str, kwargs: dict[str, Any]) -> FakeEventStream:
        with self.lock:
            self.calls.append((op, kwargs))
            entry = (
                self.script[0]
                if (self.repeat_last and len(self.script) == 1)
                else self.script.pop(0)
            )
        if isinstance(entry, BaseException):
            raise entry
        if isinstance(entry, Delayed):
            time.sleep(entry.seconds)
            entry = entry.steps
        stream = FakeEventStream(entry)
        with self.lock:
            self.streams.append(stream)
        return stream

    def converse_stream(self, **kwargs: Any) -> Any:
        return {"stream": self._next("ConverseStream", kwargs), "ResponseMetadata": {}}

    def invoke_model_with_response_stream(self, **kwargs: Any) -> Any:
        return {
            "body": self._next("InvokeModelWithResponseStream", kwargs),
            "contentType": "application/json",
        }


class EchoBedrock:
    """A client that answers every converse_stream with its last user text, in small pieces."""

    def __init__(self, piece: int = 3, delay_s: float = 0.0) -> None:
        self.piece = piece
        self.delay_s = delay_s
        self.streams: list[FakeEventStream] = []
        self.lock = threading.Lock()

    def converse_stream(self, **kwargs: Any) -> Any:
        text = kwargs["messages"][-1]["content"][0]["text"]
        pieces = [text[i : i + self.piece] for i in range(0, len(text), self.piece)]
        steps: list[Any] = []
        for event in converse_events(pieces):
            if self.delay_s:
                steps.append(Sleep(self.delay_s))
            steps.append(event)
        stream = FakeEventStream(steps)
        with self.lock:
            self.streams.append(stream)
        return {"stream": stream}

    def invoke_model_with_response_stream(self, **kwargs: Any) -> Any:
        raise NotImplementedError


# The function's own fallback allow-list (docs/API.md §9's local list).
TEST_MODELS = FALLBACK_MODELS


def make_config(**overrides: Any) -> Config:
    """A Config with fast timings for tests."""
    base: dict[str, Any] = {
        "allowed_models": TEST_MODELS,
        "default_model": TEST_MODELS[0],
        "stall_timeout_s": 2.0,
        "keepalive_s": 5.0,
        "deadline_margin_s": 0.5,
        "backoff_base_s": 0.01,
        "backoff_cap_s": 0.05,
        "reader_join_s": 2.0,
        "read_timeout_s": 5.0,
    }
    base.update(overrides)
    return Config(**base)
