"""The soak (docs/RELIABILITY.md): echo streams of random Unicode text through the twin.

`make test` runs 100 streams, 10 at a time; `make soak` 1,000, 50 at a time (scale.py). Every
stream must come back byte for byte, in order, ended by `done`; each environment's memory
(VmRSS) must stay flat after warm-up.

The bounds: RSS moves in whole pages, CPython's allocator takes memory in 256 KiB arenas and
glibc's malloc keeps what was freed for reuse, so a warm environment still drifts by a few
hundred KiB (measured: at most 156 KiB over 40 streams of 20 KB, then 0 over 80 more). The
probe streams about 1,500 deltas per answer through one environment: keeping each answer's
deltas alive (a Delta object and its string per delta, over 100 KiB an answer) would grow it
by more than PROBE_BOUND_KIB within 20 streams, so 1 MiB separates a leak from the drift.
ENV_BOUND_KIB, for environments that each serve only a few of the soak's short streams,
catches gross leaks only.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.chat.twin import ChatTwin, running_twin
from tests.reliability.scale import current
from tests.reliability.soak import probe, soak

SCALE = current()
SEED = 20251129  # fixed: a failure is repeatable
ENV_BOUND_KIB = 2048
PROBE_BOUND_KIB = 768


@pytest.fixture(scope="module")
def soak_twin() -> Iterator[ChatTwin]:
    with running_twin("none", max_concurrency=SCALE.concurrency) as twin:
        yield twin


@pytest.mark.timeout(SCALE.timeout_s)
def test_every_stream_is_exact_and_ends_with_done(soak_twin: ChatTwin) -> None:
    figures = soak(
        soak_twin,
        streams=SCALE.streams,
        concurrency=SCALE.concurrency,
        warmup=SCALE.warmup,
        seed=SEED,
    )
    print(f"\nsoak ({SCALE.name} scale):", *figures.lines(), sep="\n  ")
    assert figures.failures == []
    assert (figures.streams, figures.done, figures.exact) == (SCALE.streams,) * 3
    assert figures.environments == SCALE.concurrency  # one per concurrent stream, reused after
    growth = figures.growth_kib()
    assert len(growth) == SCALE.concurrency  # every environment was measured twice
    assert max(growth.values()) <= ENV_BOUND_KIB


@pytest.mark.timeout(SCALE.timeout_s)
def test_memory_is_flat_after_warm_up(soak_twin: ChatTwin) -> None:
    measured = probe(soak_twin, streams=SCALE.probe_streams, seed=SEED)
    print(f"\nmemory ({SCALE.name} scale):", *measured.lines(), sep="\n  ")
    assert measured.failures == []
    assert measured.deltas > 500
    assert measured.growth_kib <= PROBE_BOUND_KIB
