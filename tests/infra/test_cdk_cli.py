"""`npx cdk synth` with the pinned CLI: offline, no AWS credentials, context from `-c`."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.infra.infra_support import ROOT

pytestmark = pytest.mark.node


def offline_env(home: Path) -> dict[str, str]:
    """This environment minus every AWS credential source; Node from the venv first."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    env.update(
        AWS_CONFIG_FILE=str(home / "missing-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "missing-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        PATH=f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def cdk(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The pinned CDK CLI run offline from the repository (never installs anything)."""
    return subprocess.run(
        ["npx", "--no-install", "cdk", *args],
        cwd=ROOT,
        env=offline_env(home),
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "auth", "timeout"),
    [([], "AWS_IAM", 300), (["-c", "auth=api_key", "-c", "timeout_s=60"], "NONE", 60)],
)
def test_cli_synth_works_offline(tmp_path: Path, args: list[str], auth: str, timeout: int) -> None:
    out = tmp_path / "cdk.out"
    result = cdk(tmp_path, "synth", "-q", "--output", str(out), *args)

    assert result.returncode == 0, result.stderr[-3000:]
    # cdk.json carries the pinned aws-cdk-lib's recommended flags, as `cdk init` writes them.
    assert "feature flags are not configured" not in result.stdout + result.stderr
    template = json.loads((out / "BedrockStream.template.json").read_text())
    kinds = {r["Type"]: r.get("Properties", {}) for r in template["Resources"].values()}
    assert kinds["AWS::Lambda::Url"]["AuthType"] == auth
    assert kinds["AWS::Lambda::Function"]["Timeout"] == timeout
    assert set(template["Outputs"]) >= {"FunctionUrl", "FunctionName"}


def test_cdk_json_sets_every_recommended_feature_flag(tmp_path: Path) -> None:
    # The pinned CLI compares cdk.json with the recommendations of the pinned aws-cdk-lib.
    result = cdk(tmp_path, "flags", "--unstable=flags")

    assert result.returncode == 0, result.stderr[-3000:]
    assert "All feature flags are already set to their recommended values" in (
        result.stdout + result.stderr
    )
