#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth|deploy [-c key=value ...]` (docs/API.md §10); no AWS calls."""

from infra.entry import build_app

app, _stack = build_app()
app.synth()
