"""The OpenAI-compatible surface (docs/API.md §6, §12.4) over the same pipeline as `/chat`.

request_map (messages, parts, paths) turns an OpenAI request into a ChatRequest; chunks and
completion turn the unified events into OpenAI's answers; surface holds the routes.
"""

from bedrock_stream.openai_compat.surface import chat_completions, list_models
from bedrock_stream.openai_compat.wire import openai_error

__all__ = ["chat_completions", "list_models", "openai_error"]
