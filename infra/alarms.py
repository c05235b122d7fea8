"""CloudWatch alarms for a streaming function: errors, throttles, and runs close to the timeout."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, aws_cloudwatch
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

# A run that takes this share of the timeout was about to be cut off (the handler stops
# DEADLINE_MARGIN_S early and sends a `deadline` error, docs/API.md §5).
NEAR_TIMEOUT_SHARE = 0.9
PERIOD = Duration.minutes(5)


@dataclass(frozen=True)
class FunctionAlarms:
    """The alarms on one function."""

    errors: aws_cloudwatch.Alarm
    throttles: aws_cloudwatch.Alarm
    duration: aws_cloudwatch.Alarm

    def all(self) -> tuple[aws_cloudwatch.Alarm, ...]:
        """Every alarm, so that notifications and dashboards miss none."""
        return (self.errors, self.throttles, self.duration)


def near_timeout_ms(timeout_s: int) -> int:
    """The Duration (ms) above which a run counts as close to the function timeout."""
    return int(timeout_s * 1000 * NEAR_TIMEOUT_SHARE)


def function_alarms(scope: Construct, function: lambda_.Function, timeout_s: int) -> FunctionAlarms:
    """Create the three alarms in scope; missing data (no traffic) is not an alarm."""

    def alarm(
        name: str, metric: aws_cloudwatch.Metric, threshold: float, what: str
    ) -> aws_cloudwatch.Alarm:
        return aws_cloudwatch.Alarm(
            scope,
            name,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=aws_cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=aws_cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=what,
        )

    return FunctionAlarms(
        errors=alarm(
            "ErrorsAlarm",
            function.metric_errors(period=PERIOD, statistic="Sum"),
            1,
            "The function failed (init error, crash or timeout) at least once in 5 minutes.",
        ),
        throttles=alarm(
            "ThrottlesAlarm",
            function.metric_throttles(period=PERIOD, statistic="Sum"),
            1,
            "Invocations were throttled (reserved concurrency or account limit): clients got 429.",
        ),
        duration=alarm(
            "DurationAlarm",
            function.metric_duration(period=PERIOD, statistic="Maximum"),
            near_timeout_ms(timeout_s),
            f"A run took at least {int(NEAR_TIMEOUT_SHARE * 100)}% of the {timeout_s} s timeout.",
        ),
    )
