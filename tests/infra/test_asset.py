"""The synthesized asset: what Lambda runs and what the local twin runs, built without Docker."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from infra.asset import (
    MANIFEST_NAME,
    PAGE_BUILDER,
    PAGE_ENTRY,
    PYTHON_VERSION,
    BundlingError,
    DependencySpec,
    _binary_distributions,
    build_asset,
    install_dependencies,
)
from tests.infra.infra_support import ROOT, Synth, SynthFn


def pinned_requirements() -> dict[str, str]:
    """name -> version from requirements.txt (extras dropped), normalized like dist-info names."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?==([^\s;#]+)", line.strip())
        if match:
            pins[match.group(1).lower().replace("-", "_")] = match.group(3)
    return pins


def test_asset_has_the_exec_wrapper_runtime_and_app(default: Synth) -> None:
    asset = default.asset_dir
    bootstrap = asset / "bootstrap"

    assert bootstrap.is_file()
    assert bootstrap.stat().st_mode & stat.S_IXOTH, "bootstrap must stay executable"
    assert bootstrap.read_bytes() == (ROOT / "lambda_src" / "bootstrap").read_bytes()
    assert (asset / "streaming_runtime" / "__init__.py").is_file()
    assert (asset / "bedrock_stream" / "handler.py").is_file()
    source_files = {
        p.relative_to(ROOT / "lambda_src")
        for p in (ROOT / "lambda_src").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert {p for p in source_files if not (asset / p).is_file()} == set()


def test_asset_holds_the_pinned_dependencies(default: Synth) -> None:
    installed = {
        p.name.removesuffix(".dist-info").rsplit("-", 1)[0].lower(): p.name.removesuffix(
            ".dist-info"
        ).rsplit("-", 1)[1]
        for p in default.asset_dir.glob("*.dist-info")
    }

    for name, version in pinned_requirements().items():
        assert installed.get(name) == version, name
    assert {"aws_xray_sdk", "wrapt", "botocore"} <= set(installed)


def test_asset_has_no_compiled_extensions(default: Synth) -> None:
    compiled = [
        p for p in default.asset_dir.rglob("*") if p.suffix in {".so", ".pyd"} or ".so." in p.name
    ]
    manifest = json.loads((default.asset_dir / MANIFEST_NAME).read_text())

    assert compiled == []
    assert manifest["binary_distributions"] == []
    assert "wrapt==1.17.3" in manifest["pure_replacements"]  # its aarch64 wheel has a C module


@pytest.mark.parametrize(
    ("context", "arch"), [({}, "aarch64"), ({"architecture": "x86_64"}, "x86_64")]
)
def test_every_wheel_is_pure_or_for_the_target(
    synth: SynthFn, context: dict[str, str], arch: str
) -> None:
    asset = synth(context).asset_dir
    tags = {
        line.split(":", 1)[1].strip()
        for wheel in asset.glob("*.dist-info/WHEEL")
        for line in wheel.read_text().splitlines()
        if line.startswith("Tag:")
    }

    assert tags, "no wheel metadata in the asset"
    assert {t for t in tags if not t.endswith("-none-any") and arch not in t} == set()


def test_asset_has_no_host_leftovers_and_is_world_readable(default: Synth) -> None:
    paths = list(default.asset_dir.rglob("*"))

    # Bytecode only for Lambda's Python (infra/bytecode.py), none from this machine's.
    target = f".cpython-{PYTHON_VERSION.replace('.', '')}.pyc"
    assert not [p for p in paths if p.suffix == ".pyc" and not p.name.endswith(target)]
    assert not (default.asset_dir / "bin").exists()
    unreadable = [p for p in paths if not p.stat().st_mode & stat.S_IROTH]
    assert unreadable == []


def test_asset_imports_on_this_machines_python(default: Synth) -> None:
    """The local twin runs these same bytes on x86_64 Python 3.11 (docs/ARCHITECTURE.md)."""
    code = (
        "import wrapt, aws_xray_sdk, aws_lambda_powertools, fastjsonschema, boto3;"
        "import streaming_runtime;"
        "print(wrapt.__file__); print(boto3.__version__)"
    )
    env = {**os.environ, "PYTHONPATH": str(default.asset_dir)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )

    wrapt_file, boto3_version = result.stdout.split()
    assert Path(wrapt_file).is_relative_to(default.asset_dir)
    assert boto3_version == pinned_requirements()["boto3"]


def fake_source(root: Path, *, executable: bool = True) -> Path:
    """A minimal lambda_src with the entries the function configuration points at."""
    (root / "streaming_runtime").mkdir(parents=True)
    (root / "streaming_runtime" / "__init__.py").write_text("")
    (root / "bedrock_stream").mkdir()
    (root / "bedrock_stream" / "handler.py").write_text("def handler(e, c, stream=None): ...\n")
    (root / "bootstrap").write_text("#!/bin/sh\n")
    (root / "bootstrap").chmod(0o755 if executable else 0o644)
    return root


def test_build_refuses_a_bootstrap_that_is_not_executable(tmp_path: Path) -> None:
    source = fake_source(tmp_path / "src", executable=False)
    (tmp_path / "deps").mkdir()

    with pytest.raises(BundlingError, match="executable"):
        build_asset(source, tmp_path / "deps", tmp_path / "out")


def test_build_refuses_a_source_without_the_handler(tmp_path: Path) -> None:
    source = fake_source(tmp_path / "src")
    (source / "bedrock_stream" / "handler.py").unlink()
    (tmp_path / "deps").mkdir()

    with pytest.raises(BundlingError, match=r"handler\.py"):
        build_asset(source, tmp_path / "deps", tmp_path / "out")


def test_build_refuses_a_dependency_shadowing_the_code(tmp_path: Path) -> None:
    source = fake_source(tmp_path / "src")
    (tmp_path / "deps" / "streaming_runtime").mkdir(parents=True)

    with pytest.raises(BundlingError, match="streaming_runtime"):
        build_asset(source, tmp_path / "deps", tmp_path / "out")


def test_dependency_install_is_cached_by_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("six==1.17.0\n")
    spec = DependencySpec(requirements=requirements, platform="manylinux2014_aarch64")
    calls: list[tuple[str, ...]] = []

    def fake_pip(spec: DependencySpec, target: Path, platform: str, *args: str) -> None:
        calls.append((platform, *args))
        (target / "six-1.17.0.dist-info").mkdir()
        (target / "six-1.17.0.dist-info" / "WHEEL").write_text(
            "Tag: py2-none-any\nTag: py3-none-any\n"
        )

    monkeypatch.setattr("infra.asset._pip", fake_pip)
    first = install_dependencies(spec, tmp_path / "cache")
    second = install_dependencies(spec, tmp_path / "cache")
    other = DependencySpec(requirements=requirements, platform="manylinux2014_x86_64")

    key = spec.key
    requirements.write_text("six==1.16.0\n")

    assert first == second
    assert len(calls) == 1
    assert json.loads((first / MANIFEST_NAME).read_text())["platform"] == spec.platform
    assert other.key != key
    assert spec.key != key  # the requirements text is part of the key


def test_binary_wheels_are_found_by_their_tags(tmp_path: Path) -> None:
    for name, tag in [
        ("wrapt-2.5.2", "cp313-cp313-manylinux_2_17_aarch64"),
        ("six-1.17.0", "py3-none-any"),
    ]:
        (tmp_path / f"{name}.dist-info").mkdir()
        (tmp_path / f"{name}.dist-info" / "WHEEL").write_text(f"Wheel-Version: 1.0\nTag: {tag}\n")

    assert _binary_distributions(tmp_path) == ["wrapt==2.5.2"]


# --- the chat page: its libraries inlined at build time (docs/API.md §7) ----------------------


def csp_of(html: str) -> str:
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html)
    assert match, "the page has no Content-Security-Policy"
    return match.group(1)


