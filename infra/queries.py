"""Saved CloudWatch Logs Insights queries over the one `request` log line per request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import aws_logs as logs
from constructs import Construct

# handler.py writes one JSON line with message "request" per request (fields from handler.py
# and chat.py: outcome, error, status, ttft_ms, elapsed_ms, model, ...); Logs Insights
# discovers the fields of JSON log events by itself.
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html
REQUEST_LINE = 'message = "request"'


@dataclass(frozen=True)
class SavedQuery:
    """One Logs Insights query: its name in the console, what it answers, and its text."""

    name: str
    purpose: str
    text: str


# Query syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html
SAVED_QUERIES: tuple[SavedQuery, ...] = (
    SavedQuery(
        name="Slowest first tokens",
        purpose="Requests that waited longest for the first token: model, cold start, retries.",
        text="\n".join(
            (
                "fields @timestamp, ttft_ms, model, format, path, outcome, cold_start, attempts,"
                " function_request_id, xray_trace_id",
                f"| filter {REQUEST_LINE} and ispresent(ttft_ms)",
                "| sort ttft_ms desc",
                "| limit 50",
            )
        ),
    ),
    SavedQuery(
        name="Errors by code",
        purpose="Failed requests counted by error code: before the stream (status 4xx/5xx, "
        "`error`) or inside it (status 200, `outcome`).",
        text="\n".join(
            (
                "fields coalesce(error, outcome) as code",
                f'| filter {REQUEST_LINE} and ispresent(code) and code != "done"',
                "| stats count(*) as requests, max(@timestamp) as last_seen by code, status, model",
                "| sort requests desc",
            )
        ),
    ),
    SavedQuery(
        name="Slowest requests",
        purpose="The longest requests end to end, with time to first token, outcome and trace.",
        text="\n".join(
            (
                "fields @timestamp, elapsed_ms, ttft_ms, duration_ms, outcome, status, model,"
                " format, method, path, output_tokens, function_request_id, xray_trace_id",
                f"| filter {REQUEST_LINE}",
                "| sort elapsed_ms desc",
                "| limit 50",
            )
        ),
    ),
)


def saved_queries(
    scope: Construct,
    *,
    log_group: logs.ILogGroup,
    folder: str,
    queries: Sequence[SavedQuery] = SAVED_QUERIES,
) -> list[logs.CfnQueryDefinition]:
    """One query definition per query on the function's log group, in the console folder."""
    return [
        logs.CfnQueryDefinition(
            scope,
            "Query" + "".join(word.capitalize() for word in query.name.split()),
            name=f"{folder}/{query.name}",
            query_string=query.text,
            log_group_names=[log_group.log_group_name],
        )
        for query in queries
    ]
