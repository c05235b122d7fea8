"""The rows of the model-family table (families.py holds the type and the lookup).

Every fact comes from the AWS page named in its row's `source` or in the comment above it;
where the stored documentation did not settle a fact, the comment says so. Input kinds and
tools follow the Converse feature table:
https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-supported-models-features.html
Prompt caching: https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html
"""

from __future__ import annotations

from typing import Final

from bedrock_stream.families import ALL_INPUTS, TEXT_AND_DOCS, Family, InputKind

_DOCS = "https://docs.aws.amazon.com/bedrock/latest/userguide/"
CLAUDE_MESSAGES = _DOCS + "model-parameters-anthropic-claude-messages-request-response.html"
CLAUDE_TEXT = _DOCS + "model-parameters-anthropic-claude-text-completion.html"
# Budget thinking (`thinking.budget_tokens`, at least 1024 and below max_tokens); no prefill
# while thinking is on; Claude 3.7 Sonnet and the Claude 4 models.
CLAUDE_THINKING = _DOCS + "claude-messages-extended-thinking.html"
TITAN = _DOCS + "model-parameters-titan-text.html"
NOVA = "https://docs.aws.amazon.com/nova/latest/userguide/using-converse-api.html"
# Nova 2: `reasoningConfig {type: enabled, maxReasoningEffort: low|medium|high}`.
NOVA2 = "https://docs.aws.amazon.com/nova/latest/nova2-userguide/extended-thinking.html"
META = _DOCS + "model-parameters-meta.html"
MISTRAL = _DOCS + "model-parameters-mistral.html"
COHERE = _DOCS + "model-parameters-cohere-command.html"
COHERE_R = _DOCS + "model-parameters-cohere-command-r-plus.html"
JAMBA = _DOCS + "model-parameters-jamba.html"
DEEPSEEK = _DOCS + "model-parameters-deepseek.html"
OPENAI = _DOCS + "model-parameters-openai.html"


def _claude(
    name: str,
    prefixes: tuple[str, ...],
    max_out: int,
    *,
    source: str = CLAUDE_MESSAGES,
    inputs: frozenset[InputKind] = ALL_INPUTS,
    thinking: bool = False,
    sampling_exclusive: bool = False,
    caching: bool = False,
) -> Family:
    """A Claude Messages family: Anthropic's native format, tools; thinking means budget
    reasoning, no prefill while it is on, and prompt caching (Claude 3.7 Sonnet and 4.x)."""
    return Family(
        name,
        prefixes,
        "anthropic",
        source,
        inputs=inputs,
        tools=True,
        reasoning="budget" if thinking else "none",
        sampling_exclusive=sampling_exclusive,
        prefill_with_reasoning=not thinking,
        caching=caching or thinking,
        native="anthropic",
        default_max_tokens=max_out,
        max_output_tokens=max_out,
        signed_reasoning=True,
    )


