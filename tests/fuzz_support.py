"""Hypothesis strategies and markers shared by the request and handler fuzz tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# A distinctive prompt planted in values; no error message or log line may contain it.
SECRET = "zebra-cobalt-7731 secret prompt"

# Every top-level field of the chat request (docs/API.md §2).
CHAT_FIELDS = [
    "prompt",
    "messages",
    "system",
    "model",
    "max_tokens",
    "temperature",
    "top_p",
    "stop",
    "format",
    "native",
]


def json_values(*, text_size: int, container_size: int, leaves: int) -> st.SearchStrategy[Any]:
    """Arbitrary JSON values: scalars, lists and objects nested up to ``leaves`` leaves."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=text_size)
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=container_size)
            | st.dictionaries(st.text(max_size=container_size * 2), inner, max_size=container_size)
        ),
        max_leaves=leaves,
    )
