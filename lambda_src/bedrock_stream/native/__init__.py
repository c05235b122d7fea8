"""Native mode: InvokeModelWithResponseStream with a chunk parser per provider, from a registry."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from bedrock_stream.adapter import BedrockCall, StreamMapper
from bedrock_stream.bedrock_client import BedrockRuntimeProtocol, EventStreamProtocol
from bedrock_stream.blocks import Guardrail
from bedrock_stream.errors import AppError
from bedrock_stream.families import NATIVE_LIMIT_FIELDS, NativeFormat, native_format_of
from bedrock_stream.native.amazon import NovaParser, TitanParser
from bedrock_stream.native.anthropic import AnthropicParser
from bedrock_stream.native.others import CohereParser, JambaParser, LlamaParser, MistralParser

# The family table's native format -> its chunk parser (the family is read from the table).
PARSERS: Final[dict[NativeFormat, Callable[[], StreamMapper]]] = {
    "anthropic": AnthropicParser,
    "titan": TitanParser,
    "nova": NovaParser,
    "llama": LlamaParser,
    "cohere": CohereParser,
    "mistral": MistralParser,
    "jamba": JambaParser,
}


def parser_for(model: str) -> Callable[[], StreamMapper]:
    """The chunk parser factory for a model, or invalid_request if its family has none."""
    native = native_format_of(model)
    if native is None:
        raise AppError("invalid_request", f"native mode does not know the provider of {model!r}")
    return PARSERS[native]


def check_token_limit(model: str, body: Mapping[str, Any], limit: int) -> None:
    """Refuse a native body whose own length limit is over MAX_TOKENS_LIMIT (docs/API.md §8).

    The ceiling is the deployment's, whichever way a request asks: a native body must not
    get around it. Values that are not numbers are left to Bedrock's own validation.
    """
    native = native_format_of(model)
    for path in NATIVE_LIMIT_FIELDS[native] if native else ():
        value: Any = body
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and value > limit:
            name = ".".join(("native", *path))
            raise AppError("invalid_request", f"{name} must be smaller than or equal to {limit}")


def native_call(
    model: str, body: Mapping[str, Any], guardrail: Guardrail | None = None
) -> BedrockCall:
    """The prepared InvokeModelWithResponseStream call for a native body.

    The deployment's guardrail guards native bodies too (docs/API.md §12.3): an operator who
    attached one must not find a way around it. InvokeModelWithResponseStream takes it as
    the guardrailIdentifier, guardrailVersion and trace parameters (sent as the
    X-Amzn-Bedrock-Guardrail* and X-Amzn-Bedrock-Trace headers); an intervention comes back
    as `amazon-bedrock-guardrailAction` on the provider's chunk.
    https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html
    """
    parser = parser_for(model)
    payload = json.dumps(body).encode()
    extra: dict[str, str] = {}
    if guardrail is not None:
        extra = {
            "guardrailIdentifier": guardrail.identifier,
            "guardrailVersion": guardrail.version,
            "trace": "ENABLED" if guardrail.trace else "DISABLED",
        }

    def open_stream(client: BedrockRuntimeProtocol) -> EventStreamProtocol:
        response = client.invoke_model_with_response_stream(
            modelId=model,
            body=payload,
            contentType="application/json",
            accept="application/json",
            **extra,
        )
        stream: EventStreamProtocol = response["body"]
        return stream

    return BedrockCall("InvokeModelWithResponseStream", open_stream, parser)
