"""`-c snapstart=true`: SnapStart on published versions, a `live` alias, the URL on the alias.

Without the flag the template keeps the function's own URL and no version or alias.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_

from infra.config import ConfigError, config_from_context
from infra.snapstart import ALIAS_NAME
from infra.streaming_function import StreamingFunction
from local.lambda_env import FunctionConfig
from local.template import load_stack
from tests.infra.infra_support import HAIKU, Synth, SynthFn

SNAPSTART = {"snapstart": "true"}


@pytest.fixture(scope="module")
def snap(synth: SynthFn) -> Synth:
    return synth(SNAPSTART)


def _logical_id(synth: Synth, kind: str) -> str:
    [found] = synth.resources(kind)
    return found


def test_without_the_flag_there_is_no_version_alias_or_snapstart(default: Synth) -> None:
    fn = default.only("AWS::Lambda::Function")
    url = default.only("AWS::Lambda::Url")

    assert "SnapStart" not in fn
    assert default.resources("AWS::Lambda::Version") == {}
    assert default.resources("AWS::Lambda::Alias") == {}
    assert "Qualifier" not in url
    assert url["TargetFunctionArn"] == {
        "Fn::GetAtt": [_logical_id(default, "AWS::Lambda::Function"), "Arn"]
    }


def test_snapstart_applies_to_published_versions(snap: Synth) -> None:
    assert snap.only("AWS::Lambda::Function")["SnapStart"] == {"ApplyOn": "PublishedVersions"}


def test_the_current_version_is_published_and_replaced_not_retained(snap: Synth) -> None:
    function_id = _logical_id(snap, "AWS::Lambda::Function")
    [(version_id, version)] = snap.resources("AWS::Lambda::Version").items()

    assert version["Properties"]["FunctionName"] == {"Ref": function_id}
    # A retained old version would keep its snapshot cached (and billed).
    assert (version["DeletionPolicy"], version["UpdateReplacePolicy"]) == ("Delete", "Delete")
    alias = snap.only("AWS::Lambda::Alias")
    assert alias["Name"] == ALIAS_NAME == "live"
    assert alias["FunctionName"] == {"Ref": function_id}
    assert alias["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}


def test_the_function_url_invokes_the_alias(snap: Synth) -> None:
    [(url_id, url)] = snap.resources("AWS::Lambda::Url").items()
    props = url["Properties"]

    assert props["Qualifier"] == "live"
    assert props["TargetFunctionArn"] == {
        "Fn::GetAtt": [_logical_id(snap, "AWS::Lambda::Function"), "Arn"]
    }
    assert (props["AuthType"], props["InvokeMode"]) == ("AWS_IAM", "RESPONSE_STREAM")
    assert url["DependsOn"] == [_logical_id(snap, "AWS::Lambda::Alias")]
    assert snap.raw["Outputs"]["FunctionUrl"]["Value"] == {"Fn::GetAtt": [url_id, "FunctionUrl"]}


def test_a_none_url_grants_public_invoke_on_the_alias_only(synth: SynthFn) -> None:
    stack = synth({**SNAPSTART, "auth": "api_key", "cors_origins": "https://a.example"})
    alias_id = _logical_id(stack, "AWS::Lambda::Alias")
    grants = {
        p["Properties"]["Action"]: p["Properties"]
        for p in stack.resources("AWS::Lambda::Permission").values()
    }

    assert set(grants) == {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}
    assert grants["lambda:InvokeFunctionUrl"]["FunctionUrlAuthType"] == "NONE"
    assert grants["lambda:InvokeFunction"]["InvokedViaFunctionUrl"] is True
    for grant in grants.values():
        assert grant["FunctionName"] == {"Ref": alias_id}  # the alias's ARN, not $LATEST's


def _version_id(tmp_path: Path, name: str, *, code: str, memory_mb: int = 512) -> str:
    stack = Stack(App(outdir=str(tmp_path / name)), "Bare")
    StreamingFunction(
        stack,
        "Streaming",
        code=lambda_.Code.from_inline(code),
        models=[HAIKU],
        memory_mb=memory_mb,
        snapstart=True,
    )
    template = App.of(stack).synth().get_stack_by_name("Bare").template
    [version_id] = [
        k for k, v in template["Resources"].items() if v["Type"] == "AWS::Lambda::Version"
    ]
    return version_id


def test_a_new_version_is_published_when_code_or_configuration_changes(tmp_path: Path) -> None:
    code = "def handler(event, context): ...\n"
    first = _version_id(tmp_path, "first", code=code)

    assert _version_id(tmp_path, "same", code=code) == first
    assert _version_id(tmp_path, "code", code=code + "# changed\n") != first
    assert _version_id(tmp_path, "memory", code=code, memory_mb=1024) != first


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("false", False), (True, True)])
def test_the_context_key_is_a_boolean(value: object, expected: bool) -> None:
    assert config_from_context({"snapstart": value}.get).snapstart is expected
    assert config_from_context({}.get).snapstart is False


def test_a_bad_value_is_refused() -> None:
    with pytest.raises(ConfigError, match="snapstart: expected true or false"):
        config_from_context({"snapstart": "yes please"}.get)


def _twin_function(synth: Synth, cdk_out: Path) -> FunctionConfig:
    """The function as the twin reads it from this template (the CLI adds the asset path)."""
    template = json.loads(json.dumps(synth.raw))
    function_id = _logical_id(synth, "AWS::Lambda::Function")
    template["Resources"][function_id]["Metadata"] = {"aws:asset:path": "asset.x"}
    (cdk_out / "asset.x").mkdir(parents=True)
    (cdk_out / "S.template.json").write_text(json.dumps(template))
    return load_stack(cdk_out).function


def test_the_twin_reads_snapstart_and_the_alias_from_the_template(
    snap: Synth, default: Synth, tmp_path: Path
) -> None:
    function = _twin_function(snap, tmp_path / "snap")
    plain = _twin_function(default, tmp_path / "plain")

    assert (function.snap_start, function.alias) == (True, "live")
    assert function.arn.endswith(f":function:{function.name}:live")
    assert (function.version, function.initialization_type) == ("1", "snap-start")
    assert (plain.snap_start, plain.alias, plain.initialization_type) == (
        False,
        None,
        "on-demand",
    )
