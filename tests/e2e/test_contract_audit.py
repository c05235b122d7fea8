"""docs/API.md sentences a black-box audit found broken, checked through the twin over real HTTP."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from tests.e2e.chat.twin import ChatTwin, running_twin
from tests.e2e.conftest import fetch

FAST = "rate=20000 ttft_ms=0"


@pytest.fixture(scope="module")
def twin() -> Iterator[ChatTwin]:
    with running_twin("none", environ={"POWERTOOLS_LOG_LEVEL": "INFO"}) as running:
        yield running


def test_post_takes_format_from_the_query(twin: ChatTwin) -> None:
    # docs/API.md §3: "`format` in the body or query wins"; else the Accept header.
    body = json.dumps({"prompt": f"#! echo {FAST}\nplain words"}).encode()
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    received = fetch(twin.url, "/chat?format=text", method="POST", body=body, headers=headers)
    assert received.status == 200
    assert received.header("Content-Type") == "text/plain; charset=utf-8"
    assert received.body == b"plain words"


def test_get_chat_prompt_stays_out_of_the_logs(twin: ChatTwin) -> None:
    # docs/API.md §5: prompts are not written to logs unless LOG_CONTENT=true; a GET /chat
    # carries its prompt in the URL, which the local Function URL's access line showed.
    marker = f"Quuxbar{uuid.uuid4().hex[:12]}"
    query = urlencode({"prompt": f"#! echo {FAST}\n{marker}", "format": "text"})
    received = fetch(twin.url, f"/chat?{query}")
    assert received.status == 200
    assert received.body.decode() == marker
    deadline = time.monotonic() + 5
    while not any('"GET /chat?' in line for line in twin.logs) and time.monotonic() < deadline:
        time.sleep(0.05)
    access = [line for line in twin.logs if '"GET /chat?' in line]
    assert access, "the access line is still written"
    assert any("prompt=" in line and "format=" in line for line in access)
    assert not any(marker in line for line in twin.logs)


def test_auth_mode_api_key_in_the_demo_environment_checks_api_key() -> None:
    # docs/API.md §9: §8 variables set for `make demo` reach the function; AUTH_MODE=api_key
    # makes it check the key, which locally is API_KEY (as with AUTH=api_key).
    with running_twin("none", environ={"AUTH_MODE": "api_key", "API_KEY": "k-123"}) as keyed:
        body = json.dumps({"prompt": f"#! echo {FAST}\nkeyed", "format": "text"}).encode()
        json_type = {"Content-Type": "application/json"}
        missing = fetch(keyed.url, "/chat", method="POST", body=body, headers=json_type)
        wrong = fetch(
            keyed.url, "/chat", method="POST", body=body, headers={**json_type, "x-api-key": "no"}
        )
        right = fetch(
            keyed.url,
            "/chat",
            method="POST",
            body=body,
            headers={**json_type, "x-api-key": "k-123"},
        )
    assert (missing.status, json.loads(missing.body)["error"]["code"]) == (401, "unauthorized")
    assert (wrong.status, json.loads(wrong.body)["error"]["code"]) == (403, "forbidden")
    assert (right.status, right.body) == (200, b"keyed")
