"""Meta Llama on Bedrock: `prompt` + `max_gen_len`, chunks {"generation", ...}."""

from __future__ import annotations

from local.bedrock.formats import JsonObject
from local.bedrock.jsonbody import JsonMap, opt_int, text
from local.bedrock.model import Prompt, StopReason, Turn
from local.bedrock.providers.base import Template

# Chunks: {"generation", "prompt_token_count" (first chunk only), "generation_token_count",
# "stop_reason": null | "stop" | "length"}; a final empty generation carries the stop reason
# and the metrics. Sources: docs/PROTOCOLS.md 5.4; a captured final chunk in public Go tests:
# {"generation":"","prompt_token_count":null,"generation_token_count":9,"stop_reason":"stop",
# "amazon-bedrock-invocationMetrics":{...}}.
# https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-meta.html
_REASON: dict[StopReason, str] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
}

# Llama 3 chat template first, then Llama 2's [INST] form; a bare prompt is all user text.
# https://www.llama.com/docs/model-cards-and-prompt-formats/meta-llama-3/
_TEMPLATES = (
    Template(
        open="<|start_header_id|>user<|end_header_id|>",
        close="<|eot_id|>",
        user_lead="\n\n",
        answer_lead="<|start_header_id|>assistant<|end_header_id|>\n\n",
    ),
    Template(open="[INST]", close="[/INST]", user_lead=" ", user_tail=" ", answer_lead=" "),
)


def read_templated(prompt: str, templates: tuple[Template, ...]) -> tuple[str, str]:
    """The last user text and prefill under the first template the prompt uses."""
    for template in templates:
        if template.open in prompt:
            return template.read(prompt)
    return prompt, ""


class Llama:
    """Meta Llama 2 / 3 / 3.x text bodies."""

    name = "meta-llama"

    def parse(self, body: JsonMap) -> Prompt:
        """User text from the chat template; max tokens from `max_gen_len`."""
        prompt = text(body.get("prompt"), "prompt")
        user, prefix = read_templated(prompt, _TEMPLATES)
        return Prompt(
            user_text=user,
            prefix=prefix,
            context=(prompt[: max(0, prompt.rfind(user))],),
            max_tokens=opt_int(body.get("max_gen_len"), "max_gen_len"),
        )

    def opening(self, turn: Turn) -> list[JsonObject]:
        """Nothing before the first generation."""
        return []

    def delta(self, turn: Turn, index: int, text: str) -> list[JsonObject]:
        """One generation chunk with running counts."""
        first = turn.plan.input_tokens if index == 0 else None
        return [
            {
                "generation": text,
                "prompt_token_count": first,
                "generation_token_count": index + 1,
                "stop_reason": None,
            }
        ]

    def closing(self, turn: Turn) -> list[JsonObject]:
        """An empty generation with the stop reason."""
        plan = turn.plan
        return [
            {
                "generation": "",
                "prompt_token_count": None,
                "generation_token_count": plan.output_tokens,
                "stop_reason": _REASON[plan.stop_reason],
            }
        ]

    def complete(self, turn: Turn) -> JsonObject:
        """{"generation", "prompt_token_count", "generation_token_count", "stop_reason"}."""
        plan = turn.plan
        return {
            "generation": plan.text,
            "prompt_token_count": plan.input_tokens,
            "generation_token_count": plan.output_tokens,
            "stop_reason": _REASON[plan.stop_reason],
        }
