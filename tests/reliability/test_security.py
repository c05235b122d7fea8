"""Security checks through the twin, against the real function (docs/RELIABILITY.md).

IAM auth refuses unsigned and wrongly signed requests; API-key mode refuses a missing, wrong
or empty key; a marker planted in every place a request carries content never reaches the
captured logs unless LOG_CONTENT=true (and does then, so the check can fail); the page is
served with a Content-Security-Policy that allows no outside script or connection, and with
`X-Content-Type-Options: nosniff`; an `image_url` that is not a data URL is refused without a
fetch. Error messages are checked for tracebacks, account ids and ARNs here and in every cell
of the fault matrix and every answer of the HTTP fuzzer.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.chat.twin import ACCESS_KEY, REGION, SECRET_KEY, ChatTwin, running_twin
from tests.e2e.conftest import Received, fetch, sigv4_headers
from tests.e2e.handler_twin.exchange import echo, post, request_record
from tests.e2e.handler_twin.wire import starts
from tests.reliability.seen import leaks, seen
from tests.unit.media_samples import PNG, b64

LOGS = {"POWERTOOLS_LOG_LEVEL": "INFO"}  # the stack's level: the request records are written
KEY = "reliability-test-key-0123456789"


# --- IAM auth ------------------------------------------------------------------------------


def _signed(url: str, path: str, body: bytes, secret: str = SECRET_KEY) -> dict[str, str]:
    return sigv4_headers(url + path, body, ACCESS_KEY, secret, region=REGION)


@pytest.fixture(scope="module")
def iam_twin() -> Iterator[ChatTwin]:
    with running_twin("iam") as twin:
        yield twin


def _starts(twin: ChatTwin) -> int:
    return len(starts(list(twin.logs)))


@pytest.mark.parametrize("how", ["unsigned", "wrong-secret", "tampered-body", "wrong-signature"])
def test_iam_auth_refuses_unsigned_and_wrongly_signed_requests(
    iam_twin: ChatTwin, how: str
) -> None:
    body = json.dumps({"prompt": echo("secret answer")}).encode()
    headers = {
        "unsigned": {"Content-Type": "application/json"},
        "wrong-secret": _signed(iam_twin.url, "/chat", body, secret="not-the-secret"),
        "tampered-body": _signed(iam_twin.url, "/chat", b'{"prompt": "other"}'),
        "wrong-signature": {
            **(signed := _signed(iam_twin.url, "/chat", body)),
            "Authorization": signed["Authorization"][:-8] + "00000000",
        },
    }[how]
    before = _starts(iam_twin)
    got = fetch(iam_twin.url, "/chat", method="POST", body=body, headers=headers)
    assert got.status == 403
    assert json.loads(got.body) == {"Message": "Forbidden"}
    assert _starts(iam_twin) == before  # refused at the URL: the function never ran


def test_iam_auth_lets_a_signed_request_through(iam_twin: ChatTwin) -> None:
    body = json.dumps({"prompt": echo("signed and streamed")}).encode()
    got = fetch(
        iam_twin.url,
        "/chat",
        method="POST",
        body=body,
        headers=_signed(iam_twin.url, "/chat", body),
    )
    assert seen("sse", got).text == "signed and streamed"


# --- API-key mode --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def key_twin() -> Iterator[ChatTwin]:
    with running_twin("api_key", api_key=KEY) as twin:
        yield twin


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        pytest.param({}, 401, "unauthorized", id="missing"),
        pytest.param({"x-api-key": ""}, 401, "unauthorized", id="empty"),
        pytest.param({"Authorization": "Bearer "}, 401, "unauthorized", id="empty-bearer"),
        pytest.param({"x-api-key": KEY[:-1]}, 403, "forbidden", id="wrong"),
        pytest.param({"x-api-key": KEY + "x"}, 403, "forbidden", id="longer"),
        pytest.param({"Authorization": f"Bearer {KEY.upper()}"}, 403, "forbidden", id="case"),
    ],
)
def test_api_key_mode_refuses_missing_wrong_and_empty_keys(
    key_twin: ChatTwin, headers: dict[str, str], status: int, code: str
) -> None:
    marker = f"keyless-{uuid.uuid4().hex}"
    got = post(key_twin, {"prompt": echo(marker)}, headers=headers)
    assert got.status == status
    error = json.loads(got.body)["error"]
    assert (error["code"], error["retryable"]) == (code, False)
    assert not leaks(error["message"])
    assert KEY not in got.body.decode()
    assert not [r for r in key_twin.bedrock.requests if marker.encode() in r.raw_body]


@pytest.mark.parametrize("header", ["x-api-key", "Authorization"])
def test_api_key_mode_serves_the_right_key(key_twin: ChatTwin, header: str) -> None:
    value = KEY if header == "x-api-key" else f"Bearer {KEY}"
    got = post(key_twin, {"prompt": echo("keyed answer")}, headers={header: value})
    assert seen("sse", got).text == "keyed answer"


# --- Content never in the logs by default -----------------------------------------------------


def _planted(marker: str) -> list[tuple[str, dict[str, Any] | None]]:
    """(path or query, body) of requests carrying the marker everywhere content can be."""
    tool = {"name": "lookup", "description": f"tool {marker}", "input_schema": {"type": "object"}}
    blocks = {
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": f"question {marker}"},
                    {"type": "image", "format": "png", "data": b64(PNG + marker.encode())},
                    {
                        "type": "document",
                        "format": "txt",
                        "name": f"notes {marker}",
                        "data": b64(f"document {marker}".encode()),
                    },
                ],
            },
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "tool_use",
                        "id": "tooluse_1",
                        "name": "lookup",
                        "input": {"q": marker},
                    }
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "tooluse_1", "content": f"r {marker}"},
                    {"type": "text", "text": echo(f"answer {marker}")},
                ],
            },
        ],
        "system": f"system {marker}",
        "tools": [tool],
    }
    openai = {
        "messages": [
            {"role": "system", "content": f"system {marker}"},
            {"role": "user", "content": echo(f"openai answer {marker}")},
        ],
        "stream": True,
    }
    return [
        ("/chat", blocks),
        ("/v1/chat/completions", openai),
        ("/v1/chat/completions", {**openai, "stream": False}),
        (f"/chat?prompt={quote(echo(f'query answer {marker}'))}", None),
        ("/chat", {"prompt": echo(f"midstream {marker}", "fault=midstream after=2")}),
        ("/chat", {"prompt": f"#! fault=validation\n{marker}"}),  # refused by Bedrock
        ("/chat", {"prompt": marker, "temprature": 1}),  # refused by the function
    ]


def _send_planted(twin: ChatTwin, marker: str) -> list[Received]:
    answers = []
    for target, body in _planted(marker):
        if body is None:
            answers.append(fetch(twin.url, target))
        else:
            answers.append(post(twin, body, path=target))
    for answer in answers:  # every request was logged: the check below has records to read
        request_record(twin, answer.header("x-amzn-RequestId") or "")
    return answers


def _content_forms(marker: str) -> list[str]:
    """The marker as a log could hold it: raw, JSON-escaped, in the attachments' base64."""
    return [
        marker,
        json.dumps(marker)[1:-1],
        b64(f"document {marker}".encode()),
        base64.b64encode(PNG + marker.encode()).decode()[-20:],
    ]


