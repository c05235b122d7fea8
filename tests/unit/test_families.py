"""The model-family table: every family's facts, the lookup by any id form, the fallback."""

from __future__ import annotations

import pytest

from bedrock_stream.families import DEFAULT_FAMILY, all_families, family_of

# id -> (family, provider, inputs, tools, reasoning, exclusive sampling, prefill,
#        prefill while reasoning, default max_tokens, largest output, caching, native format)
ALL = ["text", "image", "document"]
DOCS = ["text", "document"]

# fmt: off
FACTS = {
    "anthropic.claude-v2:1": (
        "claude-legacy", "anthropic", DOCS, False, "none", False, True, True,
        200, 4096, False, "anthropic",
    ),
    "anthropic.claude-instant-v1": (
        "claude-legacy", "anthropic", DOCS, False, "none", False, True, True,
        200, 4096, False, "anthropic",
    ),
    "anthropic.claude-3-haiku-20240307-v1:0": (
        "claude-3", "anthropic", ALL, True, "none", False, True, True,
        4096, 4096, False, "anthropic",
    ),
    "anthropic.claude-3-opus-20240229-v1:0": (
        "claude-3", "anthropic", ALL, True, "none", False, True, True,
        4096, 4096, False, "anthropic",
    ),
    "us.anthropic.claude-3-5-sonnet-20241022-v2:0": (
        "claude-3.5-sonnet", "anthropic", ALL, True, "none", False, True, True,
        8192, 8192, False, "anthropic",
    ),
    "us.anthropic.claude-3-5-haiku-20241022-v1:0": (
        "claude-3.5-haiku", "anthropic", DOCS, True, "none", False, True, True,
        8192, 8192, True, "anthropic",
    ),
    "us.anthropic.claude-3-7-sonnet-20250219-v1:0": (
        "claude-3.7-sonnet", "anthropic", ALL, True, "budget", False, True, False,
        64000, 64000, True, "anthropic",
    ),
    "us.anthropic.claude-sonnet-4-20250514-v1:0": (
        "claude-4", "anthropic", ALL, True, "budget", False, True, False,
        64000, 64000, True, "anthropic",
    ),
    "us.anthropic.claude-opus-4-20250514-v1:0": (
        "claude-opus-4", "anthropic", ALL, True, "budget", False, True, False,
        32000, 32000, True, "anthropic",
    ),
    "us.anthropic.claude-opus-4-1-20250805-v1:0": (
        "claude-opus-4.1", "anthropic", ALL, True, "budget", True, True, False,
        32000, 32000, True, "anthropic",
    ),
    "global.anthropic.claude-sonnet-4-5-20250929-v1:0": (
        "claude-4.5", "anthropic", ALL, True, "budget", True, True, False,
        64000, 64000, True, "anthropic",
    ),
    "global.anthropic.claude-haiku-4-5-20251001-v1:0": (
        "claude-4.5", "anthropic", ALL, True, "budget", True, True, False,
        64000, 64000, True, "anthropic",
    ),
    "global.anthropic.claude-opus-4-5-20251101-v1:0": (
        "claude-4.5", "anthropic", ALL, True, "budget", True, True, False,
        64000, 64000, True, "anthropic",
    ),
    "amazon.titan-text-express-v1": (
        "titan-text", "amazon", DOCS, False, "none", False, True, True,
        512, 8192, False, "titan",
    ),
    "amazon.titan-tg1-large": (
        "titan-text", "amazon", DOCS, False, "none", False, True, True,
        512, 8192, False, "titan",
    ),
    "amazon.titan-text-lite-v1": (
        "titan-text-lite", "amazon", DOCS, False, "none", False, True, True,
        512, 4096, False, "titan",
    ),
    "amazon.titan-text-premier-v1:0": (
        "titan-text-premier", "amazon", ["text"], False, "none", False, True, True,
        512, 3072, False, "titan",
    ),
    "amazon.nova-lite-v1:0": (
        "nova", "amazon", ALL, True, "none", False, True, True,
        10000, 10000, True, "nova",
    ),
    "us.amazon.nova-pro-v1:0": (
        "nova", "amazon", ALL, True, "none", False, True, True,
        10000, 10000, True, "nova",
    ),
    "us.amazon.nova-premier-v1:0": (
        "nova-premier", "amazon", ALL, True, "none", False, True, True,
        32000, 32000, True, "nova",
    ),
    "amazon.nova-micro-v1:0": (
        "nova-micro", "amazon", ["text"], True, "none", False, True, True,
        10000, 10000, True, "nova",
    ),
    "us.amazon.nova-2-lite-v1:0": (
        "nova-2", "amazon", ALL, True, "effort", False, True, True,
        65535, 65535, False, "nova",
    ),
    "meta.llama3-8b-instruct-v1:0": (
        "llama", "meta", DOCS, False, "none", False, True, True,
        512, 2048, False, "llama",
    ),
    "us.meta.llama3-1-70b-instruct-v1:0": (
        "llama-3.x", "meta", DOCS, True, "none", False, True, True,
        512, 2048, False, "llama",
    ),
    "us.meta.llama3-3-70b-instruct-v1:0": (
        "llama-3.x", "meta", DOCS, True, "none", False, True, True,
        512, 2048, False, "llama",
    ),
    "us.meta.llama3-2-11b-instruct-v1:0": (
        "llama-vision", "meta", ALL, True, "none", False, True, True,
        512, 2048, False, "llama",
    ),
    "us.meta.llama4-maverick-17b-instruct-v1:0": (
        "llama-vision", "meta", ALL, True, "none", False, True, True,
        512, 2048, False, "llama",
    ),
    "mistral.mistral-7b-instruct-v0:2": (
        "mistral", "mistral", DOCS, False, "none", False, True, True,
        512, 8192, False, "mistral",
    ),
    "mistral.mixtral-8x7b-instruct-v0:1": (
        "mistral", "mistral", DOCS, False, "none", False, True, True,
        512, 8192, False, "mistral",
    ),
    "mistral.mistral-large-2407-v1:0": (
        "mistral-large", "mistral", DOCS, True, "none", False, True, True,
        8192, 8192, False, "mistral",
    ),
    "us.mistral.pixtral-large-2502-v1:0": (
        "pixtral", "mistral", ALL, True, "none", False, True, True,
        8192, 8192, False, "mistral",
    ),
    "cohere.command-text-v14": (
        "cohere-command", "cohere", DOCS, False, "none", False, True, True,
        20, 4096, False, "cohere",
    ),
    "cohere.command-light-text-v14": (
        "cohere-command", "cohere", DOCS, False, "none", False, True, True,
        20, 4096, False, "cohere",
    ),
    "cohere.command-r-plus-v1:0": (
        "cohere-command-r", "cohere", DOCS, True, "none", False, True, True,
        4000, 4000, False, "cohere",
    ),
    "ai21.jamba-1-5-mini-v1:0": (
        "jamba", "ai21", DOCS, True, "none", False, True, True,
        4096, 4096, False, "jamba",
    ),
    "us.deepseek.r1-v1:0": (
        "deepseek-r1", "deepseek", ["text"], False, "always", False, True, True,
        32768, 32768, False, None,
    ),
    "openai.gpt-oss-20b-1:0": (
        "gpt-oss", "openai", ["text"], True, "always", False, True, True,
        4096, 4096, False, None,
    ),
}
# fmt: on


