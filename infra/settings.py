"""The function's fixed settings, free of CDK imports so the local twin's tests can use them."""

from __future__ import annotations

from collections.abc import Mapping

HANDLER = "bedrock_stream.handler.handler"
# The managed runtime starts this script instead of its own client.
# https://docs.aws.amazon.com/lambda/latest/dg/runtimes-modify.html#runtime-wrapper
EXEC_WRAPPER = "/var/task/bootstrap"
SERVICE_NAME = "bedrock-stream"
METRICS_NAMESPACE = "BedrockStream"

# docs/API.md §8 defaults (§12.6: MAX_TOKENS_LIMIT 16384); a caller overrides any with `settings`.
APP_SETTINGS: Mapping[str, str] = {
    "MAX_TOKENS_LIMIT": "16384",
    "MAX_BODY_BYTES": "1048576",
    "STALL_TIMEOUT_S": "60",
    "KEEPALIVE_S": "10",
    "DEADLINE_MARGIN_S": "3",
    "LOG_CONTENT": "false",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}