def sha256_sources(bodies: list[str]) -> list[str]:
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in bodies
    ]


def directive(policy: str, name: str) -> list[str]:
    for part in policy.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    raise AssertionError(f"no {name} in {policy}")


def test_deployed_page_has_the_libraries_inlined_and_a_matching_policy(default: Synth) -> None:
    source = (ROOT / "lambda_src" / PAGE_ENTRY).read_text()
    page = (default.asset_dir / PAGE_ENTRY).read_text()
    pins = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    scripts = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    styles = re.findall(r"<style>(.*?)</style>", page, re.DOTALL)
    policy = csp_of(page)

    assert 'data-inline="' in source  # the repository keeps the placeholders
    assert "data-inline" not in page
    assert "{{CSP}}" not in page
    assert "<script src" not in page
    assert len(scripts) == 3
    # The libraries' own license headers, at the versions package.json pins
    assert f"marked v{pins['marked']}" in scripts[0]
    assert "(MIT License)" in scripts[0]
    assert f"@license DOMPurify {pins['dompurify']}" in scripts[1]
    assert "sourceMappingURL" not in page
    # Exactly these inline scripts and styles may run, and nothing from anywhere else
    assert directive(policy, "script-src") == sha256_sources(scripts)
    assert directive(policy, "style-src") == sha256_sources(styles)
    assert directive(policy, "default-src") == ["'none'"]
    assert directive(policy, "connect-src") == ["'self'"]
    assert "unsafe" not in policy
    assert "http" not in policy


