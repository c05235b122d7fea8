"""The local Function URL running the real function, in a process of its own for the benchmarks.

Run: ``python -m bench.twin_server --bedrock URL [--max-concurrency N] [--log FILE]``. Prints
``URL <base url>`` when serving; stops (killing every execution environment) when its standard
input closes or on SIGTERM, so a benchmark that dies leaves nothing behind.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from infra.settings import APP_SETTINGS, EXEC_WRAPPER, METRICS_NAMESPACE, SERVICE_NAME  # noqa: E402
from local.function_url import UrlConfig  # noqa: E402
from local.function_url.twin import LocalFunctionUrl  # noqa: E402
from local.lambda_env import FunctionConfig  # noqa: E402
from local.lambda_env.overrides import apply  # noqa: E402

# Placeholder credentials: the function signs its calls to the local Bedrock with them.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIDBENCHEXAMPLE", "AWS_SECRET_ACCESS_KEY": "bench-secret"}
# The stack's own settings (infra/settings.py), as `make demo` reads them from the template.
STACK_ENV = {
    **APP_SETTINGS,
    "AUTH_MODE": "iam",
    "AWS_LAMBDA_EXEC_WRAPPER": EXEC_WRAPPER,
    "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
    "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
}


def function_config(timeout_s: float = 120.0) -> FunctionConfig:
    """The real function from lambda_src, configured as `make demo` runs it (AUTH=none)."""
    function = FunctionConfig(
        task_root=ROOT / "lambda_src",
        handler="bedrock_stream.handler.handler",
        environment=STACK_ENV,
        timeout_s=timeout_s,
        memory_mb=512,
        name="bedrock-stream-bench",
    )
    return apply(function, {"AUTH": "none", **caller_env()}).function


def caller_env() -> dict[str, str]:
    """What the function's process inherits (as `make demo` hands it credentials)."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **CREDENTIALS}


def _stop(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    """Serve until stdin closes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bedrock", required=True, help="the local Bedrock's URL")
    parser.add_argument("--max-concurrency", type=int, default=50)
    parser.add_argument("--timeout-s", type=float, default=120.0)
    parser.add_argument("--log", type=Path, default=None, help="the twin's log (else dropped)")
    args = parser.parse_args()
    log_file = args.log.open("a", encoding="utf-8") if args.log else None

    def log(line: str) -> None:
        if log_file is not None:
            log_file.write(line + "\n")

    signal.signal(signal.SIGTERM, _stop)
    twin = LocalFunctionUrl(
        function_config(args.timeout_s),
        UrlConfig(),
        max_concurrency=args.max_concurrency,
        bedrock_endpoint=args.bedrock,
        caller_env=caller_env(),
        log=log,
    )
    try:
        twin.start()
        print(f"URL {twin.base_url}", flush=True)
        sys.stdin.read()  # until the benchmark closes our stdin (or dies)
    except KeyboardInterrupt:
        pass
    finally:
        twin.close()
        if log_file is not None:
            log_file.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
