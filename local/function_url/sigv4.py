"""Verify AWS SigV4 signatures on requests to an AWS_IAM Function URL (docs/PROTOCOLS.md §4.5).

The signature is recomputed with botocore's own signer from what was received, so any
client that signs like an AWS SDK or ``curl --aws-sigv4`` is accepted.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from botocore.auth import UNSIGNED_PAYLOAD, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from local.function_url.event import HttpRequest

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/\s,]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request,\s*SignedHeaders=(?P<signed>[^,\s]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})\s*$"
)
# SigV4 requests older or newer than this are refused (AWS: "Signature expired").
MAX_SKEW = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class LocalCredentials:
    """The one identity the local URL accepts, and how it appears in the event."""

    access_key: str
    secret_key: str
    region: str = "us-east-1"
    account_id: str = "123456789012"
    service: str = "lambda"


class SignatureError(Exception):
    """Why a request was refused; the URL answers 403 either way."""


class _ReceivedSigner(SigV4Auth):
    """botocore's signer, restricted to the headers the client said it signed."""

    def __init__(self, credentials: Credentials, service: str, region: str, signed: list[str]):
        super().__init__(credentials, service, region)
        self._signed = signed

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        # botocore leaves user-agent and a few others out; the client decides what it signed.
        header_map = HTTPHeaders()
        for name in self._signed:
            header_map[name] = request.headers[name]
        return header_map

    def canonical_query_string(self, request: AWSRequest) -> str:
        # The service canonicalizes what it received: decode, then encode every byte but the
        # unreserved ones, sorted by key then value (SigV4 "create a canonical request",
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
        pairs = []
        for pair in filter(None, urlsplit(str(request.url)).query.split("&")):
            key, _, value = pair.partition("=")
            pairs.append((_encode(key), _encode(value)))
        return "&".join(f"{key}={value}" for key, value in sorted(pairs))


def _encode(component: str) -> str:
    return quote(unquote(component), safe="-_.~")


def verify(
    request: HttpRequest, creds: LocalCredentials, now: datetime.datetime | None = None
) -> None:
    """Raise SignatureError unless ``request`` carries a valid signature by ``creds``."""
    match = _AUTH.match(request.header("authorization") or "")
    if match is None:
        raise SignatureError("missing or malformed Authorization header")
    if match["key"] != creds.access_key:
        raise SignatureError("unknown access key")
    if (match["region"], match["service"]) != (creds.region, creds.service):
        raise SignatureError(f"credential scope is {match['region']}/{match['service']}")
    amz_date = request.header("x-amz-date") or ""
    try:
        signed_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.UTC
        )
    except ValueError as exc:
        raise SignatureError("missing or malformed X-Amz-Date") from exc
    now = now or datetime.datetime.now(datetime.UTC)
    if abs(now - signed_at) > MAX_SKEW or amz_date[:8] != match["date"]:
        raise SignatureError("signature expired or dated wrongly")
    _check_payload_hash(request)
    signed = match["signed"].split(";")
    missing = [name for name in signed if request.header(name) is None]
    if missing or "host" not in signed:
        raise SignatureError(f"signed headers missing from the request: {missing or ['host']}")
    headers = {name: _joined(request, name) for name in signed}
    aws_request = AWSRequest(
        method=request.method,
        url=f"http://{request.header('host')}{request.target}",
        headers=headers,
        data=request.body,
    )
    aws_request.context["timestamp"] = amz_date
    signer = _ReceivedSigner(
        Credentials(creds.access_key, creds.secret_key), creds.service, creds.region, signed
    )
    canonical = signer.canonical_request(aws_request)
    expected = signer.signature(signer.string_to_sign(aws_request, canonical), aws_request)
    if not hmac.compare_digest(expected, match["signature"]):
        raise SignatureError("signature does not match")


def _joined(request: HttpRequest, name: str) -> str:
    return ",".join(v for k, v in request.headers if k.lower() == name)


def _check_payload_hash(request: HttpRequest) -> None:
    # A client may sign a declared body hash (curl does for S3; SDKs with UNSIGNED-PAYLOAD);
    # a declared hash must then match the body actually sent.
    declared = request.header("x-amz-content-sha256")
    if declared not in (None, UNSIGNED_PAYLOAD, hashlib.sha256(request.body).hexdigest()):
        raise SignatureError("x-amz-content-sha256 does not match the body")
