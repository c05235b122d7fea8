"""Read the synthesized stack (``cdk.out``): the function, its asset, and its Function URL."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from local.function_url.cors import CorsConfig
from local.function_url.front import AuthType, InvokeMode
from local.lambda_env.config import FunctionConfig
from local.lambda_env.pool import DEFAULT_MAX_CONCURRENCY

# Inputs of the synthesized template and asset: a newer one means synth again.
# What the synthesized asset is built from; package-lock.json pins the page's inlined libraries.
SYNTH_INPUTS = (
    "app.py",
    "cdk.json",
    "infra",
    "lambda_src",
    "requirements.txt",
    "package-lock.json",
)


class TemplateError(Exception):
    """The stack has no function with a Function URL the twin can run."""


@dataclass(frozen=True)
class StackFunction:
    """The function and its URL's settings, as the template declares them."""

    function: FunctionConfig
    auth_type: AuthType
    invoke_mode: InvokeMode
    cors: CorsConfig | None
    template: Path
    skipped_env: tuple[str, ...] = ()  # variables whose value is a CloudFormation intrinsic
    reserved_concurrency: int | None = None  # ReservedConcurrentExecutions, when the stack sets it

    @property
    def max_concurrency(self) -> int:
        """Environments at most: the reserved concurrency (Lambda throttles beyond it), else 100."""
        if self.reserved_concurrency is None:
            return DEFAULT_MAX_CONCURRENCY
        return self.reserved_concurrency  # 0 throttles every request, as in Lambda


def foreign_extensions(task_root: Path) -> list[Path]:
    """Compiled modules in the asset this interpreter can't load (docs/ARCHITECTURE.md)."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    host = _elf_machine(Path(sys.executable).resolve())
    return sorted(
        path
        for path in task_root.rglob("*.so")
        if _elf_machine(path) != host
        or (".cpython-" in path.name and not path.name.endswith(suffix))
    )


def _elf_machine(path: Path) -> bytes:
    # e_machine, 2 bytes at offset 18 of the ELF header: the CPU the code is built for.
    with contextlib.suppress(OSError), path.open("rb") as file:
        return file.read(20)[18:20]
    return b""


def ensure_synth(
    project: Path, cdk_out: Path | None = None, *, log: Callable[[str], None] = print
) -> Path:
    """Synthesize with the pinned CDK CLI unless ``cdk.out`` is newer than its inputs."""
    cdk_out = cdk_out or project / "cdk.out"
    templates = sorted(cdk_out.glob("*.template.json"))
    built = min((t.stat().st_mtime for t in templates), default=0.0)
    if templates and _newest(project) <= built:
        return cdk_out
    # The pinned CLI (package.json), started directly: npx would only look it up, and would
    # start npm, which reads (and warns about) the user's own npm configuration.
    cdk = project / "node_modules" / ".bin" / "cdk"
    if not cdk.exists():
        raise TemplateError(f"{cdk} is missing: install the pinned CLI with `make deps`")
    log(f"Synthesizing the stack into {cdk_out} (cdk synth -q)...")
    env = dict(os.environ)
    # Node 24 from the virtual environment comes first (the machine's may be too old).
    env["PATH"] = f"{project / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # Its own process group: the CLI starts node, which starts the app; an interrupted demo
    # stops all of them, not only the CLI.
    synth = subprocess.Popen(  # noqa: S603 - a fixed command line
        [str(cdk), "synth", "-q", "--output", str(cdk_out)],
        cwd=project,
        env=env,
        start_new_session=True,
    )
    try:
        code = synth.wait()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(synth.pid, signal.SIGTERM)
        synth.wait()
        raise
    if code != 0:
        raise subprocess.CalledProcessError(code, "cdk synth")
    return cdk_out


def _newest(project: Path) -> float:
    newest = 0.0
    for name in SYNTH_INPUTS:
        path = project / name
        paths = path.rglob("*") if path.is_dir() else [path]
        for item in paths:
            if item.is_file() and "__pycache__" not in item.parts:
                newest = max(newest, item.stat().st_mtime)
    return newest


def load_stack(cdk_out: Path, region: str = "us-east-1") -> StackFunction:
    """The first function behind an ``AWS::Lambda::Url`` in the synthesized templates."""
    for template_path in sorted(cdk_out.glob("*.template.json")):
        resources: dict[str, Any] = json.loads(template_path.read_text()).get("Resources", {})
        for resource in resources.values():
            if resource.get("Type") == "AWS::Lambda::Url":
                return _stack_function(cdk_out, template_path, resources, resource, region)
    raise TemplateError(f"no AWS::Lambda::Url in {cdk_out}/*.template.json")


def _stack_function(
    cdk_out: Path, template: Path, resources: dict[str, Any], url: dict[str, Any], region: str
) -> StackFunction:
    url_props = url.get("Properties", {})
    target = url_props.get("TargetFunctionArn")
    logical_id = target.get("Fn::GetAtt", [None])[0] if isinstance(target, dict) else None
    function = resources.get(logical_id or "")
    if function is None or function.get("Type") != "AWS::Lambda::Function":
        raise TemplateError(f"the Function URL targets {target!r}, not a function in {template}")
    props = function.get("Properties", {})
    asset = function.get("Metadata", {}).get("aws:asset:path")
    if not asset:
        raise TemplateError(f"function {logical_id} has no aws:asset:path metadata")
    variables = props.get("Environment", {}).get("Variables", {})
    environment = {k: str(v) for k, v in variables.items() if isinstance(v, str | int | float)}
    name = props.get("FunctionName")
    reserved = props.get("ReservedConcurrentExecutions")
    # SnapStart on published versions, the URL on an alias (infra: `-c snapstart=true`).
    snap_start = props.get("SnapStart", {}).get("ApplyOn") == "PublishedVersions"
    qualifier = url_props.get("Qualifier")
    config = FunctionConfig(
        task_root=(cdk_out / asset).resolve(),
        handler=str(props["Handler"]),
        environment=environment,
        timeout_s=float(props.get("Timeout", 3)),
        memory_mb=int(props.get("MemorySize", 128)),
        name=name if isinstance(name, str) else str(logical_id),
        runtime=str(props.get("Runtime", "python3.13")),
        region=region,
        snap_start=snap_start,
        alias=qualifier if isinstance(qualifier, str) else None,
    )
    return StackFunction(
        function=config,
        auth_type=cast(AuthType, url_props.get("AuthType", "AWS_IAM")),
        invoke_mode=cast(InvokeMode, url_props.get("InvokeMode", "BUFFERED")),
        cors=_cors(url_props.get("Cors")),
        template=template,
        skipped_env=tuple(sorted(set(variables) - set(environment))),
        reserved_concurrency=reserved if isinstance(reserved, int) and reserved >= 0 else None,
    )


def _cors(cors: dict[str, Any] | None) -> CorsConfig | None:
    if not cors:
        return None
    max_age = cors.get("MaxAge")
    return CorsConfig(
        allow_origins=tuple(cors.get("AllowOrigins", ())),
        allow_methods=tuple(cors.get("AllowMethods", ())),
        allow_headers=tuple(cors.get("AllowHeaders", ())),
        expose_headers=tuple(cors.get("ExposeHeaders", ())),
        allow_credentials=bool(cors.get("AllowCredentials", False)),
        max_age=int(max_age) if max_age is not None else None,
    )
