"""The OpenAI-compatible surface (docs/API.md §6, §12.4) over the same pipeline as `/chat`.

request_map (messages, parts, paths) turns an OpenAI request into a ChatRequest; chunks and
completion turn the unified events into OpenAI's answers; surface holds the routes.

The route functions are imported on first use (PEP 562), so that the light modules (wire,
for the error shape needed before a request is routed) do not pull in the whole surface and
the chat pipeline behind it: the surface stays cheap to import lazily at a cold start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from bedrock_stream.openai_compat.surface import chat_completions, list_models
    from bedrock_stream.openai_compat.wire import openai_error

__all__ = ["chat_completions", "list_models", "openai_error"]

# Public name -> the module that defines it.
_HOMES: Final = {"chat_completions": "surface", "list_models": "surface", "openai_error": "wire"}


def __getattr__(name: str) -> object:
    """A public name, imported from its module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
