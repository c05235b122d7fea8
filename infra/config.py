"""Deployment settings: the docs/API.md §10 context keys, parsed and checked, in a dataclass."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, cast

from infra.guardrail import GuardrailConfig, guardrail_from_context
from infra.marketplace_access import check_product_ids
from infra.model_entries import parse_model
from infra.settings import APP_SETTINGS

Architecture = Literal["arm64", "x86_64"]
AuthMode = Literal["iam", "api_key"]

# docs/API.md §12.6: Claude Haiku 4.5 through the global profile, from any commercial Region.
DEFAULT_MODELS: tuple[str, ...] = ("global.anthropic.claude-haiku-4-5-20251001-v1:0",)
DEFAULT_MAX_TOKENS_LIMIT = int(APP_SETTINGS["MAX_TOKENS_LIMIT"])
# No model's output limit comes near the ceiling: it is there to catch a typo.
MAX_TOKENS_LIMIT_RANGE = (1, 1_000_000)

# The values CloudWatch Logs accepts for a log group's retention (RetentionInDays).
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
LOG_RETENTION_DAYS: frozenset[int] = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557}
    | {2922, 3288, 3653}
)

# Lambda's limits: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
MAX_TIMEOUT_S = 900
MIN_MEMORY_MB, MAX_MEMORY_MB = 128, 10240

# alarm_email / alarm_topic_arn: a plain address, and a topic ARN as SNS writes it (names of
# 1-256 letters, digits, - and _, with .fifo for FIFO topics).
# https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html
EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}")
TOPIC_ARN = re.compile(
    r"arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?"
)


class ConfigError(ValueError):
    """A context value that cannot be deployed."""


@dataclass(frozen=True)
class StreamConfig:
    """What the stack reads from CDK context (docs/API.md §10), already validated."""

    models: tuple[str, ...] = DEFAULT_MODELS
    default_model: str | None = None
    auth: AuthMode = "iam"
    cors_origins: tuple[str, ...] = ()
    timeout_s: int = 300
    memory_mb: int = 512
    reserved_concurrency: int | None = None
    log_retention_days: int = 30
    architecture: Architecture = "arm64"
    guardrail: GuardrailConfig | None = None  # docs/API.md §12.3, see infra/guardrail.py
    alarm_email: str | None = None
    alarm_topic_arn: str | None = None
    max_tokens_limit: int = DEFAULT_MAX_TOKENS_LIMIT
    marketplace_subscribe: bool = False
    marketplace_product_ids: tuple[str, ...] = ()
    snapstart: bool = False  # SnapStart on a published version, the URL on its alias

    def __post_init__(self) -> None:
        """Reject settings Lambda or this app would refuse at deploy or run time."""
        if not self.models:
            raise ConfigError("models: give at least one model or inference-profile id")
        for model in self.models:
            try:
                parse_model(model)
            except ValueError as exc:
                raise ConfigError(f"models: {exc}") from None
        if self.default_model is not None and self.default_model not in self.models:
            raise ConfigError(f"default_model {self.default_model!r} is not in models")
        if not 1 <= self.timeout_s <= MAX_TIMEOUT_S:
            raise ConfigError(f"timeout_s must be 1..{MAX_TIMEOUT_S}, got {self.timeout_s}")
        if not MIN_MEMORY_MB <= self.memory_mb <= MAX_MEMORY_MB:
            raise ConfigError(
                f"memory_mb must be {MIN_MEMORY_MB}..{MAX_MEMORY_MB}, got {self.memory_mb}"
            )
        if self.reserved_concurrency is not None and self.reserved_concurrency < 1:
            raise ConfigError("reserved_concurrency must be at least 1 when set")
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            allowed = ", ".join(str(d) for d in sorted(LOG_RETENTION_DAYS))
            raise ConfigError(f"log_retention_days must be one of {allowed}")
        low, high = MAX_TOKENS_LIMIT_RANGE
        if not low <= self.max_tokens_limit <= high:
            raise ConfigError(_max_tokens_error(self.max_tokens_limit))
        if self.marketplace_product_ids and not self.marketplace_subscribe:
            raise ConfigError("marketplace_product_ids needs marketplace_subscribe=true")
        try:
            check_product_ids(self.marketplace_product_ids)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        self._check_alarm_target()

    def _check_alarm_target(self) -> None:
        if self.alarm_email is not None and self.alarm_topic_arn is not None:
            raise ConfigError("give alarm_email or alarm_topic_arn, not both")
        if self.alarm_email is not None and not EMAIL.fullmatch(self.alarm_email):
            raise ConfigError(
                f"alarm_email: expected one address like ops@example.com, got {self.alarm_email!r}"
            )
        if self.alarm_topic_arn is not None and not TOPIC_ARN.fullmatch(self.alarm_topic_arn):
            raise ConfigError(
                "alarm_topic_arn: expected an SNS topic ARN like "
                f"arn:aws:sns:us-east-1:123456789012:alarms, got {self.alarm_topic_arn!r}"
            )

    @property
    def effective_default_model(self) -> str:
        """The model used when a request names none: default_model, else the first allowed."""
        return self.default_model or self.models[0]


def _as_list(key: str, value: object) -> tuple[str, ...]:
    """Accept `a,b` from `-c key=a,b` and a JSON list from cdk.json."""
    if isinstance(value, str):
        items: Sequence[object] = value.split(",")
    elif isinstance(value, list | tuple):
        items = value
    else:
        raise ConfigError(f"{key}: expected a comma-separated string or a list")
    return tuple(str(item).strip() for item in items if str(item).strip())


def _as_int(key: str, value: object) -> int:
    """Accept `5` from cdk.json and `"5"` from `-c key=5`."""
    if isinstance(value, bool):
        raise ConfigError(f"{key}: expected an integer, got {value!r}")
    try:
        return int(cast(str, value))
    except (TypeError, ValueError):
        raise ConfigError(f"{key}: expected an integer, got {value!r}") from None


def _max_tokens_error(value: object) -> str:
    low, high = MAX_TOKENS_LIMIT_RANGE
    return f"max_tokens_limit must be a whole number {low}..{high}, got {value!r}"


def _as_max_tokens(value: object) -> int:
    """A whole number from cdk.json or `-c max_tokens_limit=...`; the range is checked later."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if isinstance(value, str) and text.isascii() and text.lstrip("-").isdigit():
        return int(text)
    raise ConfigError(_max_tokens_error(value))


