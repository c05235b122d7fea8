"""Typed reading of untrusted JSON request bodies; shape errors become ValidationException."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from local.bedrock.errors import VALIDATION, BedrockError

JsonMap = Mapping[str, object]


def invalid(message: str) -> BedrockError:
    """A ValidationException with a message that says what was wrong."""
    return BedrockError(VALIDATION, message)


def load_object(raw: bytes) -> JsonMap:
    """The body as a JSON object."""
    try:
        value = json.loads(raw or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise invalid(f"Malformed input request: {exc}") from exc
    if not isinstance(value, dict):
        raise invalid("Malformed input request: the body must be a JSON object.")
    return value


def field(body: JsonMap, key: str) -> object:
    """A field of an object, None when absent."""
    return body.get(key)


def obj(value: object, where: str) -> JsonMap:
    """A JSON object, or {} for None."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise invalid(f"{where} must be an object.")
    return value


def array(value: object, where: str) -> Sequence[object]:
    """A JSON array, or [] for None."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid(f"{where} must be an array.")
    return value


def text(value: object, where: str, default: str | None = None) -> str:
    """A JSON string (default when absent and a default is given)."""
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        raise invalid(f"{where} must be a string.")
    return value


def opt_int(value: object, where: str) -> int | None:
    """An optional positive integer (max tokens fields)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid(f"{where} must be an integer of at least 1.")
    return value


def opt_number(value: object, where: str, high: float) -> float | None:
    """An optional number in 0..high (sampling parameters)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= high:
        raise invalid(f"{where} must be a number from 0 to {high}.")
    return float(value)


def strings(value: object, where: str) -> tuple[str, ...]:
    """An optional array of strings (stop sequences)."""
    return tuple(text(item, where) for item in array(value, where))
