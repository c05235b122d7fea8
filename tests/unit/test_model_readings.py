"""Two independent readings of AWS's model documentation, held against each other.

The function's model table (lambda_src/bedrock_stream/family_table.py) and the local
Bedrock's reading (local/bedrock/families.py) are written separately, each citing the pages
it read; neither imports the other. Where both readings state a fact, they must agree, or the
local Bedrock would accept what the function refuses (or the reverse) and the tests would
prove nothing about real Bedrock. Facts the local reading marks unverified are not compared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bedrock_stream.families import DEFAULT_FAMILY, family_of
from local.bedrock.families import FAMILIES as LOCAL_FAMILIES
from local.bedrock.families import Family as LocalFamily

# One real model id per family of the local reading (a profile id where AWS requires one).
SAMPLE_IDS: dict[str, str] = {
    "claude-haiku-4-5": "global.anthropic.claude-haiku-4-5-20251001-v1:0",
    "claude-sonnet-4-5": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "claude-4": "us.anthropic.claude-sonnet-4-20250514-v1:0",
    "claude-3-7-sonnet": "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
    "nova-2-lite": "us.amazon.nova-2-lite-v1:0",
    "deepseek-r1": "us.deepseek.r1-v1:0",
    "gpt-oss": "openai.gpt-oss-20b-1:0",
}

# local field -> (how to read it from the local row, how from the function's family).
FACTS: dict[str, tuple[Callable[[LocalFamily], Any], Callable[[Any], Any]]] = {
    "input": (lambda f: set(f.input), lambda f: set(f.inputs)),
    "tools": (lambda f: f.tools, lambda f: f.tools),
    "reasoning": (lambda f: f.reasoning, lambda f: f.reasoning),
    "sampling": (lambda f: f.sampling == "one_of", lambda f: f.sampling_exclusive),
    "prefill": (lambda f: f.prefill, lambda f: f.prefill),
    "max_output": (lambda f: f.max_output, lambda f: f.max_output_tokens),
    "caching": (lambda f: f.caching, lambda f: f.caching),
    # Claude checks the signature of reasoning handed back; the local reading applies
    # Anthropic's rules (and words) to the families it marks error_style "anthropic".
    "signed_reasoning": (lambda f: f.error_style == "anthropic", lambda f: f.signed_reasoning),
}


def test_every_local_family_has_a_sample_id() -> None:
    assert {family.name for family in LOCAL_FAMILIES} == set(SAMPLE_IDS)


@pytest.mark.parametrize("local", LOCAL_FAMILIES, ids=lambda f: f.name)
def test_the_function_knows_every_family_the_local_bedrock_knows(local: LocalFamily) -> None:
    assert family_of(SAMPLE_IDS[local.name]) is not DEFAULT_FAMILY


@pytest.mark.parametrize(
    ("local", "fact"),
    [(local, fact) for local in LOCAL_FAMILIES for fact in FACTS],
    ids=lambda value: value if isinstance(value, str) else value.name,
)
def test_both_readings_agree(local: LocalFamily, fact: str) -> None:
    if fact in local.unverified:
        pytest.skip(f"the local reading marks {fact} of {local.name} unverified")
    read_local, read_function = FACTS[fact]
    model = SAMPLE_IDS[local.name]

    assert read_function(family_of(model)) == read_local(local), f"{fact} of {model}"