def _as_bool(key: str, value: object) -> bool:
    """Accept `true` from cdk.json and `"true"` (or `false`) from `-c key=true`."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in ("true", "false"):
        raise ConfigError(f"{key}: expected true or false, got {value!r}")
    return text == "true"


def _choice(key: str, value: object, allowed: tuple[str, ...]) -> str:
    """One of a fixed set of words."""
    text = str(value).strip().lower()
    if text not in allowed:
        raise ConfigError(f"{key}: expected one of {', '.join(allowed)}, got {value!r}")
    return text


def config_from_context(get: Callable[[str], object]) -> StreamConfig:
    """Build a StreamConfig from a context getter such as `node.try_get_context`."""
    defaults = StreamConfig()

    def read(key: str) -> object | None:
        value = get(key)
        return None if value is None or value == "" else value

    models = read("models")
    retention = read("log_retention_days")
    concurrency = read("reserved_concurrency")
    default_model = read("default_model")
    try:
        guardrail = guardrail_from_context(read)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    alarm_email, alarm_topic_arn = read("alarm_email"), read("alarm_topic_arn")
    max_tokens = read("max_tokens_limit")
    product_ids = read("marketplace_product_ids")
    return StreamConfig(
        models=defaults.models if models is None else _as_list("models", models),
        default_model=None if default_model is None else str(default_model).strip(),
        auth=cast(AuthMode, _choice("auth", read("auth") or defaults.auth, ("iam", "api_key"))),
        cors_origins=_as_list("cors_origins", read("cors_origins") or ""),
        timeout_s=_as_int("timeout_s", read("timeout_s") or defaults.timeout_s),
        memory_mb=_as_int("memory_mb", read("memory_mb") or defaults.memory_mb),
        reserved_concurrency=(
            None if concurrency is None else _as_int("reserved_concurrency", concurrency)
        ),
        log_retention_days=(
            defaults.log_retention_days
            if retention is None
            else _as_int("log_retention_days", retention)
        ),
        architecture=cast(
            Architecture,
            _choice("architecture", read("architecture") or "arm64", ("arm64", "x86_64")),
        ),
        guardrail=guardrail,
        alarm_email=None if alarm_email is None else str(alarm_email).strip(),
        alarm_topic_arn=None if alarm_topic_arn is None else str(alarm_topic_arn).strip(),
        max_tokens_limit=(
            defaults.max_tokens_limit if max_tokens is None else _as_max_tokens(max_tokens)
        ),
        marketplace_subscribe=_as_bool(
            "marketplace_subscribe", read("marketplace_subscribe") or False
        ),
        marketplace_product_ids=(
            () if product_ids is None else _as_list("marketplace_product_ids", product_ids)
        ),
        snapstart=_as_bool("snapstart", read("snapstart") or False),
    )
