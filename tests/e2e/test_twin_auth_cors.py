"""AWS_IAM (SigV4 against local credentials) and CORS on the local Function URL."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import pytest

from local.function_url import CorsConfig, LocalCredentials, UrlConfig
from tests.e2e.conftest import MakeTwin, fetch, json_body, sigv4_headers

CREDS = LocalCredentials("AKIDLOCALTWINTEST", "local/secret/key+for/tests", region="us-east-1")
IAM = UrlConfig(auth_type="AWS_IAM", credentials=CREDS)
CORS = UrlConfig(
    cors=CorsConfig(
        allow_origins=("https://app.example",),
        allow_methods=("GET", "POST"),
        allow_headers=("content-type", "x-api-key"),
        expose_headers=("x-amzn-requestid",),
        max_age=300,
    )
)


def _signed(
    base_url: str,
    path: str,
    body: bytes,
    *,
    secret: str = CREDS.secret_key,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    return sigv4_headers(base_url + path, body, CREDS.access_key, secret, extra=extra)


def test_sigv4_signed_request_is_invoked_with_iam_authorizer(make_twin: MakeTwin) -> None:
    twin = make_twin(url=IAM)
    body = b'{"x": 1}'
    got = fetch(
        twin.base_url,
        "/echo?z=1&a=x%20y",
        method="POST",
        body=body,
        headers=_signed(twin.base_url, "/echo?z=1&a=x%20y", body),
    )
    assert got.status == 200
    event = json_body(got)
    assert event["queryStringParameters"] == {"z": "1", "a": "x y"}
    iam = event["requestContext"]["authorizer"]["iam"]
    assert iam["accessKey"] == CREDS.access_key
    assert iam["accountId"] == CREDS.account_id


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(
            lambda h: {**h, "Authorization": h["Authorization"][:-4] + "0000"}, id="bad-signature"
        ),
        pytest.param(lambda h: {k: v for k, v in h.items() if k != "Authorization"}, id="unsigned"),
        pytest.param(lambda h: {**h, "X-Amz-Date": "20200101T000000Z"}, id="stale-date"),
    ],
)
def test_bad_or_missing_signature_is_403(make_twin: MakeTwin, mangle) -> None:  # type: ignore[no-untyped-def]
    twin = make_twin(url=IAM)
    body = b'{"x": 1}'
    headers = mangle(_signed(twin.base_url, "/echo", body))
    got = fetch(twin.base_url, "/echo", method="POST", body=body, headers=headers)
    assert got.status == 403
    assert json_body(got) == {"Message": "Forbidden"}
    assert twin.pool.started == []  # refused at the URL: the function never ran


def test_wrong_secret_and_tampered_body_are_403(make_twin: MakeTwin) -> None:
    twin = make_twin(url=IAM)
    wrong = _signed(twin.base_url, "/echo", b"{}", secret="not-the-secret")
    assert fetch(twin.base_url, "/echo", method="POST", body=b"{}", headers=wrong).status == 403
    signed = _signed(twin.base_url, "/echo", b'{"a": 1}')
    tampered = fetch(twin.base_url, "/echo", method="POST", body=b'{"a": 2}', headers=signed)
    assert tampered.status == 403


def test_declared_payload_hashes(make_twin: MakeTwin) -> None:
    # x-amz-content-sha256 is signed when sent: UNSIGNED-PAYLOAD or the body's real hash.
    twin = make_twin(url=IAM)
    body = b'{"y": 2}'
    for declared in ("UNSIGNED-PAYLOAD", hashlib.sha256(body).hexdigest()):
        headers = _signed(twin.base_url, "/echo", body, extra={"X-Amz-Content-SHA256": declared})
        got = fetch(twin.base_url, "/echo", method="POST", body=body, headers=headers)
        assert got.status == 200, declared
    wrong = hashlib.sha256(b"other").hexdigest()
    headers = _signed(twin.base_url, "/echo", body, extra={"X-Amz-Content-SHA256": wrong})
    assert fetch(twin.base_url, "/echo", method="POST", body=body, headers=headers).status == 403


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_curl_aws_sigv4_works(make_twin: MakeTwin) -> None:
    twin = make_twin(url=IAM)
    command = [
        "curl", "-sS", "-N", "--aws-sigv4", "aws:amz:us-east-1:lambda",
        "--user", f"{CREDS.access_key}:{CREDS.secret_key}",
        "-H", "content-type: application/json", "-d", '{"prompt":"hi"}',
        "-w", "\n%{http_code}", f"{twin.base_url}/echo",
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True).stdout
    body, status = out.rsplit("\n", 1)
    assert status == "200"
    assert '"accessKey": "AKIDLOCALTWINTEST"' in body
    bad = [*command[:6], f"{CREDS.access_key}:wrong", *command[7:]]
    out = subprocess.run(bad, capture_output=True, text=True, timeout=30, check=True).stdout
    assert out.rsplit("\n", 1) == ['{"Message": "Forbidden"}', "403"]


def test_preflight_is_answered_by_the_url(make_twin: MakeTwin) -> None:
    twin = make_twin(url=CORS)
    got = fetch(
        twin.base_url,
        "/chat",
        method="OPTIONS",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert got.status == 200
    assert got.header("access-control-allow-origin") == "https://app.example"
    assert got.header("access-control-allow-methods") == "GET, POST"
    assert got.header("access-control-allow-headers") == "content-type, x-api-key"
    assert got.header("access-control-max-age") == "300"
    assert twin.pool.started == []  # no invocation for a preflight


def test_allow_origin_on_streamed_responses_for_matching_origins(make_twin: MakeTwin) -> None:
    twin = make_twin(url=CORS)
    matching = fetch(twin.base_url, "/cors", headers={"Origin": "https://app.example"})
    assert matching.header("access-control-allow-origin") == "https://app.example"
    assert matching.header("access-control-expose-headers") == "x-amzn-requestid"
    # The function's own "*" lost to the URL's configuration.
    assert matching.all("access-control-allow-origin") == ["https://app.example"]
    other = fetch(twin.base_url, "/chunks?n=1", headers={"Origin": "https://evil.example"})
    assert other.header("access-control-allow-origin") is None
    errors = fetch(twin.base_url, "/fail-early", headers={"Origin": "https://app.example"})
    assert errors.status == 502
    assert errors.header("access-control-allow-origin") == "https://app.example"


def test_without_cors_options_reaches_the_function(make_twin: MakeTwin) -> None:
    twin = make_twin()
    got = fetch(
        twin.base_url,
        "/echo",
        method="OPTIONS",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert json_body(got)["requestContext"]["http"]["method"] == "OPTIONS"
