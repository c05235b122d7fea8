"""Reading environment variables strictly: each bad value becomes a message that names it.

Pure (no I/O). config.from_env reads every variable through one EnvReader and raises one
ConfigError listing every problem, so an operator fixes them all in one deploy; raised during
init, it is posted to the Runtime API's /init/error and becomes the body of the 502 that
callers see (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping
from typing import TypeVar

T = TypeVar("T")

# Plain decimal notation only: Python's int()/float() would also take "1_000", "1e3",
# "inf", "nan" and non-ASCII digits, none of which an operator means as a setting.
_WHOLE = re.compile(r"[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]*)?|\.[0-9]+", re.ASCII)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class ConfigError(ValueError):
    """Environment variables the function cannot run with; the message names each one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


class EnvReader:
    """Typed reads of one environment mapping, collecting a message per bad value."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def text(self, name: str) -> str:
        """The value with surrounding blanks removed; empty when unset."""
        return self.env.get(name, "").strip()

    def problem(self, message: str) -> None:
        """Record a problem found by a caller's own check."""
        self.problems.append(message)

    def check(self) -> None:
        """Raise ConfigError if any read found a problem."""
        if self.problems:
            raise ConfigError(self.problems)

    def _read(self, name: str, default: T, parse: Callable[[str], T | None], wanted: str) -> T:
        raw = self.text(name)
        if not raw:
            return default
        value = parse(raw)
        if value is None:
            self.problem(f"{name} must be {wanted}, not {raw!r}")
            return default
        return value

    def whole(self, name: str, default: int, low: int, high: int) -> int:
        """A whole number from low to high."""

        def parse(raw: str) -> int | None:
            value = int(raw) if _WHOLE.fullmatch(raw) else None
            return value if value is not None and low <= value <= high else None

        return self._read(name, default, parse, f"a whole number from {low} to {high}")

    def seconds(self, name: str, default: float, low: float, high: float) -> float:
        """A number of seconds from low to high (decimals allowed)."""

        def parse(raw: str) -> float | None:
            value = float(raw) if _DECIMAL.fullmatch(raw) else None
            ok = value is not None and math.isfinite(value) and low <= value <= high
            return value if ok else None

        return self._read(name, default, parse, f"a number of seconds from {low:g} to {high:g}")

    def flag(self, name: str, default: bool = False) -> bool:
        """true/false (also 1/0, yes/no, on/off), any case."""

        def parse(raw: str) -> bool | None:
            lowered = raw.lower()
            return True if lowered in _TRUE else (False if lowered in _FALSE else None)

        return self._read(name, default, parse, "true or false")

    def choice(self, name: str, default: str, choices: Collection[str]) -> str:
        """One of choices, any case; returned as listed in choices."""
        by_lower = {choice.lower(): choice for choice in choices}
        listed = ", ".join(choices)
        return self._read(name, default, lambda raw: by_lower.get(raw.lower()), f"one of {listed}")

    def matching(self, name: str, pattern: re.Pattern[str], wanted: str) -> str | None:
        """A value that fully matches pattern, or None when unset (or bad, with a problem)."""
        return self._read(name, None, lambda raw: raw if pattern.fullmatch(raw) else None, wanted)
