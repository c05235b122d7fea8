"""Order statistics for benchmark samples: nearest-rank percentiles and medians."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank p-th percentile (0..100) of values; nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = math.ceil(p / 100 * len(ordered))
    return ordered[min(len(ordered) - 1, max(0, rank - 1))]


def median(values: Sequence[float]) -> float:
    """The median of values; nan for no values."""
    return statistics.median(values) if values else math.nan


def summary(values: Sequence[float]) -> dict[str, float]:
    """n, p50, p90, p99, min and max, for the run's metadata."""
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
        "min": min(values),
        "max": max(values),
    }
