"""cdk-nag on every synth: the AwsSolutions pack as a CDK policy-validation plugin."""

from __future__ import annotations

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks


def add_nag(app: App) -> None:
    """Check the whole app; an unacknowledged finding fails `app.synth()` (cdk-nag 3.x)."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
