"""Saved Logs Insights queries (docs/API.md §13): on the function's logs, reading fields it logs."""

from __future__ import annotations

import re
from typing import Any

import pytest

from infra.queries import SAVED_QUERIES, SavedQuery
from tests.functional.handler.handler_fakes import (
    FakeBedrock,
    Raise,
    Sleep,
    client_error,
    converse_events,
    make_event,
    stream_error,
)
from tests.functional.handler.handler_run import captured_log, handle_once, request_records
from tests.infra.infra_support import Synth

# Logs Insights words that are not log fields (commands, keywords, functions).
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html
VOCABULARY = {
    "fields", "filter", "stats", "sort", "limit", "display", "parse", "dedup",
    "as", "by", "and", "or", "not", "in", "like", "desc", "asc",
    "ispresent", "coalesce", "count", "max", "min", "avg", "sum", "pct",
}  # fmt: skip
TRACE_HEADER = "Root=1-6b0bef6c-56f858a5dc50cb377553d701;Parent=d25eb570773d0bc8;Sampled=1"


def fields_read(query: SavedQuery) -> set[str]:
    """The log fields a query reads: its words less strings, @-fields, aliases and syntax."""
    text = re.sub(r'"[^"]*"', " ", query.text)
    aliases = set(re.findall(r"\bas\s+(\w+)", text))
    words = set(re.findall(r"(?<![@\w])[A-Za-z_]\w*", text))
    return words - aliases - VOCABULARY


def test_the_field_reader_sees_every_field_of_a_query() -> None:
    query = SavedQuery(
        "q", "", 'fields a, @x | filter b = "c d" and ispresent(e) | stats count(*) as n by f'
    )

    assert fields_read(query) == {"a", "b", "e", "f"}


def test_one_query_definition_per_saved_query_on_the_functions_log_group(default: Synth) -> None:
    [log_group_id] = default.resources("AWS::Logs::LogGroup")
    definitions = [
        d["Properties"] for d in default.resources("AWS::Logs::QueryDefinition").values()
    ]

    assert sorted(d["Name"] for d in definitions) == sorted(
        f"BedrockStream/{q.name}" for q in SAVED_QUERIES
    )
    assert {q.name for q in SAVED_QUERIES} == {
        "Slowest first tokens",
        "Errors by code",
        "Slowest requests",
    }
    for definition in definitions:
        assert definition["LogGroupNames"] == [{"Ref": log_group_id}]
        [query] = [q for q in SAVED_QUERIES if definition["Name"].endswith("/" + q.name)]
        assert definition["QueryString"] == query.text
        assert 'filter message = "request"' in query.text


@pytest.fixture
def request_lines(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The `request` log line of: a finished stream, a refusal, a stream broken midway."""
    # Lambda sets the trace header per invocation; Powertools logs its root as xray_trace_id.
    monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE_HEADER)
    scripts = [
        [[Sleep(0.01), *converse_events(["a", "b"])]],
        [client_error("AccessDeniedException", 403)],
        [
            [
                *converse_events(["a"], stop_reason=None),
                Raise(stream_error("modelStreamErrorException")),
            ]
        ],
    ]
    with captured_log() as buffer:
        for script in scripts:
            handle_once(make_event(body={"prompt": "hi"}), FakeBedrock(script))
    return request_records(buffer.getvalue())


@pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
def test_every_queried_field_is_in_the_request_log_line(
    request_lines: list[dict[str, Any]],
) -> None:
    done, refused, broken = request_lines
    assert (done["outcome"], refused["error"], broken["outcome"]) == (
        "done",
        "model_access_denied",
        "model_stream_error",
    )
    by_name = {q.name: fields_read(q) for q in SAVED_QUERIES}
    # A finished stream carries everything the latency queries show...
    for name in ("Slowest first tokens", "Slowest requests"):
        assert by_name[name] <= set(done), (name, by_name[name] - set(done))
    # ...and each kind of failure what the errors query counts it by.
    assert by_name["Errors by code"] == {"message", "error", "outcome", "status", "model"}
    for failure in (refused, broken):
        assert {"status", "model"} <= set(failure)
        assert failure.get("error", failure.get("outcome")) not in (None, "done")
    assert done["xray_trace_id"] == TRACE_HEADER.split(";", maxsplit=1)[0].removeprefix("Root=")
