"""Planning the local model's answer: tokens, default text, continuation, limits, pacing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from local.bedrock.answers import (
    DEFAULT_FAULT_AFTER,
    continue_after,
    default_answer,
    plan_answer,
    tokenize,
)
from local.bedrock.directives import Directives
from local.bedrock.model import Prompt


@given(st.text())
def test_tokens_concatenate_to_the_text(text: str) -> None:
    tokens = tokenize(text)
    assert "".join(tokens) == text
    assert all(tokens)


def test_tokens_are_word_ish() -> None:
    assert tokenize("Hello, wörld!  ok\n") == ["Hello", ",", " wörld", "!", "  ok", "\n"]


def test_default_answer_is_deterministic_and_depends_on_the_prompt() -> None:
    assert default_answer("What is Lambda?") == default_answer("What is Lambda?")
    assert default_answer("What is Lambda?") != default_answer("What is Bedrock?")
    assert "lambda" in default_answer("What is Lambda?").lower()


def test_default_answer_length_is_bounded() -> None:
    for prompt in ("a", "hello there", "x" * 500, "日本語"):
        assert 40 <= len(tokenize(default_answer(prompt))) < 120


@given(st.text(max_size=30), st.integers(min_value=1, max_value=300))
def test_tokens_directive_gives_exactly_n_tokens(prompt: str, n: int) -> None:
    assert len(tokenize(default_answer(prompt, n))) == n


def test_continuation_returns_what_follows_the_prefix() -> None:
    assert continue_after("Hello world, again", "Hello wor") == "ld, again"
    # A client that stripped trailing whitespace still gets an exact continuation.
    assert continue_after("Hello world", "Hello ") == "world"
    assert continue_after("Hello  world", "Hello ") == " world"
    assert continue_after("Hello world", "Goodbye") == "Hello world"


def test_echo_plan_reproduces_the_text_and_continues_a_prefix() -> None:
    text = "line one\n  line two 👋🏽\n"
    plan = plan_answer(Prompt(user_text="#! echo\n" + text))
    assert plan.text == text
    assert plan.stop_reason == "end_turn"
    continued = plan_answer(Prompt(user_text="#! echo\n" + text, prefix="line one\n  li"))
    assert continued.text == "ne two 👋🏽\n"


def test_default_answer_is_continued_too() -> None:
    full = plan_answer(Prompt(user_text="Tell me a story")).text
    rest = plan_answer(Prompt(user_text="Tell me a story", prefix=full[:25])).text
    assert full[:25] + rest == full


def test_max_tokens_truncates_and_says_so() -> None:
    plan = plan_answer(Prompt(user_text="#! tokens=50", max_tokens=7))
    assert plan.output_tokens == 7
    assert plan.stop_reason == "max_tokens"


def test_stop_sequence_cuts_before_the_earliest_match() -> None:
    prompt = Prompt(user_text="#! echo\nalpha STOP beta END gamma", stop_sequences=("END", "STOP"))
    plan = plan_answer(prompt)
    assert plan.text == "alpha "
    assert plan.stop_reason == "stop_sequence"
    assert plan.stop_sequence == "STOP"


def test_pacing_and_fault_defaults() -> None:
    plan = plan_answer(Prompt(user_text="#! tokens=10 ttft_ms=120 rate=20 fault=midstream"))
    assert plan.ttft_s == 0.12
    assert plan.interval_s == 0.05
    assert plan.fault == "midstream"
    assert plan.after == DEFAULT_FAULT_AFTER
    assert plan.latency_ms == 120 + 9 * 50


def test_fault_after_is_capped_by_the_answer_length() -> None:
    plan = plan_answer(Prompt(user_text="x"), Directives(tokens=2, fault="stall", after=9))
    assert plan.after == 2


def test_input_tokens_count_every_text_the_model_reads() -> None:
    short = plan_answer(Prompt(user_text="hi"))
    longer = plan_answer(Prompt(user_text="hi", context=("a system prompt with words",)))
    assert longer.input_tokens > short.input_tokens >= 1
