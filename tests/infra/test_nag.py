"""cdk-nag AwsSolutions: the stack is clean, every acknowledgement is needed and has a reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_

from infra.entry import build_app
from infra.streaming_function import StreamingFunction
from tests.infra.infra_support import (
    ALL_KINDS,
    HAIKU_45,
    VARIANTS,
    Synth,
    SynthFn,
    cdk_json_context,
    findings,
)

ACKNOWLEDGED = "aws:cdk:acknowledged-rules"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_stack_has_no_unacknowledged_findings(synth: SynthFn, variant: str) -> None:
    context, region = VARIANTS[variant]
    synthesized = synth(context, region=region)  # add_nag is on: app.synth() would have raised

    assert findings(synthesized.stack) == set()


def acknowledged(stack: Stack) -> dict[str, str]:
    """Every acknowledged finding in a stack -> its written reason."""
    return {
        rule.removeprefix("Annotation::"): reason
        for construct in stack.node.find_all()
        for entry in construct.node.metadata
        if entry.type == ACKNOWLEDGED
        for rule, reason in entry.data.items()
    }


def test_every_acknowledgement_has_a_written_reason(synth: SynthFn) -> None:
    stack = synth({"auth": "api_key"}).stack
    reasons = acknowledged(stack)

    assert set(reasons) == {
        "AwsSolutions-L1",
        "AwsSolutions-IAM5[Resource::*]",
        "AwsSolutions-SMG4",
        # The default model is a global profile: its model, in any Region, through it only.
        f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/{HAIKU_45}]",
    }
    assert all(len(reason.split()) >= 8 for reason in reasons.values())


def test_wildcards_are_acknowledged_with_the_reason_of_their_grant(synth: SynthFn) -> None:
    reasons = acknowledged(synth({"models": ALL_KINDS, "marketplace_subscribe": "true"}).stack)

    def iam5(resource: str) -> str:
        return reasons[f"AwsSolutions-IAM5[Resource::{resource}]"]

    model = f"arn:<AWS::Partition>:bedrock:*::foundation-model/{HAIKU_45}"
    assert "only through that profile" in iam5(model)
    assert "application inference profile" in iam5(
        "arn:<AWS::Partition>:bedrock:*::foundation-model/*"
    )
    assert "marketplace_subscribe" in iam5("*")
    assert "X-Ray" in iam5("*")


class UnacknowledgedStreamingFunction(StreamingFunction):
    """The construct with its acknowledgements removed."""

    def _acknowledge_findings(self) -> None:
        return None


@pytest.mark.parametrize(
    "props",
    [
        {"models": ["anthropic.claude-3-haiku-20240307-v1:0"], "auth": "api_key"},
        {"models": ALL_KINDS.split(","), "marketplace_subscribe": True},
    ],
)
def test_each_acknowledgement_is_needed(tmp_path: Path, props: dict[str, object]) -> None:
    def build(kind: type[StreamingFunction], name: str) -> Stack:
        stack = Stack(App(outdir=str(tmp_path / name)), "Bare")
        code = lambda_.Code.from_inline("def handler(event, context): ...\n")
        kind(stack, "Streaming", code=code, **props)
        return stack

    found = findings(build(UnacknowledgedStreamingFunction, "bare"))

    assert found == set(acknowledged(build(StreamingFunction, "acked")))
    assert {"AwsSolutions-L1", "AwsSolutions-IAM5[Resource::*]"} <= found


def test_a_finding_fails_the_real_apps_synth(tmp_path: Path) -> None:
    app, stack = build_app(context=cdk_json_context(), outdir=str(tmp_path))
    lambda_.Function(
        stack,
        "Old",
        runtime=lambda_.Runtime.PYTHON_3_11,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): ...\n"),
    )

    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    [nag] = [r for r in report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    flagged = {
        (v["ruleName"].split("[")[0], c["constructPath"])
        for v in nag["violations"]
        for c in v["violatingConstructs"]
    }
    assert ("AwsSolutions-L1", "BedrockStream/Old/Resource") in flagged
    assert ("AwsSolutions-IAM4", "BedrockStream/Old/ServiceRole/Resource") in flagged
    assert not any(path.startswith("BedrockStream/Streaming/") for _rule, path in flagged)


def test_default_app_synth_report_is_clean(default: Synth) -> None:
    report = default.outdir / "validation-report.json"

    assert not report.exists() or '"failure"' not in report.read_text()
