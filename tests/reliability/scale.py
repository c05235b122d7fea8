"""How big the soak and the HTTP fuzzing are: one place for both sizes.

`make test` runs the `test` scale through pytest; `make soak` sets RELIABILITY_SCALE=soak and
runs the same tests at full size, printing their figures (docs/RELIABILITY.md).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """The sizes of one run."""

    name: str
    streams: int  # echo streams of random Unicode text
    concurrency: int  # streams at a time (and so environments)
    warmup: int  # streams before the memory is first measured
    probe_streams: int  # long streams in one environment, after warm-up, for its memory
    fuzz_requests: int  # generated HTTP requests
    fuzz_clients: int  # requests at a time
    timeout_s: float  # per test, for pytest-timeout


SCALES = {
    "test": Scale("test", 100, 10, 30, 30, 1_000, 4, 240),
    "soak": Scale("soak", 1_000, 50, 150, 100, 10_000, 8, 1_800),
}


def current() -> Scale:
    """The scale named by RELIABILITY_SCALE (`test` when unset)."""
    name = os.environ.get("RELIABILITY_SCALE", "test")
    if name not in SCALES:
        raise ValueError(f"RELIABILITY_SCALE must be one of {sorted(SCALES)}, not {name!r}")
    return SCALES[name]
