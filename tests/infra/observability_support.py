"""Reading the synthesized dashboard body, and what the EMF records the function writes hold."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.infra.infra_support import Synth

SEARCH = re.compile(r"SEARCH\('\{(?P<schema>[^}]*)\} (?P<terms>[^']*)', '(?P<stat>[^']+)', \d+\)")


def dashboard_body(synth: Synth) -> dict[str, Any]:
    """The dashboard body as JSON, Refs written `${LogicalId}` and GetAtts `${LogicalId.Attr}`."""
    body = synth.only("AWS::CloudWatch::Dashboard")["DashboardBody"]
    if isinstance(body, dict):
        separator, parts = body["Fn::Join"]
        body = separator.join(_placeholder(part) for part in parts)
    doc: dict[str, Any] = json.loads(body)
    return doc


def _placeholder(part: str | dict[str, Any]) -> str:
    if isinstance(part, str):
        return part
    if "Ref" in part:
        return "${" + part["Ref"] + "}"
    return "${" + ".".join(part["Fn::GetAtt"]) + "}"


def widgets(synth: Synth) -> dict[str, dict[str, Any]]:
    """The metric and alarm widgets by title."""
    return {
        w["properties"]["title"]: w
        for w in dashboard_body(synth)["widgets"]
        if "title" in w["properties"]
    }


def searches(widget: dict[str, Any]) -> list[dict[str, Any]]:
    """Each SEARCH of a graph: namespace, dimension names, metric, service, statistic, label."""
    found = []
    for row in widget["properties"]["metrics"]:
        options = row[-1]
        match = SEARCH.fullmatch(options.get("expression", ""))
        if match is None:
            continue
        namespace, *dimensions = [p.strip('"') for p in match["schema"].split(",")]
        terms = dict(re.findall(r'(\w+)="([^"]*)"', match["terms"]))
        found.append(
            {
                "namespace": namespace,
                "dimensions": frozenset(dimensions),
                "metric": terms["MetricName"],
                "service": terms["service"],
                "stat": match["stat"],
                "label": options.get("label"),
            }
        )
    return found


def emitted(records: list[dict[str, Any]]) -> set[tuple[str, str, frozenset[str]]]:
    """(namespace, metric name, dimension set) of every metric in the records."""
    found = set()
    for record in records:
        for directive in record["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                for metric in directive["Metrics"]:
                    found.add((directive["Namespace"], metric["Name"], frozenset(dimension_set)))
    return found
