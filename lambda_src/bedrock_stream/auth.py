"""API-key mode: read the key once (Secrets Manager, or env for the local twin) and check it."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Mapping

from bedrock_stream.config import Config
from bedrock_stream.errors import AppError

KeySource = Callable[[], str | None]


def secret_key_source(arn: str, max_age_s: int = 300) -> KeySource:
    """The key from Secrets Manager, cached by Powertools for max_age_s (rotation-friendly)."""

    def read() -> str | None:
        from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415 - api_key mode only

        value = parameters.get_secret(arn, max_age=max_age_s)
        text = value.decode() if isinstance(value, bytes) else str(value)
        # A secret made with a JSON template holds {"api_key": "..."}; a plain one is the key.
        if text.startswith("{"):
            doc = json.loads(text)
            if isinstance(doc, dict) and isinstance(doc.get("api_key"), str):
                return str(doc["api_key"])
        return text

    return read


def key_source(config: Config) -> KeySource:
    """Where this deployment's key comes from: the secret ARN, else API_KEY (local twin)."""
    if config.api_key_secret_arn:
        return secret_key_source(config.api_key_secret_arn)
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
