"""``make demo``'s environment applied over the stack's settings (docs/API.md §9)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from local.lambda_env.config import FunctionConfig

LocalAuth = Literal["none", "iam", "api_key"]

# docs/API.md §8: the function's configuration variables; set in the demo's environment, they win.
FUNCTION_VARIABLES = (
    "ALLOWED_MODELS",
    "DEFAULT_MODEL",
    "MAX_TOKENS_LIMIT",
    "MAX_BODY_BYTES",
    "STALL_TIMEOUT_S",
    "KEEPALIVE_S",
    "DEADLINE_MARGIN_S",
    "LOG_CONTENT",
    "AUTH_MODE",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
    # The rest the function reads (docs/API.md §8, §12.3): the guardrail, the Bedrock client's
    # retries and timeouts, and a second exec wrapper.
    "GUARDRAIL_ID",
    "GUARDRAIL_VERSION",
    "GUARDRAIL_STREAM_MODE",
    "BEDROCK_MAX_ATTEMPTS",
    "BEDROCK_BACKOFF_BASE_S",
    "BEDROCK_BACKOFF_CAP_S",
    "BEDROCK_CONNECT_TIMEOUT_S",
    "BEDROCK_READ_TIMEOUT_S",
    "BEDROCK_STREAM_NEXT_WRAPPER",
)
# docs/API.md §9, §12.5: the local allow-list unless ALLOWED_MODELS is set; first is default.
LOCAL_MODELS = (
    "global.anthropic.claude-haiku-4-5-20251001-v1:0",
    "anthropic.claude-3-haiku-20240307-v1:0",
    "us.anthropic.claude-3-5-haiku-20241022-v1:0",
    "anthropic.claude-v2:1",
    "amazon.titan-text-express-v1",
    "amazon.nova-lite-v1:0",
    "meta.llama3-8b-instruct-v1:0",
    "cohere.command-text-v14",
    "cohere.command-r-v1:0",
    "mistral.mistral-7b-instruct-v0:2",
    "ai21.jamba-1-5-mini-v1:0",
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "us.amazon.nova-2-lite-v1:0",
    "us.deepseek.r1-v1:0",
    "openai.gpt-oss-20b-1:0",
)
URL_AUTH: dict[LocalAuth, Literal["NONE", "AWS_IAM"]] = {
    "none": "NONE",
    "iam": "AWS_IAM",
    "api_key": "NONE",
}


class OverrideError(ValueError):
    """An override that cannot be applied (bad value, missing credential)."""


@dataclass(frozen=True)
class LocalSettings:
    """The function as it runs locally, and the URL's local auth."""

    function: FunctionConfig
    auth: LocalAuth
    url_auth_type: Literal["NONE", "AWS_IAM"]


def apply(function: FunctionConfig, environ: Mapping[str, str]) -> LocalSettings:
    """The stack's function with every docs/API.md §9 override from ``environ`` applied."""
    env = dict(function.environment)
    env["ALLOWED_MODELS"] = ",".join(LOCAL_MODELS)
    env["DEFAULT_MODEL"] = LOCAL_MODELS[0]
    env.update({name: environ[name] for name in FUNCTION_VARIABLES if name in environ})
    if "ALLOWED_MODELS" in environ and "DEFAULT_MODEL" not in environ:
        env.pop("DEFAULT_MODEL")  # the function's own default: the first allowed
    auth = environ.get("AUTH", "").strip().lower()
    if not auth:
        # AUTH_MODE=api_key alone (a §8 variable, passed on) is the deployed api_key
        # arrangement: a URL without auth and the key checked by the function.
        api_key_mode = environ.get("AUTH_MODE", "").strip().lower() == "api_key"
        auth = "api_key" if api_key_mode else "none"
    if auth not in URL_AUTH:
        raise OverrideError(f"AUTH must be none, iam or api_key, not {auth!r}")
    if auth == "api_key":
        env["AUTH_MODE"] = "api_key"
    elif env.get("AUTH_MODE") == "api_key" and "AUTH_MODE" not in environ:
        env["AUTH_MODE"] = "iam"  # the URL's auth is what protects a local none/iam URL
    if env.get("AUTH_MODE", "").strip().lower() == "api_key":
        # Whichever asked for it, the function checks the key; locally it comes from API_KEY.
        if not environ.get("API_KEY"):
            raise OverrideError("API-key mode (AUTH=api_key, AUTH_MODE=api_key) needs API_KEY")
        env["API_KEY"] = environ["API_KEY"]
        env.pop("API_KEY_SECRET_ARN", None)
    if auth == "iam" and not (
        environ.get("AWS_ACCESS_KEY_ID") and environ.get("AWS_SECRET_ACCESS_KEY")
    ):
        raise OverrideError("AUTH=iam needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    timeout = function.timeout_s
    if environ.get("FUNCTION_TIMEOUT_S"):
        try:
            timeout = float(environ["FUNCTION_TIMEOUT_S"])
        except ValueError as exc:
            raise OverrideError("FUNCTION_TIMEOUT_S must be a number of seconds") from exc
    return LocalSettings(
        function=dataclasses.replace(function, environment=env, timeout_s=timeout),
        auth=auth,
        url_auth_type=URL_AUTH[auth],
    )
