"""The CDK app as `npx cdk synth` builds it: the stack plus cdk-nag (app.py and the tests)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Environment

from infra.nag import add_nag
from infra.stack import BedrockStreamStack

STACK_NAME = "BedrockStream"
DESCRIPTION = "Bedrock Stream: Amazon Bedrock answers streamed through a Lambda Function URL."


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
