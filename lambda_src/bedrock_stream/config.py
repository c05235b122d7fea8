"""Configuration: the function's environment read once into a frozen dataclass."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from bedrock_stream.blocks import Guardrail

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
    max_tokens_limit: int = 4096
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
    queue_size: int = 64
    guardrail: Guardrail | None = None  # docs/API.md §12.3


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    return float(raw) if raw else default


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    return int(raw) if raw else default


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
    """Build a Config from an environment mapping (os.environ by default in load())."""
    models = tuple(m.strip() for m in env.get("ALLOWED_MODELS", "").split(",") if m.strip())
    allowed = models or FALLBACK_MODELS
    default = env.get("DEFAULT_MODEL", "").strip() or allowed[0]
    auth = env.get("AUTH_MODE", "iam").strip().lower()
    if auth not in ("iam", "api_key"):
        raise ValueError(f"AUTH_MODE must be iam or api_key, not {auth!r}")
    stall = _float(env, "STALL_TIMEOUT_S", 60.0)
    log_content = _truthy(env.get("LOG_CONTENT"))
    return Config(
        allowed_models=allowed,
        default_model=default,
        max_tokens_limit=_int(env, "MAX_TOKENS_LIMIT", 4096),
        max_body_bytes=_int(env, "MAX_BODY_BYTES", 1_048_576),
        stall_timeout_s=stall,
        keepalive_s=_float(env, "KEEPALIVE_S", 10.0),
        deadline_margin_s=_float(env, "DEADLINE_MARGIN_S", 3.0),
        log_content=log_content,
        auth_mode="api_key" if auth == "api_key" else "iam",
        api_key_secret_arn=env.get("API_KEY_SECRET_ARN") or None,
        api_key=env.get("API_KEY") or None,
        max_attempts=_int(env, "BEDROCK_MAX_ATTEMPTS", 4),
        backoff_base_s=_float(env, "BEDROCK_BACKOFF_BASE_S", 0.25),
        backoff_cap_s=_float(env, "BEDROCK_BACKOFF_CAP_S", 4.0),
        connect_timeout_s=_float(env, "BEDROCK_CONNECT_TIMEOUT_S", 5.0),
        read_timeout_s=_float(env, "BEDROCK_READ_TIMEOUT_S", stall + 5.0),
        guardrail=guardrail_from_env(env, log_content),
    )


@lru_cache(maxsize=1)
def load() -> Config:
    """The process-wide configuration, read from os.environ on first use."""
    return from_env(os.environ)
