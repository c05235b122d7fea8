"""What the twin needs to know about a function, and the environment Lambda gives its process."""

from __future__ import annotations

import hashlib
import os
import secrets
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# The variables Lambda reserves and sets itself; a template may not set them
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
PASSED_THROUGH = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "PATH")
LAMBDA_TASK_ROOT = "/var/task"


@dataclass(frozen=True)
class FunctionConfig:
    """A function as the template (or a test) describes it."""

    task_root: Path
    handler: str
    environment: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 3.0
    memory_mb: int = 128
    name: str = "local"
    runtime: str = "python3.13"
    region: str = "us-east-1"
    account_id: str = "123456789012"
    # The process to start; by default the exec wrapper from the asset, as Lambda starts it.
    command: tuple[str, ...] | None = None
    # host:port of a local X-Ray daemon (local/xray); with one, every invocation is sampled.
    xray_daemon: str | None = None
    # SnapStart on (the stack's `-c snapstart=true`): the URL invokes an alias of a published
    # version. Locally there is no snapshot: each environment runs init with the snap-start
    # initialization type and its restore/next is answered at once (local/runtime_api).
    snap_start: bool = False
    alias: str | None = None  # the qualifier the Function URL invokes, if any

    @property
    def version(self) -> str:
        """The version an environment runs: SnapStart needs a published one (1 here)."""
        return "1" if self.snap_start else "$LATEST"

    @property
    def initialization_type(self) -> str:
        """AWS_LAMBDA_INITIALIZATION_TYPE: snap-start when the version is to be snapshotted.

        https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
        """
        return "snap-start" if self.snap_start else "on-demand"

    @property
    def traced(self) -> bool:
        """Whether invocations are sampled: a local daemon is there to receive the traces."""
        return self.xray_daemon is not None

    @property
    def arn(self) -> str:
        """The function ARN the Runtime API reports to the runtime (qualified by the alias)."""
        qualifier = f":{self.alias}" if self.alias else ""
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.name}{qualifier}"

    def launch_command(self) -> list[str]:
        """``$AWS_LAMBDA_EXEC_WRAPPER <interpreter> <original args>``, with local paths."""
        if self.command is not None:
            return list(self.command)
        wrapper = self.environment.get("AWS_LAMBDA_EXEC_WRAPPER", f"{LAMBDA_TASK_ROOT}/bootstrap")
        # The managed runtime's own command line; the wrapper picks the interpreter from its
        # first argument and does not run the rest
        # (docs/ARCHITECTURE.md "Why a runtime of our own").
        return [self._local_path(wrapper), sys.executable, "/var/runtime/bootstrap.py"]

    def _local_path(self, path: str) -> str:
        if path == LAMBDA_TASK_ROOT or path.startswith(LAMBDA_TASK_ROOT + "/"):
            return str(self.task_root) + path[len(LAMBDA_TASK_ROOT) :]
        return path


def process_environment(
    config: FunctionConfig,
    runtime_api: str,
    *,
    bedrock_endpoint: str | None = None,
    caller: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of one execution environment's process."""
    caller = os.environ if caller is None else caller
    env = {name: caller[name] for name in PASSED_THROUGH if name in caller}
    env.update({k: config._local_path(v) for k, v in config.environment.items()})
    day = time.strftime("%Y/%m/%d", time.gmtime())
    env.update(
        {
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "LAMBDA_TASK_ROOT": str(config.task_root),
            "_HANDLER": config.handler,
            "AWS_LAMBDA_FUNCTION_NAME": config.name,
            "AWS_LAMBDA_FUNCTION_VERSION": config.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{day}/[{config.version}]{secrets.token_hex(16)}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": config.initialization_type,
            "AWS_REGION": config.region,
            "AWS_DEFAULT_REGION": config.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            # Lambda points the X-Ray SDK at its daemon. Locally that is config.xray_daemon
            # when one runs; otherwise trace ids are unsampled and no segment is sent.
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "AWS_XRAY_DAEMON_ADDRESS": config.xray_daemon or "127.0.0.1:2000",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if bedrock_endpoint:
        env["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = bedrock_endpoint
    return env


def function_segment_id(root: str) -> str:
    """The Parent id of a trace header: Lambda's function segment, parent of the SDK's work.

    Lambda picks it at random; the twin derives it from the root, so that the local X-Ray
    daemon can tell the function's top-level subsegments (sent last) from nested ones.
    """
    return hashlib.sha256(root.encode()).hexdigest()[:16]


def trace_id(now: float | None = None, *, sampled: bool = False) -> str:
    """An X-Ray trace header as Lambda passes it (Root, Parent, Sampled).

    https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader
    """
    epoch = int(time.time() if now is None else now)
    root = f"1-{epoch:08x}-{secrets.token_hex(12)}"
    return f"Root={root};Parent={function_segment_id(root)};Sampled={int(sampled)}"
