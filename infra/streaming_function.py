"""StreamingFunction: a function streaming through its Function URL, with role, logs and alarms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.alarms import FunctionAlarms, function_alarms
from infra.bedrock_access import BedrockGrants, bedrock_grants
from infra.config import Architecture, AuthMode
from infra.guardrail import GuardrailConfig
from infra.marketplace_access import marketplace_statements
from infra.nag_ids import wildcard_resource_id
from infra.settings import (
    APP_SETTINGS,
    EXEC_WRAPPER,
    HANDLER,
    METRICS_NAMESPACE,
    SERVICE_NAME,
)
from infra.snapstart import live_alias, snapstart_props

ARCHITECTURES: Mapping[Architecture, lambda_.Architecture] = {
    "arm64": lambda_.Architecture.ARM_64,
    "x86_64": lambda_.Architecture.X86_64,
}
# Headers a browser may send: content type, API key, and what SigV4 signing adds.
CORS_HEADERS = (
    "content-type",
    "accept",
    "authorization",
    "x-api-key",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
)
CORS_EXPOSED = ("x-request-id", "retry-after")


class StreamingFunction(Construct):
    """A Python function streaming its responses through a Function URL (RESPONSE_STREAM)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        models: Sequence[str],
        default_model: str | None = None,
        auth: AuthMode = "iam",
        cors_origins: Sequence[str] = (),
        timeout_s: int = 300,
        memory_mb: int = 512,
        reserved_concurrency: int | None = None,
        log_retention_days: int = 30,
        architecture: Architecture = "arm64",
        service_name: str = SERVICE_NAME,
        metrics_namespace: str = METRICS_NAMESPACE,
        settings: Mapping[str, str] | None = None,
        guardrail: GuardrailConfig | None = None,
        marketplace_subscribe: bool = False,
        marketplace_product_ids: Sequence[str] = (),
        snapstart: bool = False,
    ) -> None:
        """Create the function, its URL, role, log group, alarms and (api_key auth) its secret."""
        super().__init__(scope, construct_id)
        if not models:
            raise ValueError("StreamingFunction needs at least one allowed model")

        # The log group belongs to this function: `cdk destroy` removes both.
        # Where the function's EMF metrics go (its POWERTOOLS_* variables), for dashboards.
        self.service_name = service_name
        self.metrics_namespace = metrics_namespace
        self.log_group = logs.LogGroup(self, "Logs", removal_policy=RemovalPolicy.DESTROY)
        # RetentionDays is a named enum in Python; the days (checked in config.py) go to the
        # CloudFormation property directly.
        cfn_log_group = self.log_group.node.default_child
        assert isinstance(cfn_log_group, logs.CfnLogGroup)
        cfn_log_group.retention_in_days = log_retention_days
        # A role of our own, so logging is granted on this log group only instead of through
        # the AWSLambdaBasicExecutionRole managed policy (logs:* on every group).
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Streams Bedrock answers: invoke the allowed models, write own logs.",
        )
        self.log_group.grant_write(self.role)

        stack = self.log_group.stack
        self.bedrock_grants: BedrockGrants = bedrock_grants(stack, models)
        for statement in self.bedrock_grants.statements():
            self.role.add_to_policy(statement)
        # Off unless asked for: see infra/marketplace_access.py.
        self.marketplace_subscribe = marketplace_subscribe
        if marketplace_subscribe:
            for statement in marketplace_statements(marketplace_product_ids):
                self.role.add_to_policy(statement)

        environment = {
            **APP_SETTINGS,
            **(settings or {}),
            "ALLOWED_MODELS": ",".join(models),
            "DEFAULT_MODEL": default_model or models[0],
            "AUTH_MODE": auth,
            "AWS_LAMBDA_EXEC_WRAPPER": EXEC_WRAPPER,
            "POWERTOOLS_SERVICE_NAME": service_name,
            "POWERTOOLS_METRICS_NAMESPACE": metrics_namespace,
        }
        if guardrail is not None:  # docs/API.md §12.3: on every Converse call, applied by this role
            environment.update(guardrail.environment())
            self.role.add_to_policy(guardrail.statement(stack))
        self.api_key_secret: secretsmanager.Secret | None = None
        if auth == "api_key":
            self.api_key_secret = secretsmanager.Secret(
                self,
                "ApiKey",
                description="API key for the Bedrock Stream Function URL (x-api-key or Bearer).",
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    password_length=48, exclude_punctuation=True, include_space=False
                ),
            )
            self.api_key_secret.grant_read(self.role)
            # Only the ARN: the function reads the key itself, never from plain environment.
            environment["API_KEY_SECRET_ARN"] = self.api_key_secret.secret_arn

        self.function = lambda_.Function(
            self,
            "Function",
            runtime=lambda_.Runtime.PYTHON_3_13,
            architecture=ARCHITECTURES[architecture],
            handler=HANDLER,
            code=code,
            role=self.role,
            timeout=Duration.seconds(timeout_s),
            memory_size=memory_mb,
            reserved_concurrent_executions=reserved_concurrency,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            environment=environment,
            description="Streams Amazon Bedrock answers through a Function URL.",
            **snapstart_props(enabled=snapstart),
        )
        # SnapStart applies to published versions only: the URL then invokes an alias of the
        # current one (infra/snapstart.py); without it, the function itself as before.
        self.alias = live_alias(self, self.function) if snapstart else None
        target: lambda_.IFunction = self.alias or self.function
        self.url = target.add_function_url(
            auth_type=(
                lambda_.FunctionUrlAuthType.NONE
                if auth == "api_key"
                else lambda_.FunctionUrlAuthType.AWS_IAM
            ),
            invoke_mode=lambda_.InvokeMode.RESPONSE_STREAM,
            cors=_cors(cors_origins),
        )
        self.alarms: FunctionAlarms = function_alarms(self, self.function, timeout_s)
        self._acknowledge_findings()

    def _acknowledge_findings(self) -> None:
        """cdk-nag AwsSolutions findings this design accepts, each with its reason."""
        Validations.of(self.function).acknowledge(
            Acknowledgment(
                id="AwsSolutions-L1",
                reason="Python 3.13 on purpose: the asset's dependency wheels are resolved for "
                "cp313 and the code is tested on 3.11 and 3.13 (docs/ARCHITECTURE.md, one asset, "
                "two platforms); moving to a newer runtime is a deliberate, tested upgrade.",
            )
        )
        star_reason = (
            "X-Ray active tracing: xray:PutTraceSegments and PutTelemetryRecords "
            "support no resource-level permissions, so AWS requires Resource '*'."
        )
        if self.marketplace_subscribe:
            star_reason += (
                " Opted in with marketplace_subscribe: aws-marketplace:Unsubscribe and "
                "ViewSubscriptions take no resource and Subscribe is narrowed only by product "
                "id, https://docs.aws.amazon.com/bedrock/latest/userguide/model-access.html"
            )
        reasons = {"AwsSolutions-IAM5[Resource::*]": star_reason}
        for grant in self.bedrock_grants.routed:
            for arn in grant.model_arns:
                if "*" in arn:  # the same wildcard for two profiles: one reason is enough
                    reasons.setdefault(wildcard_resource_id(self.role.stack, arn), grant.reason)
        for finding, reason in reasons.items():
            Validations.of(self.role).acknowledge(Acknowledgment(id=finding, reason=reason))
        if self.api_key_secret is not None:
            Validations.of(self.api_key_secret).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-SMG4",
                    reason="The API key is shared with clients out of band; automatic rotation "
                    "would lock them out. Operators rotate it deliberately (README, Deploy); "
                    "the function re-reads the secret every 5 minutes.",
                )
            )


def _cors(origins: Sequence[str]) -> lambda_.FunctionUrlCorsOptions | None:
    """CORS for the listed origins only; none configured when the list is empty."""
    if not origins:
        return None
    return lambda_.FunctionUrlCorsOptions(
        allowed_origins=list(origins),
        allowed_methods=[lambda_.HttpMethod.GET, lambda_.HttpMethod.POST],
        allowed_headers=list(CORS_HEADERS),
        exposed_headers=list(CORS_EXPOSED),
        max_age=Duration.hours(1),
    )
