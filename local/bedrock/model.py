"""Records shared by the request parsers, the answer planner and the stream formats."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from local.bedrock.directives import Fault

# Converse's own spelling; each native format maps these to its provider's words.
StopReason = Literal["end_turn", "max_tokens", "stop_sequence"]


@dataclass(frozen=True)
class Prompt:
    """What a request asks, whatever its wire shape."""

    user_text: str  # the last user text, directive line included
    prefix: str = ""  # a final assistant message to continue, "" when there is none
    context: tuple[str, ...] = ()  # every other text the model reads (system, history)
    max_tokens: int | None = None
    stop_sequences: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """The answer to send and how to pace it."""

    deltas: tuple[str, ...]  # concatenated, exactly the answer text
    stop_reason: StopReason
    input_tokens: int
    ttft_s: float
    interval_s: float
    stop_sequence: str | None = None  # the stop sequence that ended the answer, if one did
    fault: Fault | None = None
    after: int = 0  # midstream/stall: deltas sent before the fault
    stall_s: float = 0.0

    @property
    def text(self) -> str:
        """The whole answer."""
        return "".join(self.deltas)

    @property
    def output_tokens(self) -> int:
        """One token per delta, as the emulator counts them."""
        return len(self.deltas)

    @property
    def latency_ms(self) -> int:
        """Planned time from request to last delta (what `latencyMs` reports)."""
        spacing = self.interval_s * max(0, self.output_tokens - 1)
        stall = self.stall_s if self.fault == "stall" else 0.0
        return round((self.ttft_s + spacing + stall) * 1000)


@dataclass(frozen=True)
class Turn:
    """One answer as a stream format sees it: the plan plus request identity."""

    model_id: str
    request_id: str
    plan: Plan
    user_text: str = ""  # some providers echo the prompt back
