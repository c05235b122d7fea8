"""The payload-format-2.0 event a Function URL hands its function (docs/PROTOCOLS.md §4.2)."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any, TypedDict
from urllib.parse import parse_qsl, unquote

# Request bodies of these media types reach the function as text; everything else, and any
# body that is not valid UTF-8, is base64 (AWS: "base64-encoded when the content type is
# binary"; the exact list is undocumented, docs/PROTOCOLS.md §4.2).
TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/javascript",
        "application/xml",
        "application/x-www-form-urlencoded",
        "application/x-ndjson",
        "application/graphql",
        "application/yaml",
    }
)
TEXT_SUFFIXES = ("+json", "+xml")


class IamAuthorizer(TypedDict):
    """``requestContext.authorizer.iam`` for an AWS_IAM URL."""

    accessKey: str
    accountId: str
    callerId: str
    cognitoIdentity: None
    principalOrgId: None
    userArn: str
    userId: str


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request as the Function URL received it."""

    method: str
    target: str  # path and query as sent, e.g. "/chat?x=1"
    headers: list[tuple[str, str]]
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        """The first header of that name, case-insensitive."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


@dataclass(frozen=True)
class UrlIdentity:
    """Who the URL is: account, URL id and domain, as they appear in requestContext."""

    account_id: str = "123456789012"
    url_id: str = "local"
    domain: str = "127.0.0.1"


def is_text(content_type: str | None) -> bool:
    """True when Lambda would pass a body of this content type as text."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith("text/") or media in TEXT_TYPES or media.endswith(TEXT_SUFFIXES)


def encode_body(body: bytes, content_type: str | None) -> tuple[str, bool]:
    """The event's ``body`` string and ``isBase64Encoded`` flag."""
    if is_text(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def build_event(
    request: HttpRequest,
    *,
    request_id: str,
    identity: UrlIdentity,
    authorizer: IamAuthorizer | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The event JSON object for ``request``."""
    now = time.time() if now is None else now
    raw_path, _, raw_query = request.target.partition("?")
    raw_path = unquote(raw_path) or "/"
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        # Repeated headers are joined with commas (docs/PROTOCOLS.md §4.2).
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": headers,
    }
    if cookies:
        event["cookies"] = cookies
    query = _query_parameters(raw_query)
    if query:
        event["queryStringParameters"] = query
    context: dict[str, Any] = {
        "accountId": identity.account_id,
        "apiId": identity.url_id,
        "domainName": identity.domain,
        "domainPrefix": identity.domain.split(".", 1)[0],
        "http": {
            "method": request.method,
            "path": raw_path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": request.header("user-agent") or "",
        },
        "requestId": request_id,
        "routeKey": "$default",
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }
    if authorizer is not None:
        context["authorizer"] = {"iam": dict(authorizer)}
    event["requestContext"] = context
    if request.body:
        event["body"], event["isBase64Encoded"] = encode_body(
            request.body, request.header("content-type")
        )
    else:
        event["isBase64Encoded"] = False
    return event


def _query_parameters(raw_query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    return params
