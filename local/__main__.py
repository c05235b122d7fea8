"""``make demo``: the whole stack on one machine (docs/API.md §9, §12.5).

Synthesizes the stack if needed, starts the local Bedrock (unless BEDROCK=aws, or
BEDROCK_ENDPOINT names another Bedrock Runtime endpoint) and a local Function URL running the
synthesized asset, prints how to call it, and serves until interrupted, leaving no process
behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

import boto3
from botocore.config import Config as BotoConfig

from local.bedrock import BedrockEmulator
from local.function_url import CorsConfig, LocalCredentials, UrlConfig
from local.function_url.twin import LocalFunctionUrl
from local.lambda_env.overrides import LocalSettings, OverrideError, apply
from local.template import (
    StackFunction,
    TemplateError,
    ensure_synth,
    foreign_extensions,
    load_stack,
)
from local.xray import demo_daemon, traced

PROJECT = Path(__file__).resolve().parent.parent


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _url_config(stack: StackFunction, settings: LocalSettings, region: str) -> UrlConfig:
    credentials = None
    if settings.url_auth_type == "AWS_IAM":
        credentials = LocalCredentials(
            os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"], region=region
        )
    return UrlConfig(
        auth_type=settings.url_auth_type,
        invoke_mode=stack.invoke_mode,
        cors=stack.cors,
        credentials=credentials,
    )


def _caller_env(real_bedrock: bool) -> dict[str, str]:
    """The demo's environment, with the credentials the function gets (Lambda: its role's)."""
    env = dict(os.environ)
    if real_bedrock:
        # Resolved once here (profiles, SSO, ...), then handed over as variables, as in Lambda.
        credentials = boto3.Session().get_credentials()
        if credentials is None:
            raise OverrideError("BEDROCK=aws needs AWS credentials (none were found)")
        frozen = credentials.get_frozen_credentials()
        env["AWS_ACCESS_KEY_ID"] = str(frozen.access_key)
        env["AWS_SECRET_ACCESS_KEY"] = str(frozen.secret_key)
        if frozen.token:
            env["AWS_SESSION_TOKEN"] = frozen.token
    elif not (env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY")):
        # The local Bedrock does not check signatures, but boto3 will not send unsigned.
        env.update(AWS_ACCESS_KEY_ID="AKIDLOCALTWIN", AWS_SECRET_ACCESS_KEY="local")  # noqa: S106
    return env


def bedrock_endpoint_override(environ: Mapping[str, str]) -> str | None:
    """BEDROCK_ENDPOINT: the Bedrock Runtime endpoint the function calls instead of ours.

    A replay or recording server, a VPC endpoint, another emulator (docs/API.md §12.5). The function
    gets it as AWS_ENDPOINT_URL_BEDROCK_RUNTIME, which botocore reads for that service.
    https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
    """
    raw = environ.get("BEDROCK_ENDPOINT", "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OverrideError(f"BEDROCK_ENDPOINT must be an http(s) URL, not {raw!r}")
    return raw.rstrip("/")


def max_concurrency(environ: Mapping[str, str], stack: StackFunction) -> int:
    """MAX_CONCURRENCY, else the stack's reserved concurrency, else 100 (docs/API.md §12.5)."""
    raw = environ.get("MAX_CONCURRENCY", "").strip()
    if not raw:
        return stack.max_concurrency
    if not (raw.isascii() and raw.isdigit() and int(raw) > 0):
        raise OverrideError(f"MAX_CONCURRENCY must be a whole number above 0, not {raw!r}")
    return int(raw)


