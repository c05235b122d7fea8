"""The local Bedrock's family table: its reading of AWS's pages, and its independence."""

from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path

import pytest

from local.bedrock.families import FAMILIES, UNLISTED, Family, family_for, split_model_id

EMULATOR = Path(__file__).resolve().parents[2] / "local" / "bedrock"
# The function's packages (lambda_src/*): the emulator must read AWS, never them.
FUNCTION_PACKAGES = {"lambda_src", "bedrock_stream", "streaming_runtime"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_emulator_imports_nothing_from_the_function() -> None:
    sources = sorted(EMULATOR.rglob("*.py"))
    assert len(sources) > 20  # the scan really reads the emulator
    for path in sources:
        for module in imported_modules(path):
            assert module.split(".")[0] not in FUNCTION_PACKAGES, f"{path} imports {module}"


def test_the_import_scan_sees_function_imports(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("import os\nfrom bedrock_stream.model_ids import parse\n")
    assert "bedrock_stream.model_ids" in imported_modules(sneaky)


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        ("global.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("us.amazon.nova-2-lite-v1:0", "nova-2-lite"),
        ("us.deepseek.r1-v1:0", "deepseek-r1"),
        ("openai.gpt-oss-20b-1:0", "gpt-oss"),
        (
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.deepseek.r1-v1:0",
            "deepseek-r1",
        ),
        ("anthropic.claude-3-haiku-20240307-v1:0", "unlisted"),
        ("amazon.nova-lite-v1:0", "unlisted"),
    ],
)
def test_ids_find_their_family(model_id: str, family: str) -> None:
    assert family_for(model_id).name == family


@pytest.mark.parametrize(
    ("model_id", "split"),
    [
        ("us.deepseek.r1-v1:0", ("deepseek.r1-v1:0", True)),
        ("deepseek.r1-v1:0", ("deepseek.r1-v1:0", False)),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/deepseek.r1-v1:0",
            ("deepseek.r1-v1:0", False),
        ),
        (
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3",
            ("a1b2c3", True),
        ),
    ],
)
def test_model_ids_say_whether_a_profile_routes_them(
    model_id: str, split: tuple[str, bool]
) -> None:
    assert split_model_id(model_id) == split


def test_the_table_has_the_five_families_of_the_contract() -> None:
    assert {family.name for family in FAMILIES} >= {
        "claude-haiku-4-5",
        "claude-sonnet-4-5",
        "nova-2-lite",
        "deepseek-r1",
        "gpt-oss",
    }
    assert len({family.name for family in FAMILIES}) == len(FAMILIES)
    assert UNLISTED not in FAMILIES


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        ("us.anthropic.claude-sonnet-4-20250514-v1:0", "claude-4"),
        ("us.anthropic.claude-opus-4-1-20250805-v1:0", "claude-4"),
        ("us.anthropic.claude-3-7-sonnet-20250219-v1:0", "claude-3-7-sonnet"),
    ],
)
def test_other_claude_4_and_3_7_are_profile_only_thinking_models(
    model_id: str, family: str
) -> None:
    row = family_for(model_id)
    assert (row.name, row.profile_only, row.reasoning) == (family, True, "budget")


@pytest.mark.parametrize("family", FAMILIES, ids=[f.name for f in FAMILIES])
def test_every_settled_value_cites_a_page(family: Family) -> None:
    names = {f.name for f in fields(Family)}
    assert set(family.sources) <= names
    assert set(family.unverified) <= names
    assert not set(family.sources) & set(family.unverified)
    assert all(url.startswith("https://docs.") for url in family.sources.values())
    for feature in ("input", "tools", "reasoning"):
        assert feature in family.sources, f"{family.name}: {feature} has no source"


@pytest.mark.parametrize("family", FAMILIES, ids=[f.name for f in FAMILIES])
def test_values_are_consistent(family: Family) -> None:
    assert "text" in family.input
    assert 0 < family.default_output <= family.max_output
    assert family.caching == (family.cache_min_tokens > 0)
    assert family.reasoning in {"none", "budget", "effort", "always"}


def test_what_the_contract_names_for_each_family() -> None:
    # docs/API.md §12.5, read against AWS's pages (the pages win where they say more).
    haiku, sonnet, nova, r1, oss = (
        family_for(m)
        for m in (
            "global.anthropic.claude-haiku-4-5-20251001-v1:0",
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "us.amazon.nova-2-lite-v1:0",
            "us.deepseek.r1-v1:0",
            "openai.gpt-oss-20b-1:0",
        )
    )
    for claude in (haiku, sonnet):
        assert claude.input == {"text", "image", "document"}
        assert (claude.tools, claude.reasoning, claude.caching) == (True, "budget", True)
        assert claude.sampling == "one_of"
        assert claude.profile_only
    assert (haiku.cache_min_tokens, sonnet.cache_min_tokens) == (4096, 1024)
    assert (nova.tools, nova.reasoning, "image" in nova.input) == (True, "effort", True)
    assert (r1.input, r1.tools, r1.reasoning, r1.profile_only) == ({"text"}, False, "always", True)
    assert (oss.input, oss.tools, oss.reasoning, oss.profile_only) == (
        {"text"},
        True,
        "always",
        False,
    )
