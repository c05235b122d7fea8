"""HTTP for the client: one streaming POST per attempt, optionally SigV4-signed or keyed."""

from __future__ import annotations

import http.client
import json
import os
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials
from botocore.session import Session

from cli.wire import region_of, route_url

ACCEPT = "application/x-ndjson"


class ConnectError(Exception):
    """The request could not be sent (refused, DNS, TLS, timeout before an answer)."""


class StatusError(Exception):
    """The service answered with an HTTP error status before streaming (docs/API.md §4)."""

    def __init__(self, status: int, error: dict[str, Any], retry_after: str | None) -> None:
        self.status, self.error, self.retry_after = status, error, retry_after
        super().__init__(f"HTTP {status}")


class StreamCut(Exception):
    """The response body broke off (connection closed or reset, read timeout)."""


def caller_credentials() -> ReadOnlyCredentials:
    """The caller's AWS credentials from botocore's usual chain (env, profile, SSO, IMDS...)."""
    credentials = Session().get_credentials()
    if credentials is None:
        raise ConnectError("--sigv4: no AWS credentials found (env, profile or role)")
    return credentials.get_frozen_credentials()


@dataclass(frozen=True)
class Target:
    """Where and how to send chat requests."""

    url: str  # the full URL of the request (POST /chat for the chat client)
    region: str
    credentials: ReadOnlyCredentials | None = None  # set: sign with SigV4 for service lambda
    api_key: str | None = None
    timeout_s: float = 120.0

    def at(self, url: str) -> Target:
        """The same caller and auth, for another URL of the service."""
        return replace(self, url=url)

    def anonymous(self) -> Target:
        """The same URL without the key or a signature (what a stranger would send)."""
        return replace(self, credentials=None, api_key=None)


def target_for(
    url: str | None, route: str, *, sigv4: bool, api_key: str | None, timeout_s: float
) -> Target:
    """Where to send a route's requests (`/chat`, or "" for the URL's root) and how to
    authenticate them; ValueError without a URL."""
    if not url:
        raise ValueError("no URL: pass --url or set BEDROCK_STREAM_URL")
    full = route_url(url, route)
    region = region_of(full, os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"))
    credentials = caller_credentials() if sigv4 else None
    return Target(full, region, credentials, api_key or None, timeout_s)


@dataclass(frozen=True)
class Reply:
    """A whole, read response: status, headers and body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of a header, by case-insensitive name."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def authorize(
    target: Target, method: str, headers: dict[str, str], body: bytes = b""
) -> dict[str, str]:
    """``headers`` plus the key or a SigV4 signature for ``method`` on ``target.url``."""
    headers = dict(headers)
    if target.api_key:
        headers["x-api-key"] = target.api_key
    if target.credentials is not None:
        # https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html: IAM auth is SigV4 for
        # the service `lambda`; the signature covers the host, the date and the body.
        request = AWSRequest(method=method, url=target.url, data=body, headers=headers)
        SigV4Auth(target.credentials, "lambda", target.region).add_auth(request)
        headers = {name: str(value) for name, value in request.headers.items()}
    return headers


def request_headers(target: Target, body: bytes) -> dict[str, str]:
    """The headers of one chat POST: JSON in, NDJSON out, plus the key or a SigV4 signature."""
    return authorize(target, "POST", {"Content-Type": "application/json", "Accept": ACCEPT}, body)


class Stream:
    """An open 200 response, read piece by piece as it arrives."""

    def __init__(self, conn: http.client.HTTPConnection, response: http.client.HTTPResponse):
        self._conn, self.response = conn, response

    def chunks(self) -> Iterator[bytes]:
        """Body pieces as they arrive; raises StreamCut when the body breaks off."""
        try:
            while data := self.response.read1(65536):
                yield data
        except (http.client.HTTPException, OSError) as exc:
            raise StreamCut(str(exc) or type(exc).__name__) from exc

    def close(self) -> None:
        """Drop the connection (also stops the server's stream if it is still going)."""
        self._conn.close()


def _connection(target: Target) -> http.client.HTTPConnection:
    parts = urlsplit(target.url)
    host = parts.hostname or ""
    if parts.scheme == "https":
        return http.client.HTTPSConnection(
            host, parts.port, timeout=target.timeout_s, context=ssl.create_default_context()
        )
    return http.client.HTTPConnection(host, parts.port, timeout=target.timeout_s)


def send(
    target: Target, method: str, headers: dict[str, str], body: bytes = b""
) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    """Send one request as given and wait for the response head; ConnectError if none came."""
    parts = urlsplit(target.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn = _connection(target)
    try:
        conn.request(method, path, body=body or None, headers=headers)
        return conn, conn.getresponse()
    except (http.client.HTTPException, OSError) as exc:
        conn.close()
        raise ConnectError(f"{target.url}: {exc or type(exc).__name__}") from exc


def fetch(target: Target, method: str, headers: dict[str, str], body: bytes = b"") -> Reply:
    """One request, answered whole (`GET /models`, a preflight); ConnectError if it fails."""
    conn, response = send(target, method, headers, body)
    try:
        raw = response.read()
    except (http.client.HTTPException, OSError) as exc:
        raise ConnectError(f"{target.url}: the answer broke off: {exc}") from exc
    finally:
        conn.close()
    return Reply(response.status, tuple(response.getheaders()), raw)


def open_stream(target: Target, payload: dict[str, Any]) -> Stream:
    """POST the chat request; a Stream on 200, StatusError or ConnectError otherwise."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    conn, response = send(target, "POST", request_headers(target, body), body)
    if response.status == 200:
        return Stream(conn, response)
    try:
        raw = response.read()
    except (http.client.HTTPException, OSError):
        raw = b""
    finally:
        conn.close()
    raise StatusError(response.status, error_body(raw), response.getheader("Retry-After"))


def error_body(raw: bytes) -> dict[str, Any]:
    """The `error` object of a refusal (docs/API.md §4), or AWS's own `Message`, or the text."""
    try:
        doc = json.loads(raw)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
        return dict(doc["error"])
    if isinstance(doc, dict):  # AWS's own refusals (an AWS_IAM URL) say {"Message": "..."}
        message = doc.get("message") or doc.get("Message")
        if isinstance(message, str):
            return {"code": "", "message": message}
    return {"code": "", "message": raw.decode("utf-8", "replace").strip()[:500]}