@pytest.mark.parametrize("model", sorted(FACTS))
def test_every_familys_facts(model):
    f = family_of(model)

    assert (
        f.name, f.provider, f.input_list(), f.tools, f.reasoning, f.sampling_exclusive,
        f.prefill, f.prefill_with_reasoning, f.default_max_tokens, f.max_output_tokens,
        f.caching, f.native,
    ) == FACTS[model]  # fmt: skip


def test_every_family_is_covered_by_a_fact_row():
    assert {family_of(m).name for m in FACTS} == {f.name for f in all_families()}


@pytest.mark.parametrize(
    "model",
    [
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    ],
)
def test_every_id_form_of_a_model_finds_its_family(model):
    assert family_of(model).name == "claude-4.5"


@pytest.mark.parametrize(
    "model",
    [
        "vendor.brand-new-model-v1:0",
        "anthropic.claude-future-9-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3",
        "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/xyz",
        "",
    ],
)
def test_an_unknown_id_is_converse_text_in_text_out(model):
    f = family_of(model)

    assert f is DEFAULT_FAMILY
    assert (f.input_list(), f.tools, f.reasoning, f.caching, f.native) == (
        ["text"], False, "none", False, None,
    )  # fmt: skip
    assert f.prefill


def test_longest_prefix_wins():
    # `anthropic.claude-3-5-haiku` is not read as Claude 3, nor Nova 2 as Nova (1).
    assert family_of("anthropic.claude-3-5-haiku-20241022-v1:0").name == "claude-3.5-haiku"
    assert family_of("amazon.nova-2-lite-v1:0").name == "nova-2"


def test_every_family_cites_an_aws_page_and_has_sane_limits():
    for f in all_families():
        assert f.source.startswith("https://docs.aws.amazon.com/"), f.name
        assert 1 <= f.default_max_tokens <= f.max_output_tokens, f.name
        assert "text" in f.inputs, f.name
        assert f.prefixes, f.name


def test_token_limit_fields_come_with_the_native_format():
    assert family_of("amazon.titan-tg1-large").token_limit_fields == (
        ("textGenerationConfig", "maxTokenCount"),
    )
    assert family_of("us.deepseek.r1-v1:0").token_limit_fields == ()