def test_content_never_reaches_the_logs_by_default() -> None:
    marker = f"zqx{uuid.uuid4().hex[:16]}"
    with running_twin("none", environ=LOGS) as twin:
        answers = _send_planted(twin, marker)
        logs = "\n".join(twin.logs)
    assert [a.status for a in answers] == [200, 200, 200, 200, 200, 400, 400]
    assert seen("sse", answers[0]).text == f"answer {marker}"  # all of it reached the model
    for form in _content_forms(marker):
        assert form not in logs


def test_content_is_logged_with_log_content_so_the_check_can_fail() -> None:
    marker = f"zqx{uuid.uuid4().hex[:16]}"
    with running_twin("none", environ={**LOGS, "LOG_CONTENT": "true"}) as twin:
        _send_planted(twin, marker)
        logs = "\n".join(twin.logs)
    assert f"question {marker}" in logs  # the prompt
    assert f"system {marker}" in logs
    assert json.dumps({"q": marker})[1:-1] in logs or marker in logs  # the tool input


# --- The page -----------------------------------------------------------------------------


def _csp(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        if name:
            directives.setdefault(name.lower(), [s.lower() for s in sources])
    return directives


# Sources that name no outside origin (https://www.w3.org/TR/CSP3/#framework-directive-source-list).
_LOCAL_SOURCES = ("'self'", "'none'", "'unsafe-inline'", "'strict-dynamic'")


def _outside(sources: list[str]) -> list[str]:
    return [
        source
        for source in sources
        if source not in _LOCAL_SOURCES and not source.startswith(("'sha", "'nonce-"))
    ]


def test_the_page_has_a_csp_without_outside_origins_and_nosniff(key_twin: ChatTwin) -> None:
    got = fetch(key_twin.url, "/")  # the page asks for the key itself (docs/API.md §7)
    assert got.status == 200
    assert got.header("X-Content-Type-Options") == "nosniff"
    csp = got.header("Content-Security-Policy")
    assert csp, "GET / has no Content-Security-Policy"
    directives = _csp(csp)
    default = directives.get("default-src")
    assert default is not None
    assert _outside(default) == []
    for name in ("script-src", "connect-src"):
        assert _outside(directives.get(name, default)) == [], f"{name} allows {csp}"
    # Scripts only by hash (an injected onerror= never runs), and no framing of the page.
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives["frame-ancestors"] == ["'none'"]
    # The header is the policy the page carries in its meta tag, plus frame-ancestors.
    meta = re.search(
        r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', got.body.decode()
    )
    assert meta is not None
    assert csp == meta.group(1) + "; frame-ancestors 'none'"


def test_the_csp_check_sees_an_outside_origin() -> None:
    csp = "default-src 'none'; script-src 'self' https://cdn.example; connect-src *"
    assert _outside(_csp(csp)["script-src"]) == ["https://cdn.example"]
    assert _outside(_csp(csp)["connect-src"]) == ["*"]


# --- No fetch of an image_url -------------------------------------------------------------


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local socket that would accept whatever fetch the function tried."""
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    yield server
    server.close()


def test_an_image_url_that_is_not_a_data_url_is_refused_without_a_fetch(
    iam_twin: ChatTwin, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    marker = f"no-fetch-{uuid.uuid4().hex}"
    body = json.dumps(
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": marker},
                        {
                            "type": "image_url",
                            "image_url": {"url": f"http://127.0.0.1:{port}/a.png"},
                        },
                    ],
                }
            ]
        }
    ).encode()
    got = fetch(
        iam_twin.url,
        "/v1/chat/completions",
        method="POST",
        body=body,
        headers=_signed(iam_twin.url, "/v1/chat/completions", body),
    )
    assert got.status == 400
    error = json.loads(got.body)["error"]
    assert error["type"] == "invalid_request_error"
    assert not leaks(error["message"])
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody connected
    assert not [r for r in iam_twin.bedrock.requests if marker.encode() in r.raw_body]


def test_the_leak_check_sees_each_mark() -> None:
    assert leaks('Traceback (most recent call last):\n  File "x.py"') == ["traceback"]
    assert leaks("denied for account 123456789012") == ["account id"]
    assert leaks("arn:aws:lambda:us-east-1:999:function:f") == ["ARN"]
    assert leaks("max_tokens must be smaller than or equal to 4096") == []
