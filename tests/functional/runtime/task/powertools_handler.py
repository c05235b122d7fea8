"""A streaming handler under Powertools' decorators, as the application uses them."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service="runtime-test")
tracer = Tracer(service="runtime-test")
metrics = Metrics(namespace="RuntimeTest", service="runtime-test")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any, *, stream: Any) -> None:
    stream.start(200, {"content-type": "text/plain"})
    logger.info("streaming")
    metrics.add_metric(name="Chunks", unit=MetricUnit.Count, value=len(event["chunks"]))
    for chunk in event["chunks"]:
        stream.write(chunk)
