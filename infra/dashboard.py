"""The operator's CloudWatch dashboard: stream latency, throughput, outcomes and function health."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration, Stack, aws_cloudwatch
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.alarms import NEAR_TIMEOUT_SHARE, FunctionAlarms, near_timeout_ms

PERIOD = Duration.minutes(5)
WIDTH = 24  # a dashboard row is 24 units wide
HEIGHT = 6
TIMEOUT_RED = "#d62728"
WARNING_ORANGE = "#ff7f0e"
# Per-stream metrics carry (service, model) and Requests carries (service, outcome), as
# lambda_src/bedrock_stream/observability.py declares them; models and outcomes are only
# known at run time, so the graphs find them with SEARCH.
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html
STREAM_DIMENSIONS = ("model", "service")
REQUEST_DIMENSIONS = ("outcome", "service")
# A dynamic label applies to every series a search returns, so each line names its model.
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/graph-dynamic-labels.html
MODEL = "${PROP('Dim.model')}"
OUTCOME = "${PROP('Dim.outcome')}"


@dataclass(frozen=True)
class MetricSource:
    """Where the function's EMF metrics live: namespace and the `service` dimension's value."""

    namespace: str
    service: str

    def search(self, metric: str, statistic: str, dimensions: Sequence[str]) -> str:
        """A SEARCH expression for one metric of this service, one series per other dimension."""
        schema = ",".join(_quoted(part) for part in (self.namespace, *dimensions))
        terms = f'MetricName="{metric}" service="{self.service}"'
        seconds = int(PERIOD.to_seconds())
        return f"SEARCH('{{{schema}}} {terms}', '{statistic}', {seconds})"


def _quoted(name: str) -> str:
    """Schema names with characters other than letters and digits must be double-quoted."""
    return name if name.isalnum() else f'"{name}"'


def _per_model(
    source: MetricSource, metric: str, statistic: str, label: str
) -> aws_cloudwatch.SearchExpression:
    return aws_cloudwatch.SearchExpression(
        expression=source.search(metric, statistic, STREAM_DIMENSIONS),
        label=f"{label} {MODEL}",
        period=PERIOD,
    )


def _graph(
    title: str,
    left: Sequence[aws_cloudwatch.IMetric],
    *,
    width: int,
    unit: str,
    stacked: bool = False,
    annotations: Sequence[aws_cloudwatch.HorizontalAnnotation] = (),
) -> aws_cloudwatch.GraphWidget:
    return aws_cloudwatch.GraphWidget(
        title=title,
        left=list(left),
        width=width,
        height=HEIGHT,
        stacked=stacked,
        left_y_axis=aws_cloudwatch.YAxisProps(label=unit, show_units=False, min=0),
        left_annotations=list(annotations),
        period=PERIOD,
    )


def stream_widgets(source: MetricSource) -> list[list[aws_cloudwatch.IWidget]]:
    """Rows about the streams themselves, from the function's EMF metrics."""
    ttft = [_per_model(source, "TimeToFirstToken", stat, stat) for stat in ("p50", "p90", "p99")]
    requests = aws_cloudwatch.SearchExpression(
        expression=source.search("Requests", "Sum", REQUEST_DIMENSIONS),
        label=OUTCOME,  # done, throttled, upstream_error, ...
        period=PERIOD,
    )
    tokens_per_s = [
        _per_model(source, "OutputTokensPerSecond", "p50", "p50"),
        _per_model(source, "OutputTokensPerSecond", "p10", "p10 (slowest tenth)"),
    ]
    tokens = [
        _per_model(source, "InputTokens", "Sum", "input"),
        _per_model(source, "OutputTokens", "Sum", "output"),
    ]
    # Reasoning has no line of its own: no stream the function reads reports reasoning tokens
    # apart from the output tokens that include them (docs/OBSERVABILITY.md).
    cache = [
        _per_model(source, "CacheReadInputTokens", "Sum", "cache read"),
        _per_model(source, "CacheWriteInputTokens", "Sum", "cache write"),
    ]
    return [
        [
            _graph("Time to first token (p50, p90, p99) by model", ttft, width=12, unit="ms"),
            _graph("Requests by outcome", [requests], width=12, unit="requests", stacked=True),
        ],
        [
            _graph("Output tokens per second by model", tokens_per_s, width=8, unit="tokens/s"),
            _graph("Input and output tokens by model", tokens, width=8, unit="tokens"),
            _graph("Prompt cache tokens by model", cache, width=8, unit="tokens"),
        ],
    ]


