"""The Bedrock Stream stack: one StreamingFunction configured from CDK context (API.md §10)."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.asset import function_code
from infra.config import StreamConfig, config_from_context
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
            settings={"MAX_TOKENS_LIMIT": str(cfg.max_tokens_limit)},
            marketplace_subscribe=cfg.marketplace_subscribe,
            marketplace_product_ids=cfg.marketplace_product_ids,
        )
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
