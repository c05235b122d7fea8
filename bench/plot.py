"""latency.png: our latency distributions against the peer's, one panel each (matplotlib)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bench.stats import percentile

if TYPE_CHECKING:
    from bench.report import BenchRun

# The distributions the plot compares: (title, ours, peer).
PLOTTED = (
    ("Chain-added latency per delta", "chain_ours_ms", "chain_peer_ms"),
    ("TTFB overhead (warm)", "ttfb_ours_ms", "ttfb_peer_ms"),
)


def plot(bench: BenchRun, path: Path) -> None:
    """latency.png: ours against the peer, one panel per distribution."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(PLOTTED), figsize=(12, 4.5))
    for ax, (title, ours_key, peer_key) in zip(axes, PLOTTED, strict=True):
        series = [
            ("ours (local Function URL)", bench.distributions.get(ours_key, []), "tab:blue"),
            ("peer (FastAPI + uvicorn)", bench.distributions.get(peer_key, []), "tab:orange"),
        ]
        values = [v for _, data, _ in series for v in data]
        # The body of both distributions; the tails (in the latency table) fold into the edges.
        low = min(percentile(values, 1), 0.0) if values else 0.0
        high = percentile(values, 95) if values else 1.0
        bins = [low + (high - low) * i / 60 for i in range(61)]
        for label, data, color in series:
            if not data:
                continue
            p50 = percentile(data, 50)
            ax.hist(
                [min(max(v, low), high) for v in data],
                bins=bins,
                histtype="step",
                linewidth=1.6,
                color=color,
                label=f"{label}: p50 {p50:.2f} ms, n={len(data)}",
            )
            ax.axvline(p50, color=color, linestyle="--", linewidth=1)
        ax.set_title(title)
        ax.set_xlabel("ms (p1 to p95 of both; the tails fold into the edge bins)")
        ax.set_ylabel("count")
        if values:
            ax.legend(fontsize=8)
        else:
            ax.text(0.5, 0.5, "not measured", ha="center", transform=ax.transAxes)
    fig.suptitle(
        f"Bedrock Stream vs a FastAPI StreamingResponse peer ({bench.run.get('mode')} run)"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