def _banner(
    url: str, bedrock: str, settings: LocalSettings, cors: CorsConfig | None, concurrency: int
) -> str:
    curl = "curl -N"
    if settings.auth == "iam":
        region = settings.function.region
        curl += f' --aws-sigv4 "aws:amz:{region}:lambda"'
        curl += ' --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"'
    elif settings.auth == "api_key":
        curl += ' -H "x-api-key: $API_KEY"'
    lines = [
        f"Function URL: {url}",
        f"Bedrock endpoint: {bedrock}",
        f"Function: {settings.function.handler} from {settings.function.task_root}",
        f"  timeout {settings.function.timeout_s:g} s, memory {settings.function.memory_mb} MB, "
        f"auth {settings.auth}, CORS {'on' if cors else 'off'}, concurrency {concurrency}",
        "",
        "Try:",
        f'  {curl} {url}/chat -d \'{{"prompt":"Tell me about streaming"}}\'',
        f"  {curl} {url}/chat -H 'Accept: application/x-ndjson' -d '{{\"prompt\":\"Hi\"}}'",
        f"  {curl} '{url}/chat?prompt=Hello&format=text'",
        f'  {curl} {url}/chat -d \'{{"prompt":"#! echo\\nword by word","format":"text"}}\'',
        f"  {curl} {url}/models",
        f"  open {url}/ in a browser",
        "",
        "Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


def real_bedrock_endpoint(region: str) -> str:
    """The Bedrock Runtime URL the function calls with BEDROCK=aws (botocore's own resolution).

    docs/API.md §9 prints the endpoint as `Bedrock endpoint: <url>`; with real Bedrock that is the
    Region's. Endpoint overrides of this shell are ignored: the function does not get them.
    """
    config = BotoConfig(ignore_configured_endpoint_urls=True)  # type: ignore[call-arg]  # stubs lag
    client = boto3.Session().client("bedrock-runtime", region_name=region, config=config)
    return str(client.meta.endpoint_url)


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    # Once: a second Ctrl-C must not cut the clean-up that kills the environments.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def main() -> int:
    """Run the demo until Ctrl-C or SIGTERM."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        return _serve()
    except KeyboardInterrupt:
        return 0
    except (TemplateError, OverrideError, subprocess.CalledProcessError, OSError) as exc:
        _log(f"error: {exc}")
        return 2


def _serve() -> int:
    region = os.environ.get("AWS_REGION", "us-east-1")
    real_bedrock = os.environ.get("BEDROCK", "").lower() == "aws"
    endpoint = bedrock_endpoint_override(os.environ)
    stack = load_stack(ensure_synth(PROJECT, log=_log), region)
    settings = apply(stack.function, os.environ)
    concurrency = max_concurrency(os.environ, stack)
    caller_env = _caller_env(real_bedrock)
    foreign = foreign_extensions(settings.function.task_root)
    if foreign:
        # The asset is built for Lambda; modules compiled for it may not load here.
        names = ", ".join(str(p.relative_to(settings.function.task_root)) for p in foreign[:5])
        _log(f"WARNING: compiled modules in the asset not built for this host: {names}")
    if stack.skipped_env:
        _log(f"note: not set locally (CloudFormation values): {', '.join(stack.skipped_env)}")
    if settings.auth == "none":
        _log(
            "WARNING: the local Function URL has no authentication (AUTH=none). "
            "Use AUTH=iam or AUTH=api_key to check callers as the deployed URL does."
        )
    bedrock = None
    bedrock_url = ""
    twin: LocalFunctionUrl | None = None
    xray = demo_daemon(os.environ, _log)  # docs/API.md §13: every request sampled, traced locally
    try:
        if endpoint is not None:
            bedrock_url = endpoint  # credentials: the caller's with BEDROCK=aws, else local ones
        elif real_bedrock:
            region_endpoint = real_bedrock_endpoint(settings.function.region)
            bedrock_url = f"{region_endpoint} (real Amazon Bedrock, BEDROCK=aws)"
        else:
            bedrock = BedrockEmulator("127.0.0.1", port=int(os.environ.get("BEDROCK_PORT") or 0))
            bedrock.start()
            bedrock_url = endpoint = bedrock.url
        twin = LocalFunctionUrl(
            traced(settings.function, xray),
            _url_config(stack, settings, region),
            port=int(os.environ.get("PORT") or 8080),
            max_concurrency=concurrency,
            bedrock_endpoint=endpoint,
            caller_env=caller_env,
            log=_log,
        ).start()
        banner = _banner(twin.base_url, bedrock_url, settings, stack.cors, concurrency)
        print(banner, flush=True)
        threading.Event().wait()  # until a signal raises KeyboardInterrupt
    finally:
        _log("Stopping: killing execution environments...")
        if twin is not None:
            twin.close()
        if bedrock is not None:
            bedrock.stop()
        xray.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
