"""The function asset without Docker: `lambda_src` and its requirements, installed by pip."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import cast

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from infra.bytecode import INTERPRETER_VARIABLE, compile_tree, find_interpreter
from infra.config import Architecture

ROOT = Path(__file__).resolve().parent.parent
PYTHON_VERSION = "3.13"
PLATFORMS: dict[Architecture, str] = {
    "arm64": "manylinux2014_aarch64",
    "x86_64": "manylinux2014_x86_64",
}
# Files the function configuration points at: without them Lambda fails at init.
REQUIRED_ENTRIES = ("bootstrap", "streaming_runtime/__init__.py", "bedrock_stream/handler.py")
SKIPPED_NAMES = frozenset({"__pycache__", ".mypy_cache", ".pytest_cache"})
_CACHE_FORMAT = "3"  # bump when the install steps below change
# Written at the asset root: how the dependencies were built, for tests and the local twin.
MANIFEST_NAME = "asset-manifest.json"
# The chat page and its build step (libraries inlined from node_modules, docs/API.md §7).
PAGE_ENTRY = "bedrock_stream/static/index.html"
PAGE_BUILDER = "bedrock_stream/page_build.py"
NODE_MODULES = ROOT / "node_modules"


class BundlingError(RuntimeError):
    """The asset could not be built."""


@dataclass(frozen=True)
class DependencySpec:
    """What the dependency install depends on; its digest names the cache directory."""

    requirements: Path
    platform: str
    python_version: str = PYTHON_VERSION

    @property
    def key(self) -> str:
        """A digest of the requirements text, platform, Python version and install steps."""
        digest = hashlib.sha256(self.requirements.read_bytes())
        for part in (self.platform, self.python_version, _CACHE_FORMAT):
            digest.update(b"\0" + part.encode())
        return digest.hexdigest()[:20]


def _pip(spec: DependencySpec, target: Path, platform: str, *args: str) -> None:
    """Run pip for the target interpreter: wheels only, so nothing compiles on this machine."""
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-compile", "--only-binary=:all:", "--implementation", "cp",
        "--python-version", spec.python_version, "--platform", platform,
        "--target", str(target), *args,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BundlingError(f"pip failed ({' '.join(args)}):\n{result.stderr[-4000:]}")


def _binary_distributions(site: Path) -> list[str]:
    """`name==version` of every installed wheel that is not tagged `none-any` (pure Python)."""
    found = []
    for wheel_file in sorted(site.glob("*.dist-info/WHEEL")):
        tags = [line.split(":", 1)[1].strip() for line in wheel_file.read_text().splitlines()
                if line.startswith("Tag:")]  # fmt: skip
        if tags and not any(tag.endswith("-none-any") for tag in tags):
            name, version = wheel_file.parent.name.removesuffix(".dist-info").rsplit("-", 1)
            found.append(f"{name}=={version}")
    return found


def install_dependencies(spec: DependencySpec, cache_dir: Path) -> Path:
    """Install the requirements for the target once per spec key; later calls reuse it."""
    final = cache_dir / f"deps-{spec.platform}-py{spec.python_version}-{spec.key}"
    if final.is_dir():
        return final
    cache_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="deps-", dir=cache_dir))
    try:
        _pip(spec, work, spec.platform, "-r", str(spec.requirements))
        # Prefer a pure-Python wheel of the same version where one exists (wrapt ships one),
        # so the asset also runs on the local twin's interpreter (docs/ARCHITECTURE.md, one asset,
        # two
        # platforms). --upgrade replaces the binary package's directories in the target.
        replaced = []
        for requirement in _binary_distributions(work):
            try:
                _pip(spec, work, "any", "--no-deps", "--upgrade", requirement)
            except BundlingError:
                continue  # no pure form: keep the wheel built for the Lambda platform
            replaced.append(requirement)
        shutil.rmtree(work / "bin", ignore_errors=True)  # console scripts for this host
        manifest = {
            "platform": spec.platform,
            "python_version": spec.python_version,
            "pure_replacements": replaced,
            "binary_distributions": _binary_distributions(work),
        }
        (work / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
        try:
            work.rename(final)
        except OSError:
            if not final.is_dir():
                raise
            shutil.rmtree(work)  # another synth finished the same install first
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def _copy_tree(source: Path, target: Path) -> None:
    """Copy a tree keeping modes (the bootstrap's executable bit), skipping caches."""
    shutil.copytree(
        source,
        target,
        dirs_exist_ok=True,
        symlinks=False,
        ignore=lambda _d, names: [n for n in names if n in SKIPPED_NAMES or n.endswith(".pyc")],
    )


def _make_readable(root: Path) -> None:
    """Lambda runs the code as another user: files need o+r, directories and scripts o+rx.

    https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-deployment.html
    """
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        executable = path.is_dir() or mode & stat.S_IXUSR
        extra = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
        if executable:
            extra |= stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
        path.chmod(mode | extra)


def _page_builder(path: Path) -> ModuleType:
    """The page's build step from the code being bundled (standard library only)."""
    spec = importlib.util.spec_from_file_location("_asset_page_build", path)
    if spec is None or spec.loader is None:
        raise BundlingError(f"{path} cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def inline_page(source: Path, output: Path, node_modules: Path) -> None:
    """Write the chat page with its libraries inlined: the deployed page fetches nothing.

    The function would otherwise build it at first use from node_modules, which the asset
    does not have. The build step is loaded from the source tree, not from the output, so
    that no bytecode cache lands in the asset. A tree without the page (or with a page built
    already) is left as it is.
    """
    page = output / PAGE_ENTRY
    if not page.is_file():
        return
    builder = _page_builder(source / PAGE_BUILDER)
    html = page.read_text(encoding="utf-8")
    if not builder.is_template(html):
        return
    try:
        page.write_text(builder.build_page(html, node_modules), encoding="utf-8")
    except builder.PageBuildError as exc:
        raise BundlingError(f"the chat page could not be built: {exc}") from exc


def build_asset(source: Path, deps: Path, output: Path, node_modules: Path = NODE_MODULES) -> None:
    """Write the deployable tree: dependencies first, then the code (the code wins)."""
    missing = [entry for entry in REQUIRED_ENTRIES if not (source / entry).exists()]
    if missing:
        raise BundlingError(f"{source} lacks {', '.join(missing)}: the function could not start")
    if not os.access(source / "bootstrap", os.X_OK):
        raise BundlingError(f"{source / 'bootstrap'} must be executable (AWS_LAMBDA_EXEC_WRAPPER)")
    clashes = sorted({p.name for p in source.iterdir()} & {p.name for p in deps.iterdir()})
    if clashes:
        raise BundlingError(f"lambda_src and the dependencies both have {', '.join(clashes)}")
    _copy_tree(deps, output)
    _copy_tree(source, output)
    inline_page(source, output, node_modules)
    _add_bytecode(output)
    _make_readable(output)


def _add_bytecode(output: Path) -> None:
    """Ship bytecode compiled by the runtime's Python when one is here (infra/bytecode.py)."""
    interpreter = find_interpreter(PYTHON_VERSION)
    manifest_path = output / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    if interpreter is None:
        manifest["bytecode"] = None
        sys.stderr.write(
            f"note: no Python {PYTHON_VERSION} here, so the asset has no bytecode and each cold "
            f"start compiles its modules; set {INTERPRETER_VARIABLE} to a python{PYTHON_VERSION}\n"
        )
    else:
        compile_tree(interpreter, output)
        manifest["bytecode"] = {"python": PYTHON_VERSION, "invalidation": "unchecked-hash"}
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")


@jsii.implements(ILocalBundling)
class LocalPipBundling:
    """CDK local bundling: builds the asset on this machine with pip, never with Docker."""

    def __init__(self, *, source: Path, spec: DependencySpec, cache_dir: Path) -> None:
        """Remember what to build; nothing runs until CDK asks."""
        self._source = source
        self._spec = spec
        self._cache_dir = cache_dir

    def try_bundle(self, output_dir: str, options: BundlingOptions) -> bool:
        """Build into output_dir; raise rather than fall back to Docker."""
        del options  # everything needed was given to __init__
        deps = install_dependencies(self._spec, self._cache_dir)
        build_asset(self._source, deps, Path(output_dir))
        return True


def function_code(
    *,
    architecture: Architecture,
    source: Path = ROOT / "lambda_src",
    requirements: Path = ROOT / "requirements.txt",
    cache_dir: Path = ROOT / "build" / "asset-cache",
) -> lambda_.Code:
    """The Lambda code asset for an architecture, hashed on its built contents."""
    spec = DependencySpec(requirements=requirements, platform=PLATFORMS[architecture])
    return lambda_.Code.from_asset(
        str(source),
        asset_hash_type=AssetHashType.OUTPUT,
        bundling=BundlingOptions(
            # Never pulled: local bundling always succeeds or raises. CDK requires an image.
            image=DockerImage.from_registry("local-bundling-only"),
            # jsii hands try_bundle the options as one struct, not as the stub's keywords.
            local=cast(
                ILocalBundling, LocalPipBundling(source=source, spec=spec, cache_dir=cache_dir)
            ),
            # Part of CDK's in-process bundling cache key: one build per platform and spec.
            environment={"PIP_PLATFORM": spec.platform, "DEPS_KEY": spec.key},
        ),
    )
