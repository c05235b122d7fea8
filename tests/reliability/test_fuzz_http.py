"""HTTP fuzzing through the twin: generated bad requests get 4xx JSON answers, nothing else.

`make test` sends 1,000 requests, `make soak` 10,000 (scale.py), always from the same seed,
several at a time, to the real function behind the local Function URL. Each answer must be a
complete 4xx with a JSON error whose message carries no traceback, account id or ARN; never a
5xx. Afterwards the twin and every environment it started are alive and still answer, and
the function logged no internal error.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.chat.twin import ChatTwin, running_twin
from tests.e2e.conftest import fetch
from tests.e2e.handler_twin.exchange import echo, post
from tests.e2e.handler_twin.wire import log_docs
from tests.reliability.fuzz_http import BASES, KINDS, FuzzRequest, request
from tests.reliability.scale import current
from tests.reliability.seen import leaks, seen

SCALE = current()
SEED = 1729  # fixed: request(SEED, i) rebuilds any failing request


@pytest.fixture(scope="module")
def fuzz_twin() -> Iterator[ChatTwin]:
    environ = {"POWERTOOLS_LOG_LEVEL": "INFO"}
    with running_twin("none", environ=environ, max_concurrency=SCALE.fuzz_clients) as twin:
        yield twin


@pytest.mark.parametrize("base", sorted(BASES))
def test_the_requests_the_fuzzer_breaks_are_valid(fuzz_twin: ChatTwin, base: str) -> None:
    # So that each 4xx below comes from what the fuzzer changed.
    route, doc = BASES[base]
    received = post(fuzz_twin, doc, path=route)
    reader = {"chat_prompt": "sse", "chat_blocks": "ndjson", "openai": "openai_stream"}[base]
    assert seen(reader, received).end == "done", received.body[:300]


def _problem(twin: ChatTwin, generated: FuzzRequest) -> tuple[str, int]:
    """What is wrong with the answer to one request ("" if nothing), and its status."""
    try:
        got = fetch(
            twin.url,
            generated.path,
            method=generated.method,
            body=generated.body or None,
            headers=generated.headers,
        )
    except OSError as exc:
        return f"no answer: {exc!r}", 0
    return _judge(got.status, got.complete, got.header("Content-Type") or "", got.body), got.status


def _judge(status: int, complete: bool, content_type: str, body: bytes) -> str:
    """ "" for a whole 4xx JSON error with a code and a clean message, else what is wrong."""
    if not 400 <= status < 500:
        return f"status {status}: {body[:200]!r}"
    try:
        doc = json.loads(body) if complete and content_type.startswith("application/json") else {}
    except ValueError:
        doc = {}
    error = doc.get("error") if isinstance(doc, dict) else None
    if not isinstance(error, dict):
        error = {}
    message = error.get("message")
    if not isinstance(message, str) or not message or not isinstance(error.get("code"), str):
        return f"not a JSON error with a code and a message: {content_type} {body[:200]!r}"
    return f"the message leaks {leaks(message)}: {message[:200]!r}" if leaks(message) else ""


@pytest.mark.timeout(SCALE.timeout_s)
def test_generated_requests_get_only_4xx_json_answers(fuzz_twin: ChatTwin) -> None:
    requests = [request(SEED, index) for index in range(SCALE.fuzz_requests)]
    started = time.monotonic()
    with ThreadPoolExecutor(SCALE.fuzz_clients) as pool:
        answers = list(pool.map(lambda r: _problem(fuzz_twin, r), requests))
    seconds = time.monotonic() - started
    kinds = Counter(r.kind for r in requests)
    statuses = Counter(status for _, status in answers)
    print(
        f"\nHTTP fuzzing ({SCALE.name} scale): {len(requests)} requests in {seconds:.1f} s, "
        f"seed {SEED}",
        "kinds: " + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())),
        "statuses: " + ", ".join(f"{code} {count}" for code, count in sorted(statuses.items())),
        sep="\n  ",
    )
    failures = [
        f"#{index} {requests[index].describe()}: {problem}"
        for index, (problem, _) in enumerate(answers)
        if problem
    ]
    assert failures == [], "\n".join(failures[:20])
    assert set(kinds) >= set(KINDS) - {"too_large"} or SCALE.fuzz_requests < 100
    # Still alive: the same environments answer a valid request exactly.
    assert all(env.alive for env in fuzz_twin.function_url.pool.started)
    received = post(fuzz_twin, {"prompt": echo("alive after the fuzzing")})
    assert seen("sse", received).text == "alive after the fuzzing"
    internal = [doc for doc in log_docs(list(fuzz_twin.logs)) if doc.get("level") == "ERROR"]
    assert internal == []
