#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth|deploy [-c key=value ...]` (API.md §10). Makes no AWS calls."""

from infra.entry import build_app

app, _stack = build_app()
app.synth()
