"""The rule table and the one function that applies it (docs/API.md §12.5)."""

from __future__ import annotations

from local.bedrock.errors import VALIDATION, BedrockError
from local.bedrock.families import family_for, split_model_id
from local.bedrock.model import Prompt
from local.bedrock.rules import (
    Request,
    Rule,
    attachment_count,
    attachment_shape,
    document_name,
    document_needs_text,
    input_kinds,
    on_demand,
    output_length,
    sampling,
    tool_blocks_need_config,
    tool_declarations,
    tool_results_answer_uses,
    tool_support,
)
from local.bedrock.rules_reasoning import (
    caching,
    foreign_reasoning_fields,
    reasoning_effort,
    signed_reasoning,
    thinking_budget,
    thinking_compatibility,
    thinking_prefill,
    thinking_shape,
)

# Applied in order; the first broken rule is the answer, as one ValidationException.
RULES: tuple[Rule, ...] = (
    on_demand,
    attachment_shape,
    attachment_count,
    document_name,
    document_needs_text,
    input_kinds,
    tool_support,
    tool_declarations,
    tool_blocks_need_config,
    tool_results_answer_uses,
    sampling,
    output_length,
    foreign_reasoning_fields,
    thinking_shape,
    thinking_budget,
    thinking_compatibility,
    thinking_prefill,
    signed_reasoning,
    reasoning_effort,
    caching,
)


def check_request(model_id: str, prompt: Prompt, *, streaming: bool, native: bool) -> None:
    """Refuse a request that breaks a rule, as Bedrock would (ValidationException)."""
    request = Request(
        model_id=model_id,
        family=family_for(model_id),
        prompt=prompt,
        streaming=streaming,
        native=native,
        via_profile=split_model_id(model_id)[1],
    )
    for rule in RULES:
        message = rule(request)
        if message is not None:
            raise BedrockError(VALIDATION, message)
