"""The Bedrock Stream stack: one StreamingFunction configured from CDK context (docs/API.md §10)."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.asset import function_code
from infra.config import StreamConfig, config_from_context
from infra.dashboard import MetricSource, StreamDashboard
from infra.notifications import alarm_topic, notify
from infra.queries import saved_queries
from infra.streaming_function import StreamingFunction


class BedrockStreamStack(Stack):
    """Composes the streaming function from context; env-agnostic, so synth needs no AWS calls."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StreamConfig | None = None,
        **stack_props: Any,
    ) -> None:
        """Read the context keys (unless a config is given) and build the function and outputs."""
        super().__init__(scope, construct_id, **stack_props)
        self.config = config or config_from_context(self.node.try_get_context)
        cfg = self.config
        self.streaming = StreamingFunction(
            self,
            "Streaming",
            code=function_code(architecture=cfg.architecture),
            models=cfg.models,
            default_model=cfg.effective_default_model,
            auth=cfg.auth,
            cors_origins=cfg.cors_origins,
            timeout_s=cfg.timeout_s,
            memory_mb=cfg.memory_mb,
            reserved_concurrency=cfg.reserved_concurrency,
            log_retention_days=cfg.log_retention_days,
            architecture=cfg.architecture,
            guardrail=cfg.guardrail,
            settings={"MAX_TOKENS_LIMIT": str(cfg.max_tokens_limit)},
            marketplace_subscribe=cfg.marketplace_subscribe,
            marketplace_product_ids=cfg.marketplace_product_ids,
            snapstart=cfg.snapstart,
        )
        self._observability(cfg)
        CfnOutput(self, "FunctionUrl", value=self.streaming.url.url, description="Function URL")
        CfnOutput(
            self,
            "FunctionName",
            value=self.streaming.function.function_name,
            description="Lambda function name",
        )
        if self.streaming.api_key_secret is not None:
            CfnOutput(
                self,
                "ApiKeySecretArn",
                value=self.streaming.api_key_secret.secret_arn,
                description="Secrets Manager secret holding the API key",
            )

    def _observability(self, cfg: StreamConfig) -> None:
        """The operator's view (docs/API.md §13): dashboard, saved queries, alarm notifications."""
        streaming = self.streaming
        self.dashboard = StreamDashboard(
            self,
            "Observability",
            function=streaming.function,
            alarms=streaming.alarms,
            source=MetricSource(
                namespace=streaming.metrics_namespace, service=streaming.service_name
            ),
            timeout_s=cfg.timeout_s,
            reserved_concurrency=cfg.reserved_concurrency,
        ).dashboard
        self.queries = saved_queries(self, log_group=streaming.log_group, folder=self.stack_name)
        self.alarm_topic = alarm_topic(self, email=cfg.alarm_email, topic_arn=cfg.alarm_topic_arn)
        if self.alarm_topic is not None:
            notify(streaming.alarms, self.alarm_topic)
        CfnOutput(
            self,
            "DashboardName",
            value=self.dashboard.dashboard_name,
            description="CloudWatch dashboard of the function and its streams",
        )
