"""`python -m cli check`: the operator's deployment check, run against local servers."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from cli import probes
from local.function_url import CorsConfig
from local.lambda_env.overrides import LOCAL_MODELS
from tests.e2e.chat.buffering_proxy import BufferingProxy
from tests.e2e.chat.proxy import CuttingProxy
from tests.e2e.chat.twin import ACCESS_KEY, ROOT, SECRET_KEY, ChatTwin, running_twin
from tests.e2e.cli_process import cli_env

KEY = "check-test-key-7f3a"
ORIGIN = "https://app.example.com"
# The stack's CORS for `-c cors_origins=https://app.example.com` (infra/streaming_function.py).
CORS = CorsConfig(
    allow_origins=(ORIGIN,),
    allow_methods=("GET", "POST"),
    allow_headers=("content-type", "accept", "authorization", "x-api-key"),
    expose_headers=("x-request-id", "retry-after"),
    max_age=3600,
)
ROWS = ["url", "auth", "models", "stream", "done", "cors"]


@pytest.fixture(scope="module")
def key_twin() -> Iterator[ChatTwin]:
    with running_twin("api_key", api_key=KEY, cors=CORS) as running:
        yield running


@dataclass
class Checked:
    returncode: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.stdout)
        return doc

    def rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.report["checks"]
        return rows

    def status(self) -> dict[str, str]:
        """name -> status (the last row of a name wins)."""
        return {row["name"]: row["status"] for row in self.rows()}

    def row(self, name: str) -> dict[str, Any]:
        return next(row for row in self.rows() if row["name"] == name)


def run_cli(*args: str, env: dict[str, str] | None = None, limit_s: float = 90) -> Checked:
    done = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        env=env or cli_env(),
        capture_output=True,
        text=True,
        timeout=limit_s,
        check=False,
    )
    return Checked(done.returncode, done.stdout, done.stderr)


CREDS = cli_env(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)


def last_user_text(twin: ChatTwin) -> str:
    text: str = twin.bedrock_messages()[-1][-1]["content"][0]["text"]
    return text


# --- against the twin running the real function ---------------------------------------


def test_iam_mode_passes_every_check(iam_twin: ChatTwin) -> None:
    iam_twin.bedrock.clear()
    result = run_cli("check", "--url", iam_twin.url, "--sigv4", env=CREDS)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["CHECK", "RESULT", "DETAIL"]
    assert [line.split()[:2] for line in lines[1:7]] == [
        ["url", "PASS"],
        ["auth", "PASS"],
        ["models", "PASS"],
        ["stream", "PASS"],
        ["done", "PASS"],
        ["cors", "SKIP"],
    ]
    assert "signed request accepted (HTTP 200); unsigned request refused (HTTP 403)" in lines[2]
    expected = f"{len(LOCAL_MODELS)} models allowed, default {LOCAL_MODELS[0]}"
    assert expected in lines[3]
    assert "skipped (no --origin given)" in lines[6]
    assert lines[-1].startswith("PASSED: 5 passed, 1 skipped")
    # What reached Bedrock is the ordinary prompt, with no directive for the local model.
    assert last_user_text(iam_twin) == probes.PROMPT
    converse = [r.body for r in iam_twin.bedrock.requests if r.body and "messages" in r.body]
    assert converse[-1]["inferenceConfig"]["maxTokens"] == probes.MAX_TOKENS


def test_iam_mode_streaming_numbers(iam_twin: ChatTwin) -> None:
    result = run_cli("check", "--url", iam_twin.url, "--sigv4", "--json", env=CREDS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.report["passed"] is True
    stream = result.row("stream")["numbers"]
    # The local model streams its default answer at about 50 tokens/s: seconds of deltas.
    assert stream["reads"] >= 20
    assert stream["ttfb_ms"] < stream["first_text_ms"]
    assert stream["spread_s"] >= 0.5 * stream["function_stream_s"] > 0
    done = result.row("done")["numbers"]
    assert done["stop_reason"] in ("end_turn", "max_tokens")
    assert 0 < done["output_tokens"] <= probes.MAX_TOKENS


def test_iam_url_checked_without_credentials_fails_auth(iam_twin: ChatTwin) -> None:
    result = run_cli("check", "--url", iam_twin.url, "--json", env=CREDS)
    assert result.returncode == 1
    assert result.status() == {
        "url": "pass",
        "auth": "fail",
        "models": "skip",
        "stream": "skip",
        "done": "skip",
        "cors": "skip",
    }
    assert "HTTP 403" in result.row("auth")["detail"]
    assert "--sigv4" in result.row("auth")["detail"]


def test_api_key_mode_and_cors_pass(key_twin: ChatTwin) -> None:
    result = run_cli("check", "--url", key_twin.url, "--api-key", KEY, "--origin", ORIGIN, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.status() == dict.fromkeys(ROWS, "pass")
    assert "request without a key refused (HTTP 401)" in result.row("auth")["detail"]
    cors = result.row("cors")["detail"]
    assert cors.startswith(f"{ORIGIN}: POST with content-type, x-api-key allowed")


def test_key_from_the_environment(key_twin: ChatTwin) -> None:
    env = cli_env(BEDROCK_STREAM_URL=key_twin.url, BEDROCK_STREAM_API_KEY=KEY)
    result = run_cli("check", "--json", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.row("auth")["status"] == "pass"


def test_a_wrong_key_fails_auth(key_twin: ChatTwin) -> None:
    result = run_cli("check", "--url", key_twin.url, "--api-key", "not-the-key", "--json")
    assert result.returncode == 1
    auth = result.row("auth")
    assert auth["status"] == "fail"
    assert "HTTP 403 forbidden" in auth["detail"]
    assert [result.row(name)["detail"] for name in ("models", "stream", "done")] == [
        "skipped (auth failed)"
    ] * 3


def test_a_wrong_origin_fails_cors(key_twin: ChatTwin) -> None:
    result = run_cli(
        "check", "--url", key_twin.url, "--api-key", KEY,
        "--origin", ORIGIN, "--origin", "https://evil.example", "--json",
    )  # fmt: skip
    assert result.returncode == 1
    cors = [row for row in result.rows() if row["name"] == "cors"]
    assert [(row["status"], row["numbers"]["origin"]) for row in cors] == [
        ("pass", ORIGIN),
        ("fail", "https://evil.example"),
    ]
    assert "no Access-Control-Allow-Origin" in cors[1]["detail"]
    assert all(row["status"] == "pass" for row in result.rows() if row["name"] != "cors")


def test_open_url_passes_with_a_warning_and_a_key_it_ignores_fails(twin: ChatTwin) -> None:
    result = run_cli("check", "--url", twin.url, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.row("auth")["status"] == "warn"
    assert "anyone with the URL can use it" in result.row("auth")["detail"]
    keyed = run_cli("check", "--url", twin.url, "--api-key", "some-key", "--json")
    assert keyed.returncode == 1
    assert "request without a key accepted too (HTTP 200)" in keyed.row("auth")["detail"]


def test_a_model_that_is_not_allowed_fails_the_stream(twin: ChatTwin) -> None:
    result = run_cli("check", "--url", twin.url, "--model", "not.allowed-v1", "--json")
    assert result.returncode == 1
    assert "HTTP 403 model_not_allowed" in result.row("stream")["detail"]
    assert result.row("done")["detail"] == "skipped (no stream)"


# --- through proxies, and against nothing ---------------------------------------------


def test_a_buffering_proxy_fails_the_stream_check(twin: ChatTwin) -> None:
    with BufferingProxy(twin.url) as proxy:
        result = run_cli("check", "--url", proxy.url, "--json")
        answered = [method for method, _, _ in proxy.buffered]
    assert answered.count("POST") == 1  # the chat answer did go through the proxy
    assert result.returncode == 1
    stream = result.row("stream")
    assert stream["status"] == "fail"
    assert "something on the way buffers" in stream["detail"]
    assert stream["numbers"]["spread_s"] < 0.5 * stream["numbers"]["function_stream_s"]
    assert result.row("done")["status"] == "pass"  # the answer was whole, only late


def test_a_cut_stream_fails_the_done_check(twin: ChatTwin) -> None:
    with CuttingProxy(twin.url) as proxy:
        proxy.cut_next(700)
        result = run_cli("check", "--url", proxy.url, "--json")
        assert proxy.cuts == 1
    assert result.returncode == 1
    done = result.row("done")
    assert done["status"] == "fail"
    assert done["detail"].startswith("cut off after ")
    assert result.row("stream")["status"] in ("pass", "warn")  # a cut is not blamed on buffering


def test_a_dead_url_fails_the_first_row_and_skips_the_rest() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_cli("check", "--url", f"http://127.0.0.1:{port}", "--origin", ORIGIN)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[1].split()[:2] == ["url", "FAIL"]
    assert "Connection refused" in lines[1]
    assert [line.split()[:2] for line in lines[2:7]] == [[name, "SKIP"] for name in ROWS[1:]]
    assert lines[-1] == "FAILED: 1 failed, 5 skipped"
    assert "Traceback" not in result.stdout + result.stderr


def test_a_silent_url_times_out_after_timeout() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        port = silent.getsockname()[1]
        # --timeout 0.5 must be what ends it: the default (30 s) would outlast limit_s.
        result = run_cli(
            "check", "--url", f"http://127.0.0.1:{port}", "--timeout", "0.5", limit_s=20
        )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[1].split()[:2] == ["url", "FAIL"]
    assert "timed out" in lines[1]
    assert "Traceback" not in result.stdout + result.stderr


# --- the word `check` ------------------------------------------------------------------


def test_check_alone_or_after_dashes_is_still_a_prompt(twin: ChatTwin) -> None:
    alone = run_cli("check", env=cli_env(BEDROCK_STREAM_URL=twin.url))
    assert alone.returncode == 0, alone.stderr
    assert last_user_text(twin) == "check"
    assert "RESULT" not in alone.stdout
    dashed = run_cli("--url", twin.url, "--", "check", "--json")
    assert dashed.returncode == 0, dashed.stderr
    assert last_user_text(twin) == "check --json"
    assert not dashed.stdout.startswith("{")


def test_help_documents_the_check() -> None:
    main_help = run_cli("--help")
    assert main_help.returncode == 0
    assert "python -m cli check --url URL" in main_help.stdout
    assert "-- check" in main_help.stdout
    check_help = run_cli("check", "--help")
    assert check_help.returncode == 0
    assert check_help.stdout.startswith("usage: python -m cli check")
    assert "--origin" in check_help.stdout
    assert run_cli("check", "--url", "ftp://x").returncode == 2
    assert run_cli("check", "--sigv4", "--url", "http://127.0.0.1:9").returncode == 2  # no creds
    bad_origin = run_cli("check", "--url", "http://127.0.0.1:9", "--origin", "app.example.com")
    assert bad_origin.returncode == 2
    assert "not an origin" in bad_origin.stderr
