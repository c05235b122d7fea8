"""The CloudWatch dashboard (docs/API.md §13): what it graphs; it reads what the function writes."""

from __future__ import annotations

import os
from typing import Any

import pytest

from infra.alarms import near_timeout_ms
from tests.functional.handler.handler_fakes import (
    FakeBedrock,
    Sleep,
    client_error,
    converse_events,
    make_event,
)
from tests.functional.handler.handler_run import handle_once, printed_emf
from tests.infra.dashboard_layout import render
from tests.infra.infra_support import ROOT, Synth, SynthFn
from tests.infra.observability_support import (
    dashboard_body,
    emitted,
    searches,
    widgets,
)

TTFT = "Time to first token (p50, p90, p99) by model"
OUTCOMES = "Requests by outcome"
DURATION = "Duration against the timeout"
CONCURRENCY = "Concurrent executions"
# Named with the engineer adding them (docs/API.md §13, "cache and reasoning token counts when
# reported"); this branch's function does not write them yet.


@pytest.fixture(scope="module")
def small(synth: SynthFn) -> Synth:
    """A 120 s timeout and a reserved concurrency of 7."""
    return synth({"timeout_s": "120", "reserved_concurrency": "7"})


def function_env(synth: Synth) -> dict[str, str]:
    variables: dict[str, str] = synth.only("AWS::Lambda::Function")["Environment"]["Variables"]
    return variables


def test_dashboard_name_is_an_output_and_holds_stack_and_region(default: Synth) -> None:
    [(dashboard_id, dashboard)] = default.resources("AWS::CloudWatch::Dashboard").items()

    default.template.has_output("DashboardName", {"Value": {"Ref": dashboard_id}})
    name = dashboard["Properties"]["DashboardName"]
    assert name == {"Fn::Join": ["", ["BedrockStream-", {"Ref": "AWS::Region"}]]}


def test_dashboard_shows_every_graph_an_operator_needs(default: Synth) -> None:
    titles = set(widgets(default))

    assert titles == {
        TTFT,
        OUTCOMES,
        "Output tokens per second by model",
        "Input and output tokens by model",
        "Prompt cache tokens by model",
        "Function errors and throttles",
        CONCURRENCY,
        DURATION,
        "Alarms",
    }
    # every widget fits the 24-unit grid
    assert all(w["x"] + w["width"] <= 24 for w in dashboard_body(default)["widgets"])


def test_time_to_first_token_shows_p50_p90_p99_per_model(default: Synth) -> None:
    found = searches(widgets(default)[TTFT])

    assert [s["stat"] for s in found] == ["p50", "p90", "p99"]
    for search in found:
        assert search["metric"] == "TimeToFirstToken"
        assert search["dimensions"] == {"model", "service"}
        assert search["label"] == f"{search['stat']} ${{PROP('Dim.model')}}"


def test_requests_are_split_by_outcome(default: Synth) -> None:
    [search] = searches(widgets(default)[OUTCOMES])

    assert (search["metric"], search["stat"]) == ("Requests", "Sum")
    assert search["dimensions"] == {"outcome", "service"}
    assert widgets(default)[OUTCOMES]["properties"]["stacked"] is True


def test_searches_use_the_functions_namespace_and_service(default: Synth) -> None:
    env = function_env(default)
    every = [s for w in widgets(default).values() if "metrics" in w["properties"]
             for s in searches(w)]  # fmt: skip

    assert len(every) >= 10
    assert {s["namespace"] for s in every} == {env["POWERTOOLS_METRICS_NAMESPACE"]}
    assert {s["service"] for s in every} == {env["POWERTOOLS_SERVICE_NAME"]}


def _serve(client: Any, body: dict[str, Any]) -> None:
    handle_once(make_event(body=body), client)


@pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
def test_every_graphed_metric_is_one_the_function_writes(default: Synth) -> None:
    # Given the EMF records of a finished stream and of a refused request...
    cached = converse_events(["a", "b"])
    cached[-1]["metadata"]["usage"] |= {"cacheReadInputTokens": 40, "cacheWriteInputTokens": 8}
    records = printed_emf(
        lambda: (
            _serve(FakeBedrock([[Sleep(0.01), *cached]]), {"prompt": "x"}),
            _serve(FakeBedrock([client_error("AccessDeniedException", 403)]), {"prompt": "y"}),
        )
    )
    written = emitted(records)
    # ...each SEARCH of the dashboard names a (namespace, metric, dimension set) among them.
    graphed = {
        (s["namespace"], s["metric"], s["dimensions"])
        for w in widgets(default).values()
        if "metrics" in w["properties"]
        for s in searches(w)
    }
    assert graphed <= written
    assert {"CacheReadInputTokens", "CacheWriteInputTokens"} <= {m for (_ns, m, _d) in graphed}


def _annotations(widget: dict[str, Any]) -> dict[int, str]:
    horizontal = widget["properties"].get("annotations", {}).get("horizontal", [])
    return {a["value"]: a["label"] for a in horizontal}


def test_duration_is_drawn_against_the_timeout_and_the_alarm(default: Synth, small: Synth) -> None:
    assert _annotations(widgets(default)[DURATION]) == {
        300_000: "timeout (300 s)",
        near_timeout_ms(300): "near-timeout alarm (90 %)",
    }
    assert _annotations(widgets(small)[DURATION]) == {
        120_000: "timeout (120 s)",
        108_000: "near-timeout alarm (90 %)",
    }


def test_concurrency_shows_the_reserved_limit_only_when_set(default: Synth, small: Synth) -> None:
    assert _annotations(widgets(default)[CONCURRENCY]) == {}
    assert _annotations(widgets(small)[CONCURRENCY]) == {7: "reserved concurrency"}


def test_function_graphs_read_this_functions_lambda_metrics(default: Synth) -> None:
    [function_id] = default.resources("AWS::Lambda::Function")
    lambda_rows = [
        row
        for title in ("Function errors and throttles", CONCURRENCY, DURATION)
        for row in widgets(default)[title]["properties"]["metrics"]
    ]

    assert {tuple(row[:2]) for row in lambda_rows} == {
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/Lambda", "ConcurrentExecutions"),
        ("AWS/Lambda", "Duration"),
    }
    assert all(row[2:4] == ["FunctionName", f"${{{function_id}}}"] for row in lambda_rows)


def test_alarm_widget_lists_every_alarm(default: Synth) -> None:
    alarm_ids = set(default.resources("AWS::CloudWatch::Alarm"))
    listed = widgets(default)["Alarms"]["properties"]["alarms"]

    assert len(alarm_ids) == 3
    assert {a.split("${")[-1].rstrip("}") for a in listed} == {f"{i}.Arn" for i in alarm_ids}


LAYOUT = ROOT / "docs" / "dashboard-layout.svg"


def test_the_layout_picture_in_the_docs_is_the_synthesized_dashboard(default: Synth) -> None:
    # UPDATE_DASHBOARD_LAYOUT=1 redraws docs/dashboard-layout.svg from the template.
    picture = render(dashboard_body(default))
    if os.environ.get("UPDATE_DASHBOARD_LAYOUT") == "1":
        LAYOUT.write_text(picture)

    assert LAYOUT.read_text() == picture, "run with UPDATE_DASHBOARD_LAYOUT=1 to redraw it"
    assert picture.count("<rect") == 1 + len(dashboard_body(default)["widgets"])
    assert "line at 300000: timeout (300 s)" in picture
