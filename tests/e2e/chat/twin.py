"""The local twin running the real function from lambda_src, with the local Bedrock."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from infra.settings import APP_SETTINGS, EXEC_WRAPPER, METRICS_NAMESPACE, SERVICE_NAME
from local.bedrock import BedrockEmulator
from local.function_url import CorsConfig, LocalCredentials, UrlConfig
from local.function_url.twin import LocalFunctionUrl
from local.lambda_env import FunctionConfig
from local.lambda_env.overrides import LocalAuth, LocalSettings, apply
from local.lambda_env.pool import DEFAULT_MAX_CONCURRENCY

ROOT = Path(__file__).resolve().parents[3]
# Placeholder credentials: the function signs its calls to the local Bedrock with them, and in
# AUTH=iam mode the local Function URL accepts only requests signed with them.
ACCESS_KEY = "AKIDCHATTESTEXAMPLE"
SECRET_KEY = "chat-test-secret-key"
REGION = "us-east-1"
# The stack's own settings (infra), as `make demo` reads them from the template.
STACK_ENV = {
    **APP_SETTINGS,
    "AUTH_MODE": "iam",
    "AWS_LAMBDA_EXEC_WRAPPER": EXEC_WRAPPER,
    "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
    "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
}


@dataclass
class ChatTwin:
    """A running local Function URL (real function) and the local Bedrock it calls."""

    url: str
    bedrock: BedrockEmulator
    function_url: LocalFunctionUrl
    logs: list[str]

    def bedrock_messages(self) -> list[list[dict[str, Any]]]:
        """The `messages` of every Converse request the local Bedrock received, oldest first."""
        found = []
        for request in self.bedrock.requests:
            if request.body is not None and isinstance(request.body.get("messages"), list):
                found.append(cast(list[dict[str, Any]], request.body["messages"]))
        return found


def caller_env() -> dict[str, str]:
    """What the function's process inherits (as `make demo` hands it credentials)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    }


def stack_settings(
    name: str,
    *,
    auth: LocalAuth = "none",
    api_key: str = "",
    environ: Mapping[str, str] | None = None,
    timeout_s: float = 30,
    function_env: Mapping[str, str] | None = None,
    **config: Any,
) -> LocalSettings:
    """The stack's function from lambda_src as `make demo` runs it with AUTH=auth and environ.

    ``config`` sets other FunctionConfig fields (SnapStart and its alias, for example).
    """
    function = FunctionConfig(
        task_root=ROOT / "lambda_src",
        handler="bedrock_stream.handler.handler",
        environment={**STACK_ENV, **(function_env or {})},
        timeout_s=timeout_s,
        memory_mb=512,
        name=name,
        region=REGION,
        **config,
    )
    return apply(function, {"AUTH": auth, "API_KEY": api_key, **caller_env(), **(environ or {})})


@contextmanager
def serving(
    function: FunctionConfig,
    url: UrlConfig,
    *,
    bedrock_endpoint: str,
    logs: list[str],
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
) -> Iterator[LocalFunctionUrl]:
    """A local Function URL in front of ``function`` for the block; no environment outlives it."""
    twin = LocalFunctionUrl(
        function,
        url,
        max_concurrency=max_concurrency,
        bedrock_endpoint=bedrock_endpoint,
        caller_env=caller_env(),
        log=logs.append,
    )
    try:
        yield twin.start()
    finally:
        twin.close()
        for env in twin.pool.started:
            assert not env.alive, f"{env.env_id} outlived the twin"


@contextmanager
def running_twin(
    auth: LocalAuth = "none",
    api_key: str = "",
    timeout_s: float = 30,
    *,
    environ: Mapping[str, str] | None = None,
    cors: CorsConfig | None = None,
    max_concurrency: int = 10,
    function_env: Mapping[str, str] | None = None,
) -> Iterator[ChatTwin]:
    """Start the twin as `make demo` would with AUTH=auth; everything is stopped afterwards.

    ``environ`` is what `make demo` would find in its own environment: docs/API.md §8 variables
    (STALL_TIMEOUT_S, LOG_CONTENT, ...) and FUNCTION_TIMEOUT_S, applied over the stack's.
    ``cors`` is the URL's Cors configuration (the stack's `cors_origins`), none by default.
    ``function_env`` adds to the function's own environment (as if the stack set it), for
    settings `make demo` does not pass on, such as BEDROCK_BACKOFF_BASE_S.
    """
    settings = stack_settings(
        "bedrock-stream-chat-test",
        auth=auth,
        api_key=api_key,
        environ=environ,
        timeout_s=timeout_s,
        function_env=function_env,
    )
    credentials = None
    if settings.url_auth_type == "AWS_IAM":
        credentials = LocalCredentials(ACCESS_KEY, SECRET_KEY, region=REGION)
    url = UrlConfig(auth_type=settings.url_auth_type, credentials=credentials, cors=cors)
    logs: list[str] = []
    with (
        BedrockEmulator() as bedrock,
        serving(
            settings.function,
            url,
            bedrock_endpoint=bedrock.url,
            logs=logs,
            max_concurrency=max_concurrency,
        ) as twin,
    ):
        yield ChatTwin(twin.base_url, bedrock, twin, logs)
