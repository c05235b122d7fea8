"""Every EMF record the function prints is valid embedded metric format (docs/API.md §13).

The schema below is the one the specification publishes, copied from "Embedded metric
format example and JSON schema" on
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
with two changes, each from the same page's text: a DimensionSet holds at most 30 keys (the
copy of the page that could be read here, in awsdocs/amazon-cloudwatch-user-guide, still
says 9; the current page and CloudWatch's MetricDatum both allow 30 dimensions), and a
directive's Metrics array holds at most 100 definitions (stated in the text, not in the
published schema). What a JSON schema cannot say (each dimension a string member of the
root, each metric a number or an array of at most 100 numbers) is checked in code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft7Validator

from tests.functional.handler.handler_fakes import (
    FakeBedrock,
    Raise,
    Sleep,
    client_error,
    converse_events,
    make_event,
    stream_error,
)
from tests.functional.handler.handler_run import handle_once, printed_emf

UNITS = (
    "Seconds|Microseconds|Milliseconds|Bytes|Kilobytes|Megabytes|Gigabytes|Terabytes|Bits|"
    "Kilobits|Megabits|Gigabits|Terabits|Percent|Count|Bytes\\/Second|Kilobytes\\/Second|"
    "Megabytes\\/Second|Gigabytes\\/Second|Terabytes\\/Second|Bits\\/Second|Kilobits\\/Second|"
    "Megabits\\/Second|Gigabits\\/Second|Terabits\\/Second|Count\\/Second|None"
)
NAME = {"type": "string", "pattern": "^(.*)$", "minLength": 1, "maxLength": 255}
EMF_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Root Node",
    "required": ["_aws"],
    "properties": {
        "_aws": {
            "$id": "#/properties/_aws",
            "type": "object",
            "title": "Metadata",
            "required": ["Timestamp", "CloudWatchMetrics"],
            "properties": {
                "Timestamp": {"type": "integer", "title": "The Timestamp Schema"},
                "CloudWatchMetrics": {
                    "type": "array",
                    "title": "MetricDirectives",
                    "items": {
                        "type": "object",
                        "title": "MetricDirective",
                        "required": ["Namespace", "Dimensions", "Metrics"],
                        "properties": {
                            "Namespace": NAME,
                            "Dimensions": {
                                "type": "array",
                                "minItems": 1,
                                "items": {
                                    "type": "array",
                                    "title": "DimensionSet",
                                    "minItems": 0,
                                    "maxItems": 30,  # 9 in the old copy; see the docstring
                                    "items": NAME,
                                },
                            },
                            "Metrics": {
                                "type": "array",
                                "maxItems": 100,  # from the text; see the docstring
                                "items": {
                                    "type": "object",
                                    "title": "MetricDefinition",
                                    "required": ["Name"],
                                    "properties": {
                                        "Name": NAME,
                                        "Unit": {"type": "string", "pattern": f"^({UNITS})$"},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        }
    },
}
VALIDATOR = Draft7Validator(EMF_SCHEMA)
MAX_VALUES = 100  # "Numeric array metric targets MUST NOT have more than 100 members"


def problems(record: dict[str, Any]) -> list[str]:
    """Why a record is not valid EMF: schema errors, then the target-member rules."""
    found = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in VALIDATOR.iter_errors(record)]
    if found:
        return found
    for directive in record["_aws"]["CloudWatchMetrics"]:
        for dimension_set in directive["Dimensions"]:
            for key in dimension_set:
                if not isinstance(record.get(key), str):
                    found.append(f"dimension {key!r} is not a string member of the root")
        for metric in directive["Metrics"]:
            value = record.get(metric["Name"])
            values = value if isinstance(value, list) else [value]
            numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
            if not numeric or not values or len(values) > MAX_VALUES:
                found.append(f"metric {metric['Name']!r} is not a number or 1..100 numbers")
    return found


def serve(script: list[Any], event: dict[str, Any]) -> Callable[[], None]:
    def run() -> None:
        handle_once(event, FakeBedrock(list(script)))  # it pops entries

    return run


def chat(body: dict[str, Any]) -> dict[str, Any]:
    return make_event(body=body)


NATIVE_CHUNK = {"chunk": {"bytes": json.dumps({"outputText": "hi", "index": 0}).encode()}}
REQUESTS: dict[str, tuple[list[Any], dict[str, Any]]] = {
    "done": ([[Sleep(0.01), *converse_events(["a", "b"], usage=(30, 2))]], chat({"prompt": "x"})),
    "done, another model": (
        [[Sleep(0.01), *converse_events(["c"])]],
        chat({"prompt": "x", "model": "amazon.nova-lite-v1:0"}),
    ),
    "done, OpenAI surface": (
        [[*converse_events(["d"])]],
        make_event(
            path="/v1/chat/completions",
            body={
                "model": "anthropic.claude-3-haiku-20240307-v1:0",
                "messages": [{"role": "user", "content": "x"}],
                "stream": True,
            },
        ),
    ),
    "error before the stream": (
        [client_error("AccessDeniedException", 403)],
        chat({"prompt": "x"}),
    ),
    "throttled before the stream": (
        [client_error("ThrottlingException", 429)] * 4,
        chat({"prompt": "x"}),
    ),
    "invalid request": ([], chat({"prompt": "x", "temperature": 9})),
    "error in the stream": (
        [[*converse_events(["a"], stop_reason=None), Raise(stream_error("throttlingException"))]],
        chat({"prompt": "x"}),
    ),
    "native, no usage": (
        [[NATIVE_CHUNK]],
        chat({"model": "amazon.titan-text-express-v1", "native": {"inputText": "x"}}),
    ),
}


QUIET = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")


@QUIET
@pytest.mark.parametrize("name", list(REQUESTS))
def test_every_record_of_a_request_is_valid_emf(name: str) -> None:
    records = printed_emf(serve(*REQUESTS[name]))

    assert records, "each of these requests publishes at least its outcome"
    for record in records:
        assert problems(record) == [], record
    outcomes = [r for r in records if "Requests" in r]
    assert len(outcomes) == 1
    assert outcomes[0]["Requests"] == [1.0]


@QUIET
def test_the_requests_cover_every_metric_the_function_writes() -> None:
    names = {
        metric["Name"]
        for name in REQUESTS
        for record in printed_emf(serve(*REQUESTS[name]))
        for directive in record["_aws"]["CloudWatchMetrics"]
        for metric in directive["Metrics"]
    }

    assert names >= {
        "Requests",
        "TimeToFirstToken",
        "StreamDuration",
        "InputTokens",
        "OutputTokens",
        "OutputTokensPerSecond",
    }


@QUIET
@pytest.mark.parametrize("path", ["/models", "/", "/v1/models"])
def test_routes_without_bedrock_publish_no_metrics(path: str) -> None:
    assert printed_emf(serve([], make_event("GET", path))) == []


VALID = {
    "_aws": {
        "Timestamp": 1574109732004,
        "CloudWatchMetrics": [
            {
                "Namespace": "lambda-function-metrics",
                "Dimensions": [["functionVersion"]],
                "Metrics": [{"Name": "time", "Unit": "Milliseconds"}],
            }
        ],
    },
    "functionVersion": "$LATEST",
    "time": 100,
}


def _with(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    record = json.loads(json.dumps(VALID))
    change(record)
    return record


def _directive(record: dict[str, Any]) -> dict[str, Any]:
    directive: dict[str, Any] = record["_aws"]["CloudWatchMetrics"][0]
    return directive


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda r: r["_aws"].pop("Timestamp"), "'Timestamp' is a required property"),
        (lambda r: _directive(r)["Metrics"][0].update(Unit="Tokens"), "does not match"),
        (
            lambda r: _directive(r).update(Metrics=[{"Name": f"m{i}"} for i in range(101)]),
            "is too long",
        ),
        (lambda r: _directive(r).update(Dimensions=[[f"d{i}" for i in range(31)]]), "too long"),
        (lambda r: _directive(r).update(Dimensions=[]), "should be non-empty"),
        (lambda r: r.pop("functionVersion"), "dimension 'functionVersion' is not a string"),
        (lambda r: r.update(functionVersion=1), "dimension 'functionVersion' is not a string"),
        (lambda r: r.update(time="100"), "metric 'time' is not a number"),
        (lambda r: r.update(time=[1.0] * 101), "metric 'time' is not a number"),
    ],
)
def test_the_checks_refuse_what_the_specification_forbids(
    change: Callable[[dict[str, Any]], None], why: str
) -> None:
    assert problems(VALID) == []
    found = problems(_with(change))

    assert any(why in problem for problem in found), found
