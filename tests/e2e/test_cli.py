"""The terminal client (`python -m cli`, docs/API.md §11) run as people run it, against the twin."""

from __future__ import annotations

from cli.wire import NdjsonReader, chat_url, region_of, summary
from tests.e2e.chat.proxy import CuttingProxy
from tests.e2e.chat.twin import ACCESS_KEY, SECRET_KEY, ChatTwin
from tests.e2e.cli_process import ECHO, cli_env, run_cli


def test_output_arrives_incrementally(twin: ChatTwin) -> None:
    # 30 tokens at 12 tokens/s: about 2.5 s of streaming
    result = run_cli("--url", twin.url, f"#! echo rate=12\n{ECHO}")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ECHO
    assert len(result.arrivals) >= 8  # many separate writes, not one at the end
    first, last = result.arrivals[0][0], result.arrivals[-1][0]
    assert last - first > 1.2
    assert "30 out tokens" in result.stderr
    assert "TTFT" in result.stderr


def test_prompt_from_stdin_and_url_from_environment(twin: ChatTwin) -> None:
    result = run_cli(
        stdin="#! echo\nfrom stdin\nline two", env=cli_env(BEDROCK_STREAM_URL=twin.url)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "from stdin\nline two"


def test_sigv4_signed_requests_pass_an_iam_url(iam_twin: ChatTwin) -> None:
    creds = cli_env(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
    signed = run_cli("--url", iam_twin.url, "--sigv4", "#! echo\nsigned hello", env=creds)
    assert signed.returncode == 0, signed.stderr
    assert signed.stdout == "signed hello"
    unsigned = run_cli("--url", iam_twin.url, "hello", env=creds)
    assert unsigned.returncode == 3
    assert "HTTP 403" in unsigned.stderr
    wrong = cli_env(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY="not-the-secret")
    refused = run_cli("--url", iam_twin.url, "--sigv4", "hello", env=wrong)
    assert refused.returncode == 3
    none = run_cli("--url", iam_twin.url, "--sigv4", "hello")
    assert none.returncode == 5
    assert "no AWS credentials" in none.stderr


def test_a_cut_stream_is_resumed_without_repeating_text(twin: ChatTwin) -> None:
    with CuttingProxy(twin.url) as proxy:
        twin.bedrock.clear()
        proxy.cut_next(350)  # `start` and a few deltas, then mid-record
        result = run_cli("--url", proxy.url, f"#! echo rate=40\n{ECHO}")
        assert proxy.cuts == 1
    assert result.returncode == 0, result.stderr
    assert result.stdout == ECHO  # the whole text, exactly once
    assert "resuming (1/3)" in result.stderr
    first, resumed = twin.bedrock_messages()
    partial = resumed[-1]["content"][0]["text"]
    assert resumed[-1]["role"] == "assistant"
    assert ECHO.startswith(partial)
    assert 0 < len(partial) < len(ECHO)
    assert first == resumed[:-1]


def test_resume_gives_up_after_three_tries(twin: ChatTwin) -> None:
    with CuttingProxy(twin.url) as proxy:
        proxy.cut_next(350, times=10)
        result = run_cli("--url", proxy.url, f"#! echo rate=40\n{ECHO}")
        assert proxy.posts == 4  # the request and 3 resumes
    assert result.returncode == 4
    assert "giving up" in result.stderr
    assert ECHO.startswith(result.stdout)  # what arrived, never repeated
    assert len(result.stdout) > 0


def test_errors_give_distinct_non_zero_exit_statuses(twin: ChatTwin) -> None:
    in_stream = run_cli("--url", twin.url, f"#! echo fault=midstream after=3\n{ECHO}")
    assert in_stream.returncode == 1
    assert in_stream.stdout == "word0 word1 word2"  # the text before the error is kept
    assert "model_stream_error" in in_stream.stderr
    status = run_cli("--url", twin.url, "--model", "not.allowed-v1", "hello")
    assert status.returncode == 3
    assert "HTTP 403 model_not_allowed" in status.stderr
    refused = run_cli("--url", "http://127.0.0.1:9", "hello")
    assert refused.returncode == 5
    assert run_cli("hello").returncode == 2  # no URL anywhere


def test_chat_keeps_the_conversation(twin: ChatTwin) -> None:
    twin.bedrock.clear()
    result = run_cli(
        "--url", twin.url, "--chat", "--max-tokens", "12", stdin="first question\nsecond question\n"
    )
    assert result.returncode == 0, result.stderr
    first, second = twin.bedrock_messages()
    assert [m["role"] for m in second] == ["user", "assistant", "user"]
    answer = second[1]["content"][0]["text"]
    assert second[0] == first[0]
    assert result.stdout.startswith(answer + "\n")


def test_pure_helpers() -> None:
    assert region_of("https://abc.lambda-url.eu-west-2.on.aws/", None) == "eu-west-2"
    assert region_of("http://127.0.0.1:8080", "ap-south-1") == "ap-south-1"
    assert region_of("http://127.0.0.1:8080", None) == "us-east-1"
    assert chat_url("https://abc.lambda-url.eu-west-2.on.aws/") == (
        "https://abc.lambda-url.eu-west-2.on.aws/chat"
    )
    assert chat_url("http://127.0.0.1:8080/chat") == "http://127.0.0.1:8080/chat"
    reader = NdjsonReader()
    events = list(reader.feed(b'{"type":"delta","text":"a"}\n\n{"type":"del'))
    assert [(e.type, e.text) for e in events] == [("delta", "a")]
    assert reader.leftover > 0  # a record cut mid-way is never used
    assert list(reader.feed(b'ta","text":"b"}\nnot json\n')) != []


def test_summary_leaves_out_timings_the_service_did_not_measure() -> None:
    # An empty answer has no first token: ttft_ms and output_tokens_per_s are null.
    done = {
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 2, "output_tokens": 0},
        "metrics": {"ttft_ms": None, "duration_ms": 310, "output_tokens_per_s": None},
    }
    line = summary("m", done, 0.31, 0)
    assert line == "[m · 2 in / 0 out tokens · 0.31 s · stop: end_turn]"
    assert "None" not in line
