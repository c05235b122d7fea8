"""cdk-nag AwsSolutions: the stack is clean, every acknowledgement is needed and has a reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_
from cdk_nag import AwsSolutionsChecks

from infra.entry import build_app
from infra.streaming_function import StreamingFunction
from tests.infra.infra_support import Synth, SynthFn

ACKNOWLEDGED = "aws:cdk:acknowledged-rules"


def findings(stack: Stack) -> set[str]:
    """Rule ids AwsSolutions reports for a stack, honouring acknowledgements."""
    report = AwsSolutionsChecks().validate_scope(stack)
    return {v.rule_name for v in report.violations}


@pytest.mark.parametrize(
    "context",
    [{}, {"auth": "api_key", "cors_origins": "https://a.example"}, {"reserved_concurrency": "3"}],
)
def test_stack_has_no_unacknowledged_findings(synth: SynthFn, context: dict[str, str]) -> None:
    synthesized = synth(context)  # add_nag is on: app.synth() would have raised

    assert findings(synthesized.stack) == set()


def test_every_acknowledgement_has_a_written_reason(synth: SynthFn) -> None:
    stack = synth({"auth": "api_key"}).stack
    acknowledged = {
        rule: reason
        for construct in stack.node.find_all()
        for entry in construct.node.metadata
        if entry.type == ACKNOWLEDGED
        for rule, reason in entry.data.items()
    }

    assert set(acknowledged) == {
        "Annotation::AwsSolutions-L1",
        "Annotation::AwsSolutions-IAM5[Resource::*]",
        "Annotation::AwsSolutions-SMG4",
    }
    assert all(len(reason.split()) >= 8 for reason in acknowledged.values())


class UnacknowledgedStreamingFunction(StreamingFunction):
    """The construct with its acknowledgements removed."""

    def _acknowledge_findings(self) -> None:
        return None


def test_each_acknowledgement_is_needed(tmp_path: Path) -> None:
    stack = Stack(App(outdir=str(tmp_path)), "Bare")
    UnacknowledgedStreamingFunction(
        stack,
        "Streaming",
        code=lambda_.Code.from_inline("def handler(event, context): ...\n"),
        models=["anthropic.claude-3-haiku-20240307-v1:0"],
        auth="api_key",
    )

    assert findings(stack) == {
        "AwsSolutions-L1",
        "AwsSolutions-IAM5[Resource::*]",
        "AwsSolutions-SMG4",
    }


def test_a_finding_fails_the_real_apps_synth(tmp_path: Path) -> None:
    app, stack = build_app(outdir=str(tmp_path))
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