FAMILIES: Final[tuple[Family, ...]] = (
    # Legacy text completions (Claude 2.x, Instant): max_tokens_to_sample defaults to 200.
    Family(
        "claude-legacy",
        ("anthropic.claude-v2", "anthropic.claude-instant", "anthropic.claude-v1"),
        "anthropic",
        CLAUDE_TEXT,
        inputs=TEXT_AND_DOCS,
        native="anthropic",
        default_max_tokens=200,
        max_output_tokens=4096,
    ),
    _claude(
        "claude-3",
        ("anthropic.claude-3-haiku", "anthropic.claude-3-sonnet", "anthropic.claude-3-opus"),
        4096,
    ),
    _claude("claude-3.5-sonnet", ("anthropic.claude-3-5-sonnet",), 8192),
    # Claude 3.5 Haiku takes no images (the Converse feature table's Vision column).
    _claude(
        "claude-3.5-haiku",
        ("anthropic.claude-3-5-haiku",),
        8192,
        inputs=TEXT_AND_DOCS,
        caching=True,
    ),
    _claude(
        "claude-3.7-sonnet",
        ("anthropic.claude-3-7-sonnet",),
        64000,
        source=CLAUDE_THINKING,
        thinking=True,
    ),
    _claude(
        "claude-4",
        ("anthropic.claude-sonnet-4-2025",),
        64000,
        source=CLAUDE_THINKING,
        thinking=True,
    ),
    _claude(
        "claude-opus-4",
        ("anthropic.claude-opus-4-2025",),
        32000,
        source=CLAUDE_THINKING,
        thinking=True,
    ),
    # Claude Opus 4.1 and the 4.5 models take temperature or top_p, not both ("`temperature`
    # and `top_p` cannot both be specified for this model"; the Messages parameters page).
    _claude(
        "claude-opus-4.1",
        ("anthropic.claude-opus-4-1",),
        32000,
        sampling_exclusive=True,
        thinking=True,
    ),
    _claude(
        "claude-4.5",
        ("anthropic.claude-sonnet-4-5", "anthropic.claude-haiku-4-5", "anthropic.claude-opus-4-5"),
        64000,
        source=CLAUDE_THINKING,
        sampling_exclusive=True,
        thinking=True,
    ),
    # Titan Text: documents but no system prompt, images or tools; maxTokenCount defaults
    # to 512 (Express 8192 at most, Lite 4096, Premier 3072 and no document chat).
    Family(
        "titan-text",
        ("amazon.titan-text-express", "amazon.titan-tg1"),
        "amazon",
        TITAN,
        inputs=TEXT_AND_DOCS,
        native="titan",
        default_max_tokens=512,
        max_output_tokens=8192,
    ),
    Family(
        "titan-text-lite",
        ("amazon.titan-text-lite",),
        "amazon",
        TITAN,
        inputs=TEXT_AND_DOCS,
        native="titan",
        default_max_tokens=512,
        max_output_tokens=4096,
    ),
    Family(
        "titan-text-premier",
        ("amazon.titan-text-premier",),
        "amazon",
        TITAN,
        native="titan",
        default_max_tokens=512,
        max_output_tokens=3072,
    ),
    # Nova (1): output up to 10k tokens (Premier 32k); Micro is text only.
    Family(
        "nova",
        ("amazon.nova-lite", "amazon.nova-pro"),
        "amazon",
        NOVA,
        inputs=ALL_INPUTS,
        tools=True,
        caching=True,
        native="nova",
        default_max_tokens=10000,
        max_output_tokens=10000,
    ),
    Family(
        "nova-premier",
        ("amazon.nova-premier",),
        "amazon",
        NOVA,
        inputs=ALL_INPUTS,
        tools=True,
        caching=True,
        native="nova",
        default_max_tokens=32000,
        max_output_tokens=32000,
    ),
    Family(
        "nova-micro",
        ("amazon.nova-micro",),
        "amazon",
        NOVA,
        tools=True,
        caching=True,
        native="nova",
        default_max_tokens=10000,
        max_output_tokens=10000,
    ),
    # Nova 2 Lite: effort reasoning, images, documents, tools. The stored pages name neither
    # prompt caching nor the output ceiling: caching is refused until confirmed, and the
    # ceiling (65535) is left to Bedrock's own check. At effort "high" Nova refuses a request
    # that sets maxTokens (reported by an AWS engineer, UKGovernmentBEIS/inspect_ai #3767;
    # low and medium take it), so there it is left out.
    Family(
        "nova-2",
        ("amazon.nova-2-lite",),
        "amazon",
        NOVA2,
        inputs=ALL_INPUTS,
        tools=True,
        reasoning="effort",
        native="nova",
        default_max_tokens=65535,
        max_output_tokens=65535,
        no_max_tokens_at_effort="high",
    ),
    # Llama: max_gen_len defaults to 512, at most 2048. Llama 3 (8B, 70B) has no tool use in
    # Converse; 3.1 and later do; 3.2 11B/90B and Llama 4 also read images.
    Family(
        "llama",
        ("meta.llama3-8b", "meta.llama3-70b", "meta.llama2"),
        "meta",
        META,
        inputs=TEXT_AND_DOCS,
        native="llama",
        default_max_tokens=512,
        max_output_tokens=2048,
    ),
    Family(
        "llama-3.x",
        ("meta.llama3-1", "meta.llama3-3", "meta.llama3-2-1b", "meta.llama3-2-3b"),
        "meta",
        META,
        inputs=TEXT_AND_DOCS,
        tools=True,
        native="llama",
        default_max_tokens=512,
        max_output_tokens=2048,
    ),
    Family(
        "llama-vision",
        ("meta.llama3-2-11b", "meta.llama3-2-90b", "meta.llama4"),
        "meta",
        META,
        inputs=ALL_INPUTS,
        tools=True,
        native="llama",
        default_max_tokens=512,
        max_output_tokens=2048,
    ),
    # Mistral 7B and Mixtral: max_tokens defaults to 512, no tools. Large and Small: tools,
    # 8192. Pixtral Large also reads images.
    Family(
        "mistral",
        ("mistral.mistral-7b", "mistral.mixtral"),
        "mistral",
        MISTRAL,
        inputs=TEXT_AND_DOCS,
        native="mistral",
        default_max_tokens=512,
        max_output_tokens=8192,
    ),
    Family(
        "mistral-large",
        ("mistral.mistral-large", "mistral.mistral-small"),
        "mistral",
        MISTRAL,
        inputs=TEXT_AND_DOCS,
        tools=True,
        native="mistral",
        default_max_tokens=8192,
        max_output_tokens=8192,
    ),
    Family(
        "pixtral",
        ("mistral.pixtral",),
        "mistral",
        MISTRAL,
        inputs=ALL_INPUTS,
        tools=True,
        native="mistral",
        default_max_tokens=8192,
        max_output_tokens=8192,
    ),
    # Cohere Command (text, light): max_tokens defaults to 20, at most 4096; no chat system
    # prompt or tools. Command R and R+: tools, 4000 tokens at most.
    Family(
        "cohere-command",
        ("cohere.command-text", "cohere.command-light"),
        "cohere",
        COHERE,
        inputs=TEXT_AND_DOCS,
        native="cohere",
        default_max_tokens=20,
        max_output_tokens=4096,
    ),
    Family(
        "cohere-command-r",
        ("cohere.command-r",),
        "cohere",
        COHERE_R,
        inputs=TEXT_AND_DOCS,
        tools=True,
        native="cohere",
        default_max_tokens=4000,
        max_output_tokens=4000,
    ),
    # AI21 Jamba (1.5 Mini/Large, Instruct): documents and tools, no images; 4096 tokens.
    Family(
        "jamba",
        ("ai21.jamba",),
        "ai21",
        JAMBA,
        inputs=TEXT_AND_DOCS,
        tools=True,
        native="jamba",
        default_max_tokens=4096,
        max_output_tokens=4096,
    ),
    # DeepSeek-R1 reasons on every request and has no tool use; output up to 32768 tokens.
    Family(
        "deepseek-r1",
        ("deepseek.r1",),
        "deepseek",
        DEEPSEEK,
        reasoning="always",
        default_max_tokens=32768,
        max_output_tokens=32768,
    ),
    # gpt-oss reasons on every request (its effort defaults to medium) and calls tools. The
    # stored pages give no output ceiling: the default is the common 4096.
    Family(
        "gpt-oss",
        ("openai.gpt-oss",),
        "openai",
        OPENAI,
        tools=True,
        reasoning="always",
        default_max_tokens=4096,
        max_output_tokens=4096,
    ),
)