def page_source(root: Path) -> Path:
    """A minimal lambda_src holding the real page build step and a small page template."""
    source = fake_source(root)
    (source / PAGE_BUILDER).write_text((ROOT / "lambda_src" / PAGE_BUILDER).read_text())
    (source / PAGE_ENTRY).parent.mkdir(parents=True)
    (source / PAGE_ENTRY).write_text(
        '<meta http-equiv="Content-Security-Policy" content="{{CSP}}">\n'
        '<script data-inline="marked"></script>\n<script data-inline="dompurify"></script>\n'
        "<style>p { color: red }</style>\n<script>start()</script>\n"
    )
    return source


def node_modules(root: Path) -> Path:
    """node_modules with small stand-ins for the two libraries."""
    (root / "marked" / "lib").mkdir(parents=True)
    (root / "marked" / "lib" / "marked.umd.js").write_text(
        "/* marked (MIT License) */\nvar marked = {};\n//# sourceMappingURL=marked.umd.js.map\n"
    )
    (root / "dompurify" / "dist").mkdir(parents=True)
    (root / "dompurify" / "dist" / "purify.min.js").write_text("/*! @license DOMPurify */ var P;")
    return root


def test_build_writes_the_page_with_the_libraries_inlined(tmp_path: Path) -> None:
    source = page_source(tmp_path / "src")
    (tmp_path / "deps").mkdir()

    build_asset(source, tmp_path / "deps", tmp_path / "out", node_modules(tmp_path / "nm"))

    page = (tmp_path / "out" / PAGE_ENTRY).read_text()
    scripts = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    assert scripts == [
        "\n/* marked (MIT License) */\nvar marked = {};\n",
        "\n/*! @license DOMPurify */ var P;\n",
        "start()",
    ]
    assert directive(csp_of(page), "script-src") == sha256_sources(scripts)
    assert directive(csp_of(page), "style-src") == sha256_sources(["p { color: red }"])
    # the source keeps its placeholders; nothing but the built page lands in the output
    assert "data-inline" in (source / PAGE_ENTRY).read_text()
    # (running the page builder from the source leaves no bytecode of this machine's Python)
    assert not list((tmp_path / "out").rglob(f"*.{sys.implementation.cache_tag}.pyc"))


def test_build_refuses_a_page_whose_library_is_missing(tmp_path: Path) -> None:
    source = page_source(tmp_path / "src")
    (tmp_path / "deps").mkdir()
    modules = node_modules(tmp_path / "nm")
    shutil.rmtree(modules / "dompurify")

    with pytest.raises(BundlingError, match=r"purify\.min\.js is missing.*npm ci"):
        build_asset(source, tmp_path / "deps", tmp_path / "out", modules)