def function_widgets(
    function: lambda_.IFunction,
    *,
    timeout_s: int,
    reserved_concurrency: int | None,
    alarms: FunctionAlarms,
) -> list[list[aws_cloudwatch.IWidget]]:
    """Rows about the Lambda function: errors, throttles, concurrency, duration vs timeout."""
    errors = [
        function.metric_errors(period=PERIOD, statistic="Sum", label="errors"),
        function.metric_throttles(period=PERIOD, statistic="Sum", label="throttles"),
    ]
    concurrency = function.metric(
        "ConcurrentExecutions", period=PERIOD, statistic="Maximum", label="concurrent (max)"
    )
    limit: list[aws_cloudwatch.HorizontalAnnotation] = []
    if reserved_concurrency is not None:
        limit.append(
            aws_cloudwatch.HorizontalAnnotation(
                value=reserved_concurrency, label="reserved concurrency", color=TIMEOUT_RED
            )
        )
    duration = [
        function.metric_duration(period=PERIOD, statistic=stat, label=stat)
        for stat in ("p50", "p99", "Maximum")
    ]
    share = int(NEAR_TIMEOUT_SHARE * 100)
    against_timeout = [
        aws_cloudwatch.HorizontalAnnotation(
            value=timeout_s * 1000, label=f"timeout ({timeout_s} s)", color=TIMEOUT_RED
        ),
        aws_cloudwatch.HorizontalAnnotation(
            value=near_timeout_ms(timeout_s),
            label=f"near-timeout alarm ({share} %)",
            color=WARNING_ORANGE,
        ),
    ]
    status = aws_cloudwatch.AlarmStatusWidget(
        title="Alarms",
        alarms=list(alarms.all()),
        width=6,
        height=HEIGHT,
    )
    return [
        [
            _graph("Function errors and throttles", errors, width=6, unit="count"),
            _graph(
                "Concurrent executions",
                [concurrency],
                width=6,
                unit="executions",
                annotations=limit,
            ),
            _graph(
                "Duration against the timeout",
                duration,
                width=6,
                unit="ms",
                annotations=against_timeout,
            ),
            status,
        ],
    ]


class StreamDashboard(Construct):
    """A CloudWatch dashboard for one streaming function, named after its stack and Region."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.IFunction,
        alarms: FunctionAlarms,
        source: MetricSource,
        timeout_s: int,
        reserved_concurrency: int | None = None,
    ) -> None:
        """Lay out the stream rows above the function rows."""
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        intro = aws_cloudwatch.TextWidget(
            markdown=(
                f"### Bedrock Stream: `{stack.stack_name}`\n"
                "Streams (time to first token, tokens/s, outcomes) above, the Lambda function "
                "below. What each graph means and what to do about it: docs/OBSERVABILITY.md "
                "in the repository. Saved Logs Insights queries: Logs Insights, Saved queries, "
                f"folder `{stack.stack_name}`."
            ),
            width=WIDTH,
            height=2,
        )
        rows: list[list[aws_cloudwatch.IWidget]] = [
            [intro],
            *stream_widgets(source),
            *function_widgets(
                function,
                timeout_s=timeout_s,
                reserved_concurrency=reserved_concurrency,
                alarms=alarms,
            ),
        ]
        # "All dashboards in your account are global, not region-specific": the Region in
        # the name keeps two deployments of the stack apart (names allow A-Z a-z 0-9 - _).
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-dashboard.html
        self.dashboard = aws_cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{stack.stack_name}-{stack.region}",
            default_interval=Duration.hours(3),
            widgets=rows,
        )
