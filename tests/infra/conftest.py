"""Shared synthesized apps for the infra tests: each synth happens once per session."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

# jsii runs aws-cdk-lib in Node: take Node 24 from the venv, not the machine's older one.
VENV_BIN = Path(__file__).resolve().parents[2] / ".venv" / "bin"
os.environ["PATH"] = f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"

from aws_cdk import Environment  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from infra.entry import build_app  # noqa: E402
from tests.infra.infra_support import ACCOUNT, Synth, SynthFn, cdk_json_context  # noqa: E402


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> SynthFn:
    """Synthesize the app as `npx cdk synth` does (cdk.json's context, cdk-nag on), once each."""
    cache: dict[str, Synth] = {}

    def run(context: Mapping[str, Any] | None = None, region: str | None = None) -> Synth:
        key = json.dumps([context or {}, region], sort_keys=True)
        if key not in cache:
            outdir = tmp_path_factory.mktemp("cdk.out")
            env = Environment(account=ACCOUNT, region=region) if region else None
            merged = {**cdk_json_context(), **(context or {})}
            app, stack = build_app(context=merged, outdir=str(outdir), env=env)
            assembly = app.synth()
            raw = assembly.get_stack_by_name(stack.stack_name).template
            cache[key] = Synth(Template.from_json(raw), raw, outdir, stack)
        return cache[key]

    return run


@pytest.fixture(scope="module")
def default(synth: SynthFn) -> Synth:
    """The stack as `npx cdk synth` builds it with no context."""
    return synth()
