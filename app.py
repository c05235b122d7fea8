#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth|deploy [-c key=value ...]` (API.md §10). Makes no AWS calls."""

from aws_cdk import App

from infra.nag import add_nag
from infra.stack import BedrockStreamStack

app = App()
BedrockStreamStack(
    app,
    "BedrockStream",
    description="Bedrock Stream: Amazon Bedrock answers streamed through a Lambda Function URL.",
)
add_nag(app)
app.synth()
