"""API-key mode: read the key once (Secrets Manager, or env for the local twin) and check it."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bedrock_stream.config import Config
from bedrock_stream.errors import AppError
from bedrock_stream.observability import logger

KeySource = Callable[[], str | None]


@dataclass(frozen=True)
class SecretTimeouts:
    """How long one read of the key from Secrets Manager may take, at most.

    A GetSecretValue answer is small and usually takes milliseconds; these bound a stuck or
    unreachable endpoint: 2 attempts x (1 s connect + 2 s read) plus one backoff (under 1 s
    in botocore's standard mode) stay under 8 s, well inside the function's timeout.
    https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
    """

    connect_s: float = 1.0
    read_s: float = 2.0
    attempts: int = 2


def _reason(exc: BaseException) -> str:
    """What went wrong reading the secret, without its content (for the 503 and the log)."""
    from botocore.exceptions import ClientError  # noqa: PLC0415 - only on failure

    # Powertools wraps the SDK's error (GetParameterError raised while handling it).
    cause = exc.__cause__ or exc.__context__ or exc
    if isinstance(cause, ClientError):
        return str(cause.response.get("Error", {}).get("Code") or "ClientError")
    return type(cause).__name__


class SecretKeySource:
    """The key from Secrets Manager, cached by Powertools for max_age_s (rotation-friendly).

    The client is built at construction (during init, API-key mode only) with explicit
    timeouts; any failure to read the key (timeout, AccessDenied, missing secret,
    throttling) is a 503 unavailable, never a 500.
    """

    def __init__(
        self,
        arn: str,
        max_age_s: int = 300,
        *,
        timeouts: SecretTimeouts = SecretTimeouts(),
        endpoint_url: str | None = None,
    ) -> None:
        # Imported here: only API-key mode with a secret pays for Powertools' parameters.
        import boto3  # noqa: PLC0415
        from aws_lambda_powertools.utilities.parameters import SecretsProvider  # noqa: PLC0415
        from botocore.config import Config as BotoConfig  # noqa: PLC0415

        boto_config = BotoConfig(
            connect_timeout=timeouts.connect_s,
            read_timeout=timeouts.read_s,
            retries={"mode": "standard", "total_max_attempts": timeouts.attempts},
        )
        # endpoint_url is for tests; boto3 also honours AWS_ENDPOINT_URL_SECRETS_MANAGER.
        self.client = boto3.client("secretsmanager", config=boto_config, endpoint_url=endpoint_url)
        self.provider = SecretsProvider(boto3_client=self.client)
        self.arn = arn
        self.max_age_s = max_age_s

    def forget(self) -> None:
        """Drop the cached key and the client's pooled connections.

        Run after a SnapStart restore: every copy restored from one snapshot would otherwise
        share the key read before it (and keep it past a rotation) and its sockets.
        https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html
        """
        self.provider.clear_cache()  # type: ignore[no-untyped-call]
        self.client.close()

    def __call__(self) -> str | None:
        """The current key."""
        try:
            value = self.provider.get(self.arn, max_age=self.max_age_s)
            text = value.decode() if isinstance(value, bytes) else str(value)
            # A secret made with a JSON template holds {"api_key": "..."}; a plain one is the key.
            if text.startswith("{"):
                doc = json.loads(text)
                if isinstance(doc, dict) and isinstance(doc.get("api_key"), str):
                    return str(doc["api_key"])
        except Exception as exc:
            reason = _reason(exc)
            logger.warning("API key not readable", extra={"reason": reason})
            raise AppError(
                "unavailable", f"the API key could not be read from Secrets Manager ({reason})"
            ) from exc
        return text


def key_source(config: Config) -> KeySource:
    """Where this deployment's key comes from: the secret ARN, else API_KEY (local twin)."""
    if config.api_key_secret_arn:
        return SecretKeySource(config.api_key_secret_arn)
    return lambda: config.api_key


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The key a request carries in `x-api-key` or `Authorization: Bearer <key>`."""
    if headers.get("x-api-key"):
        return headers["x-api-key"]
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def check_key(headers: Mapping[str, str], source: KeySource) -> None:
    """Raise unauthorized (no key) or forbidden (wrong key); fail closed if none is configured."""
    given = presented_key(headers)
    if given is None:
        raise AppError("unauthorized", "an API key is required (x-api-key or Bearer)")
    expected = source()
    if not expected:
        raise AppError("internal", "API-key mode is on but no key is configured")
    # surrogatepass: a header value decoded from odd bytes may hold lone surrogates; it is a
    # wrong key (403), not a crash.
    if not hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    ):
        raise AppError("forbidden", "the API key is not valid")
