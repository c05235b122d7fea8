"""The CDK app as `npx cdk synth` builds it: the stack plus cdk-nag (app.py and the tests)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks

from infra.stack import BedrockStreamStack

STACK_NAME = "BedrockStream"
DESCRIPTION = "Bedrock Stream: Amazon Bedrock answers streamed through a Lambda Function URL."


def add_nag(app: App) -> None:
    """Check the whole app; an unacknowledged finding fails `app.synth()` (cdk-nag 3.x)."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))


def build_app(
    *,
    context: Mapping[str, Any] | None = None,
    outdir: str | None = None,
    env: Environment | None = None,
) -> tuple[App, BedrockStreamStack]:
    """An app with the stack (env-agnostic unless env is given) and AwsSolutions checks on."""
    app = App(context=dict(context) if context else None, outdir=outdir)
    stack = BedrockStreamStack(app, STACK_NAME, description=DESCRIPTION, env=env)
    add_nag(app)
    return app, stack
