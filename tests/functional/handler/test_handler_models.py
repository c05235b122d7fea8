"""GET /models details (docs/API.md §12.1): what each allowed model can do, from the table."""

from __future__ import annotations

import pytest

from bedrock_stream.app import App
from bedrock_stream.handler import build_handler
from tests.functional.handler.handler_fakes import (
    FakeBedrock,
    FakeContext,
    FakeStream,
    make_config,
    make_event,
)

ALLOWED = (
    "global.anthropic.claude-haiku-4-5-20251001-v1:0",
    "us.amazon.nova-2-lite-v1:0",
    "us.deepseek.r1-v1:0",
    "openai.gpt-oss-20b-1:0",
    "amazon.titan-tg1-large",
    "anthropic.claude-3-5-haiku-20241022-v1:0",
    "vendor.brand-new-model-v1:0",
    "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3",
)


def _models(allowed: tuple[str, ...]) -> dict:
    config = make_config(allowed_models=allowed, default_model=allowed[0])
    handler = build_handler(lambda: App.from_config(config, client=FakeBedrock([])))
    stream = FakeStream()
    handler(make_event("GET", "/models"), FakeContext(), stream=stream)
    assert stream.status == 200
    return stream.json()


def test_details_cover_every_allowed_model_in_order():
    body = _models(ALLOWED)

    assert body["models"] == list(ALLOWED)
    assert [d["id"] for d in body["details"]] == list(ALLOWED)
    assert all(
        set(d) == {"id", "family", "input", "tools", "reasoning", "caching"}
        for d in body["details"]
    )


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (
            "global.anthropic.claude-haiku-4-5-20251001-v1:0",
            ("claude-4.5", ["text", "image", "document"], True, "budget", True),
        ),
        (
            "us.amazon.nova-2-lite-v1:0",
            ("nova-2", ["text", "image", "document"], True, "effort", False),
        ),
        ("us.deepseek.r1-v1:0", ("deepseek-r1", ["text"], False, "always", False)),
        ("openai.gpt-oss-20b-1:0", ("gpt-oss", ["text"], True, "always", False)),
        ("amazon.titan-tg1-large", ("titan-text", ["text", "document"], False, "none", False)),
        (
            "anthropic.claude-3-5-haiku-20241022-v1:0",
            ("claude-3.5-haiku", ["text", "document"], True, "none", True),
        ),
        # Unknown ids and application profiles: Converse, text in and text out.
        ("vendor.brand-new-model-v1:0", ("unknown", ["text"], False, "none", False)),
        (ALLOWED[-1], ("unknown", ["text"], False, "none", False)),
    ],
)
def test_details_say_what_the_table_says(model, expected):
    (detail,) = [d for d in _models(ALLOWED)["details"] if d["id"] == model]

    family, inputs, tools, reasoning, caching = expected
    assert detail == {
        "id": model,
        "family": family,
        "input": inputs,
        "tools": tools,
        "reasoning": reasoning,
        "caching": caching,
    }
