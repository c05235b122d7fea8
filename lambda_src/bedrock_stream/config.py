"""Configuration: the function's environment read once, checked, into a frozen dataclass."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from bedrock_stream.blocks import Guardrail
from bedrock_stream.env_reader import EnvReader

AuthMode = Literal["iam", "api_key"]

# The local allow-list of docs/API.md §9 and §12.5, used only when ALLOWED_MODELS is unset (the
# stack sets it); the first is the default.
FALLBACK_MODELS = (
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

# A guardrail's id (or ARN) and version as ConverseStream takes them.
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_GuardrailStreamConfiguration.html
GUARDRAIL_ID = re.compile(
    r"[a-z0-9]+|arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+"
)
GUARDRAIL_VERSION = re.compile(r"[1-9][0-9]{0,7}|DRAFT")
GUARDRAIL_STREAM_MODES = ("sync", "async")


@dataclass(frozen=True)
class Config:
    """Everything the handler reads from its environment."""

    allowed_models: tuple[str, ...] = FALLBACK_MODELS
    default_model: str = FALLBACK_MODELS[0]
    # docs/API.md §12.6: the function's own default ceiling.
    max_tokens_limit: int = 16384
    max_body_bytes: int = 1_048_576
    stall_timeout_s: float = 60.0
    keepalive_s: float = 10.0
    deadline_margin_s: float = 3.0
    log_content: bool = False
    auth_mode: AuthMode = "iam"
    api_key_secret_arn: str | None = None
    api_key: str | None = None
    # Pre-first-byte retries (our own loop; botocore's are off, see bedrock_client.py).
    max_attempts: int = 4
    backoff_base_s: float = 0.25
    backoff_cap_s: float = 4.0
    connect_timeout_s: float = 5.0
    # Above the stall timeout, so our own stall detection speaks first and the
    # socket timeout is only the backstop that frees a stuck reader thread.
    read_timeout_s: float = 65.0
    reader_join_s: float = 5.0
    guardrail: Guardrail | None = None  # docs/API.md §12.3


# Limits of the checks in from_env. A value outside them is refused at init (ConfigError).
MAX_TOKENS_CEILING = 1_000_000  # above any model's output limit: only a typo gets refused
# Lambda's synchronous invocation payload quota: a larger body never reaches the function.
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
MAX_BODY_CEILING = 6 * 1024 * 1024
MAX_SECONDS = 900.0  # the longest Lambda timeout; no wait of the function can be longer
MIN_SECONDS = 0.1  # below it, stall checks and keepalives would spin
# Model ids, inference-profile ids and ARNs: Bedrock takes 1 to 2048 of these characters
# (modelId in https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html).
_MODEL_ID = re.compile(r"[A-Za-z0-9._:/-]{1,2048}", re.ASCII)
# The secret resource: arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html
_SECRET_ARN = re.compile(r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+", re.ASCII)
# CloudWatch namespaces: 1-255 ASCII characters without control characters, not starting
# with ':' and not with 'AWS/' (reserved). Dimension values (the service): ASCII, up to 1024.
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Metric.html
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Dimension.html
_NAMESPACE = re.compile(r"(?!AWS/)[ -9;-~][ -~]{0,254}", re.ASCII)
_SERVICE = re.compile(r"(?=.*[!-~])[ -~]{1,1024}", re.ASCII)
# The names Python's logging takes (Powertools upper-cases the value first).
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL")


def _models(read: EnvReader) -> tuple[tuple[str, ...], str]:
    """The allow-list (unset: the local one) and the default model, both checked."""
    raw = read.text("ALLOWED_MODELS")
    models = tuple(m.strip() for m in raw.split(",") if m.strip())
    bad = [m for m in models if not _MODEL_ID.fullmatch(m)]
    if raw and (bad or not models):
        shown = ", ".join(repr(m) for m in bad) or repr(raw)
        read.problem(
            "ALLOWED_MODELS must be a comma-separated list of model or inference-profile ids "
            f"(letters, digits and . _ : / -), not {shown}"
        )
        return FALLBACK_MODELS, FALLBACK_MODELS[0]  # the default cannot be judged against it
    allowed = models or FALLBACK_MODELS
    default = read.text("DEFAULT_MODEL") or allowed[0]
    if default not in allowed:
        read.problem(f"DEFAULT_MODEL must be one of ALLOWED_MODELS, not {default!r}")
    return allowed, default


def _auth(read: EnvReader) -> tuple[AuthMode, str | None, str | None]:
    mode = read.choice("AUTH_MODE", "iam", ("iam", "api_key"))
    secret_arn = read.matching(
        "API_KEY_SECRET_ARN",
        _SECRET_ARN,
        "a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)",
    )
    api_key = read.env.get("API_KEY") or None
    if mode == "api_key" and not (secret_arn or api_key or read.text("API_KEY_SECRET_ARN")):
        read.problem("AUTH_MODE=api_key needs API_KEY_SECRET_ARN (or API_KEY, locally) to be set")
    return ("api_key" if mode == "api_key" else "iam"), secret_arn, api_key


def _powertools(read: EnvReader) -> None:
    # Powertools reads these itself (its Logger fails at import on an unknown level, with a
    # message that does not name the variable); checked here so that the init error does.
    read.choice("POWERTOOLS_LOG_LEVEL", "INFO", LOG_LEVELS)
    read.matching(
        "POWERTOOLS_METRICS_NAMESPACE",
        _NAMESPACE,
        "a CloudWatch namespace (1 to 255 ASCII characters, not starting with ':' or 'AWS/')",
    )
    read.matching("POWERTOOLS_SERVICE_NAME", _SERVICE, "1 to 1024 printable ASCII characters")


def guardrail_from_env(env: Mapping[str, str], log_content: bool) -> Guardrail | None:
    """GUARDRAIL_ID, GUARDRAIL_VERSION, GUARDRAIL_STREAM_MODE (docs/API.md §12.3); None when unset.

    The guardrail's trace may quote the prompt or the answer, so it is enabled only when
    LOG_CONTENT is.
    """
    ident = env.get("GUARDRAIL_ID", "").strip()
    version = env.get("GUARDRAIL_VERSION", "").strip()
    mode = env.get("GUARDRAIL_STREAM_MODE", "").strip().lower() or "async"
    if not ident and not version:
        return None
    if not GUARDRAIL_ID.fullmatch(ident):
        raise ValueError(f"GUARDRAIL_ID must be a guardrail id or ARN, not {ident!r}")
    if not GUARDRAIL_VERSION.fullmatch(version):
        raise ValueError(f"GUARDRAIL_VERSION must be a version number or DRAFT, not {version!r}")
    if mode not in GUARDRAIL_STREAM_MODES:
        raise ValueError(f"GUARDRAIL_STREAM_MODE must be sync or async, not {mode!r}")
    return Guardrail(ident, version, "sync" if mode == "sync" else "async", trace=log_content)


def from_env(env: Mapping[str, str]) -> Config:
    """Build a Config from an environment mapping; ConfigError names every bad variable."""
    read = EnvReader(env)
    allowed, default = _models(read)
    auth_mode, secret_arn, api_key = _auth(read)
    _powertools(read)
    stall = read.seconds("STALL_TIMEOUT_S", 60.0, MIN_SECONDS, MAX_SECONDS)
    config = Config(
        allowed_models=allowed,
        default_model=default,
        max_tokens_limit=read.whole("MAX_TOKENS_LIMIT", 16384, 1, MAX_TOKENS_CEILING),
        max_body_bytes=read.whole("MAX_BODY_BYTES", 1_048_576, 1, MAX_BODY_CEILING),
        stall_timeout_s=stall,
        keepalive_s=read.seconds("KEEPALIVE_S", 10.0, MIN_SECONDS, MAX_SECONDS),
        deadline_margin_s=read.seconds("DEADLINE_MARGIN_S", 3.0, 0.0, MAX_SECONDS),
        log_content=read.flag("LOG_CONTENT"),
        auth_mode=auth_mode,
        api_key_secret_arn=secret_arn,
        api_key=api_key,
        max_attempts=read.whole("BEDROCK_MAX_ATTEMPTS", 4, 1, 10),
        backoff_base_s=read.seconds("BEDROCK_BACKOFF_BASE_S", 0.25, 0.0, 60.0),
        backoff_cap_s=read.seconds("BEDROCK_BACKOFF_CAP_S", 4.0, 0.0, MAX_SECONDS),
        connect_timeout_s=read.seconds("BEDROCK_CONNECT_TIMEOUT_S", 5.0, MIN_SECONDS, MAX_SECONDS),
        read_timeout_s=read.seconds(
            "BEDROCK_READ_TIMEOUT_S", stall + 5.0, MIN_SECONDS, MAX_SECONDS
        ),
    )
    try:
        guardrail = guardrail_from_env(env, config.log_content)
    except ValueError as exc:
        read.problem(str(exc))
    else:
        config = dataclasses.replace(config, guardrail=guardrail)
    read.check()
    return config


@lru_cache(maxsize=1)
def load() -> Config:
    """The process-wide configuration, read from os.environ on first use."""
    return from_env(os.environ)
