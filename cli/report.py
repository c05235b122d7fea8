"""How `python -m cli check` shows its rows: a table line by line, or one JSON document."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Final

from cli.verdicts import Row, Status

LABELS: Final[dict[Status, str]] = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "skip": "SKIP"}
NAME_WIDTH: Final = 7


def header() -> str:
    """The table's first line."""
    return f"{'CHECK':<{NAME_WIDTH}} RESULT  DETAIL"


def line(row: Row) -> str:
    """One row of the table."""
    return f"{row.name:<{NAME_WIDTH}} {LABELS[row.status]:<6}  {row.detail}"


def passed(rows: Sequence[Row]) -> bool:
    """True when no check failed (warnings and skips pass)."""
    return all(row.status != "fail" for row in rows)


def summary(rows: Sequence[Row]) -> str:
    """The table's last line: the verdict and the counts."""
    counts = Counter(row.status for row in rows)
    tally = ", ".join(f"{counts[status]} {word}" for status, word in _WORDS if counts[status])
    return f"{'PASSED' if passed(rows) else 'FAILED'}: {tally}"


_WORDS: Final[tuple[tuple[Status, str], ...]] = (
    ("pass", "passed"),
    ("warn", "passed with a warning"),
    ("fail", "failed"),
    ("skip", "skipped"),
)


def document(url: str, rows: Sequence[Row]) -> str:
    """The machine-readable report (`--json`)."""
    checks = [
        {"name": row.name, "status": row.status, "detail": row.detail, "numbers": dict(row.numbers)}
        for row in rows
    ]
    return json.dumps({"url": url, "passed": passed(rows), "checks": checks}, indent=2)
