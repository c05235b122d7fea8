"""The `#!` directive line of the local Bedrock."""

from __future__ import annotations

import pytest

from local.bedrock.directives import DirectiveError, Directives, parse_line, split_directives


def test_no_directive_line_leaves_text_alone() -> None:
    assert split_directives("hello\n#! echo") == (Directives(), "hello\n#! echo")


def test_every_key_parses() -> None:
    line = "#! echo tokens=7 ttft_ms=0 rate=250.5 fault=stall after=2 stall_s=1.5"
    assert parse_line(line) == Directives(
        echo=True, tokens=7, ttft_ms=0, rate=250.5, fault="stall", after=2, stall_s=1.5
    )


def test_the_richer_directives_parse() -> None:
    line = "#! think=12 tool=get_weather-2 attachments redacted fault=guardrail after=1"
    assert parse_line(line) == Directives(
        think=12, tool="get_weather-2", attachments=True, redacted=True, fault="guardrail", after=1
    )


def test_rest_is_everything_after_the_first_newline_exactly() -> None:
    directives, rest = split_directives("#! echo\n  two\n\nlines 👋\n")
    assert directives.echo
    assert rest == "  two\n\nlines 👋\n"


def test_crlf_line_end_and_line_without_newline() -> None:
    assert split_directives("#! echo\r\nx") == (Directives(echo=True), "x")
    assert split_directives("#! tokens=3") == (Directives(tokens=3), "")


@pytest.mark.parametrize(
    "line",
    [
        "#! bogus",
        "#! echo=1",
        "#! tokens=0",
        "#! tokens=abc",
        "#! rate=0",
        "#! rate=nan",
        "#! fault=explode",
        "#! ttft_ms=-1",
        "#! stall_s=100000",
        "#! tokens",
        "#! think=0",
        "#! think",
        "#! tool=",
        "#! tool=get.weather",
        "#! tool=" + "x" * 65,
        "#! attachments=yes",
    ],
)
def test_bad_directives_are_refused(line: str) -> None:
    with pytest.raises(DirectiveError):
        parse_line(line)
