"""Native mode: InvokeModelWithResponseStream with a chunk parser per provider, from a registry."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from bedrock_stream.adapter import BedrockCall, StreamMapper
from bedrock_stream.bedrock_client import BedrockRuntimeProtocol, EventStreamProtocol
from bedrock_stream.errors import AppError
from bedrock_stream.model_ids import base_model_id
from bedrock_stream.native.amazon import NovaParser, TitanParser
from bedrock_stream.native.anthropic import AnthropicParser
from bedrock_stream.native.others import CohereParser, JambaParser, LlamaParser, MistralParser

# Model id prefix (after any inference-profile geography) -> parser; longest prefix wins.
PARSERS: Final[dict[str, Callable[[], StreamMapper]]] = {
    "anthropic.": AnthropicParser,
    "amazon.titan-text": TitanParser,
    "amazon.nova": NovaParser,
    "meta.llama": LlamaParser,
    "cohere.command": CohereParser,
    "cohere.command-r": CohereParser,
    "mistral.": MistralParser,
    "ai21.jamba": JambaParser,
}


def parser_for(model: str) -> Callable[[], StreamMapper]:
    """The chunk parser factory for a model, or invalid_request if no provider matches."""
    base = base_model_id(model)
    matches = [prefix for prefix in PARSERS if base.startswith(prefix)]
    if not matches:
        raise AppError("invalid_request", f"native mode does not know the provider of {model!r}")
    return PARSERS[max(matches, key=len)]


# Model id prefix -> where its native body names the answer's length limit.
TOKEN_LIMIT_FIELDS: Final[dict[str, tuple[tuple[str, ...], ...]]] = {
    "anthropic.": (("max_tokens",), ("max_tokens_to_sample",)),
    "amazon.titan-text": (("textGenerationConfig", "maxTokenCount"),),
    "amazon.nova": (("inferenceConfig", "maxTokens"), ("inferenceConfig", "max_new_tokens")),
    "meta.llama": (("max_gen_len",),),
    "cohere.command": (("max_tokens",),),
    "mistral.": (("max_tokens",),),
    "ai21.jamba": (("max_tokens",),),
}


def check_token_limit(model: str, body: Mapping[str, Any], limit: int) -> None:
    """Refuse a native body whose own length limit is over MAX_TOKENS_LIMIT (API.md §8).

    The ceiling is the deployment's, whichever way a request asks: a native body must not
    get around it. Values that are not numbers are left to Bedrock's own validation.
    """
    base = base_model_id(model)
    for prefix, paths in TOKEN_LIMIT_FIELDS.items():
        if not base.startswith(prefix):
            continue
        for path in paths:
            value: Any = body
            for key in path:
                value = value.get(key) if isinstance(value, Mapping) else None
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if number and value > limit:
                name = ".".join(("native", *path))
                raise AppError(
                    "invalid_request", f"{name} must be smaller than or equal to {limit}"
                )


def native_call(model: str, body: Mapping[str, Any]) -> BedrockCall:
    """The prepared InvokeModelWithResponseStream call for a native body."""
    parser = parser_for(model)
    payload = json.dumps(body).encode()

    def open_stream(client: BedrockRuntimeProtocol) -> EventStreamProtocol:
        response = client.invoke_model_with_response_stream(
            modelId=model, body=payload, contentType="application/json", accept="application/json"
        )
        stream: EventStreamProtocol = response["body"]
        return stream

    return BedrockCall("InvokeModelWithResponseStream", open_stream, parser)
