"""The Node tools as the Makefile runs them: no npm configuration noise, the right Node headers."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.infra.infra_support import ROOT

pytestmark = pytest.mark.node

NPM_NOISE = re.compile(r"npm warn|Unknown (user|env|project|global|builtin) config", re.I)


def make_variable(name: str) -> str:
    """A Makefile variable's value, as the Makefile's recipes see it."""
    probe = f"print-var: ; @echo $({name})"
    result = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", probe, "print-var"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def run(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> str:
    """Run a command; its stdout and stderr together."""
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=110, check=False
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout + result.stderr


def test_the_makefile_runs_the_pinned_cdk_cli_without_npm_noise() -> None:
    # `make synth` (and `make demo`, which synthesizes) start the CLI the same way.
    env = {**os.environ, "PATH": make_variable("PATH")}

    output = run([make_variable("CDK"), "--version"], env)

    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["aws-cdk"]
    assert output.startswith(pinned), output
    assert not NPM_NOISE.search(output), output


def test_npm_with_the_makefiles_node_gyp_setting_warns_about_nothing(tmp_path: Path) -> None:
    # A HOME of its own: this is about what the project sets, not about the user's .npmrc.
    env = {
        "PATH": make_variable("PATH"),
        "HOME": str(tmp_path),
        "npm_package_config_node_gyp_nodedir": make_variable("NODE_GYP_NODEDIR"),
    }

    output = run(["npm", "config", "get", "registry"], env)  # loads every config source

    assert not NPM_NOISE.search(output), output


def test_node_gyp_compiles_against_the_headers_of_the_node_that_runs_it(tmp_path: Path) -> None:
    # aws-lambda-ric builds a native addon during `npm ci`; nothing may be downloaded for it.
    nodedir = make_variable("NODE_GYP_NODEDIR")
    (tmp_path / "binding.gyp").write_text(
        json.dumps({"targets": [{"target_name": "probe", "sources": ["probe.cc"]}]})
    )
    env = {
        "PATH": make_variable("PATH"),
        "HOME": str(tmp_path),
        "npm_package_config_node_gyp_nodedir": nodedir,
    }
    node_gyp = ROOT / "node_modules" / ".bin" / "node-gyp"

    run([str(node_gyp), "configure"], env, cwd=tmp_path)

    config = (tmp_path / "build" / "config.gypi").read_text()
    assert f'"nodedir": "{nodedir}"' in config
    header = (Path(nodedir) / "include" / "node" / "node_version.h").read_text()
    [major] = re.findall(r"#define NODE_MAJOR_VERSION (\d+)", header)
    node_version = run(["node", "--version"], env).strip()
    assert node_version.startswith(f"v{major}."), (node_version, major)
