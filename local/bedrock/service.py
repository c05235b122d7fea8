"""Pure request handling: an operation, a model id and a body in; the reply to send out."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field

from local.bedrock.cache import PromptCache
from local.bedrock.checks import check_request
from local.bedrock.compose import PlanError, compose_plan
from local.bedrock.converse import parse_converse
from local.bedrock.directives import DirectiveError, split_directives
from local.bedrock.errors import HTTP_FAULTS, STREAM_EXCEPTIONS, BedrockError
from local.bedrock.eventstream import CONTENT_TYPE
from local.bedrock.families import family_for
from local.bedrock.formats import ConverseFormat, JsonObject, StreamFormat
from local.bedrock.jsonbody import invalid, load_object
from local.bedrock.model import Plan, Prompt, Turn
from local.bedrock.providers.base import NativeFormat
from local.bedrock.providers.registry import base_model_id, provider_for
from local.bedrock.script import Step, stream_steps


@dataclass(frozen=True)
class Operation:
    """A Bedrock Runtime operation as routed by the last path segment."""

    name: str
    streaming: bool
    native: bool


# POST /model/{modelId}/<suffix> (botocore bedrock-runtime service model, requestUri).
OPERATIONS: dict[str, Operation] = {
    "converse-stream": Operation("ConverseStream", streaming=True, native=False),
    "converse": Operation("Converse", streaming=False, native=False),
    "invoke-with-response-stream": Operation("InvokeModelWithResponseStream", True, True),
    "invoke": Operation("InvokeModel", streaming=False, native=True),
}


@dataclass(frozen=True)
class JsonReply:
    """A 200 JSON body, sent after `delay` seconds (the time the model would take)."""

    body: JsonObject
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class StreamReply:
    """A 200 event stream: headers now, then the steps."""

    steps: Iterator[Step]
    headers: dict[str, str] = field(default_factory=dict)


Reply = JsonReply | StreamReply

# Faults that only a stream can show (a connection cut mid-answer, an answer without its end).
STREAM_ONLY_FAULTS = frozenset({"reset", "no_stop"})


def _read(operation: Operation, model_id: str, raw: bytes) -> tuple[Prompt, StreamFormat]:
    body = load_object(raw)
    if not operation.native:
        return parse_converse(body, model_id), ConverseFormat()
    provider = provider_for(model_id, body)
    return provider.parse(body), NativeFormat(provider)


def _check_prefill(model_id: str, prompt: Prompt) -> None:
    """Anthropic models refuse a final assistant message that ends in white space.

    Real Bedrock answers such a request with a ValidationException ("final assistant content
    cannot end with trailing whitespace"); refusing it here too keeps resume honest locally.
    """
    if base_model_id(model_id).startswith("anthropic.") and prompt.prefix != prompt.prefix.rstrip():
        raise invalid("messages: final assistant content cannot end with trailing whitespace")


def _native_limits(fmt: StreamFormat, plan: Plan) -> None:
    """Native bodies: reasoning and tool calls are emulated for Anthropic Messages only."""
    if not isinstance(fmt, NativeFormat):
        return
    name = fmt.provider.name
    if (plan.reasoning or plan.tool) and fmt.rich is None:
        raise invalid(
            f"The local Bedrock emulates reasoning and tool calls in native Anthropic Messages "
            f"bodies only, not in {name} bodies."
        )
    if plan.fault == "guardrail":
        raise invalid("The local Bedrock emulates fault=guardrail in Converse only.")


def _plan(model_id: str, prompt: Prompt, request_id: str, cache: PromptCache | None) -> Plan:
    family = family_for(model_id)
    try:
        plan = compose_plan(family, prompt, request_id)
    except (DirectiveError, PlanError) as exc:
        raise invalid(str(exc)) from exc
    if not (prompt.asks.cache_prefixes and family.caching and cache is not None):
        return plan
    usage = cache.account(
        base_model_id(model_id),
        prompt.asks.cache_prefixes,
        family.cache_min_tokens,
        plan.input_tokens,
    )
    return dataclasses.replace(plan, usage=usage)


def reply(
    operation: Operation,
    model_id: str,
    raw: bytes,
    request_id: str,
    *,
    attempt: int = 1,
    corrupt: bool = False,
    cache: PromptCache | None = None,
) -> Reply:
    """The reply to one request (`attempt` counts identical ones); BedrockError if refused."""
    prompt, fmt = _read(operation, model_id, raw)
    _check_prefill(model_id, prompt)
    check_request(model_id, prompt, streaming=operation.streaming, native=operation.native)
    try:
        directives, _ = split_directives(prompt.user_text)
    except DirectiveError as exc:
        raise invalid(str(exc)) from exc
    if directives.fault in HTTP_FAULTS and (
        directives.after is None or attempt <= directives.after
    ):
        # With `after=N` only the first N identical attempts are refused, so SDK retries and
        # the handler's retry-before-first-byte path can succeed.
        raise BedrockError(HTTP_FAULTS[directives.fault])
    plan = _plan(model_id, prompt, request_id, cache)
    _native_limits(fmt, plan)
    turn = Turn(
        model_id=model_id,
        request_id=request_id,
        plan=plan,
        user_text=prompt.user_text,
        asks=prompt.asks,
    )
    if operation.streaming:
        headers = {"Content-Type": CONTENT_TYPE}
        if operation.native:  # botocore exposes it as response["contentType"]
            headers["X-Amzn-Bedrock-Content-Type"] = "application/json"
        return StreamReply(steps=stream_steps(fmt, turn, corrupt=corrupt), headers=headers)
    if plan.fault in STREAM_EXCEPTIONS:  # no stream to break: the error is the HTTP answer
        raise BedrockError(STREAM_EXCEPTIONS[plan.fault].without_stream)
    if plan.fault in STREAM_ONLY_FAULTS:
        raise invalid(f"The local Bedrock emulates fault={plan.fault} in streams only.")
    headers = {"Content-Type": "application/json"}
    if operation.native:  # InvokeModel reports usage in headers too
        tokens = plan.usage_or_plain
        headers |= {
            "X-Amzn-Bedrock-Input-Token-Count": str(tokens.input_tokens),
            "X-Amzn-Bedrock-Output-Token-Count": str(plan.output_tokens),
            "X-Amzn-Bedrock-Invocation-Latency": str(plan.latency_ms),
        }
        if tokens.cached:  # the prompt caching page's InvokeModel response headers
            headers |= {
                "X-Amzn-Bedrock-Cache-Read-Input-Token-Count": str(tokens.cache_read),
                "X-Amzn-Bedrock-Cache-Write-Input-Token-Count": str(tokens.cache_write),
            }
    return JsonReply(body=fmt.complete(turn), headers=headers, delay=plan.latency_ms / 1000)
