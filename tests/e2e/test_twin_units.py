"""The twin's pure parts: prelude parsing at any chunking, results, CORS, template, overrides."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from local.function_url.cors import CorsConfig
from local.function_url.event import encode_body
from local.function_url.prelude import Prelude, PreludeError, PreludeParser
from local.function_url.results import buffered_result
from local.lambda_env.config import FunctionConfig, process_environment
from local.lambda_env.overrides import LOCAL_MODELS, OverrideError, apply
from local.template import TemplateError, ensure_synth, foreign_extensions, load_stack

PRELUDE = (
    b'{"statusCode":201,"headers":{"content-type":"text/plain","x-a":["1","2"]},"cookies":["c=1"]}'
)
STREAM = PRELUDE + b"\0" * 8 + b"body \0 with NUL"


@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=12))
def test_prelude_parser_ignores_chunk_boundaries(cuts: list[int]) -> None:
    bounds = [0, *sorted(cuts), len(STREAM)]
    parser = PreludeParser()
    body = b"".join(parser.feed(STREAM[a:b]) for a, b in itertools.pairwise(bounds))
    assert body == b"body \0 with NUL"
    assert parser.finish() == Prelude(
        201, (("content-type", "text/plain"), ("x-a", "1"), ("x-a", "2")), ("c=1",)
    )


def test_prelude_parser_edge_cases() -> None:
    assert PreludeParser().finish() == Prelude()  # nothing written: 200, no headers
    unterminated = PreludeParser()
    unterminated.feed(b'{"statusCode":200}')
    with pytest.raises(PreludeError):
        unterminated.finish()
    with pytest.raises(PreludeError):
        PreludeParser().feed(b"Not Found" + b"\0" * 8)
    with pytest.raises(PreludeError):
        PreludeParser().feed(b'{"statusCode":200}\0\0x')
    with pytest.raises(PreludeError):
        PreludeParser().feed(b'{"statusCode":"200"}' + b"\0" * 8)
    with pytest.raises(PreludeError):
        PreludeParser().feed(b" " * (17 * 1024))


def test_buffered_results() -> None:
    result = buffered_result(
        b'{"statusCode":404,"headers":{"a":"b"},"cookies":["x=1"],"body":"bm8=","isBase64Encoded":true}'
    )
    assert (result.status, result.headers, result.cookies, result.body) == (
        404,
        (("a", "b"),),
        ("x=1",),
        b"no",
    )
    bare = buffered_result(b'"just a string"')
    assert (bare.status, bare.body) == (200, b'"just a string"')
    assert buffered_result(b"not json").status == 502


def test_body_encoding_by_content_type() -> None:
    assert encode_body(b"{}", "application/json; charset=utf-8") == ("{}", False)
    assert encode_body(b"a=1", "application/x-www-form-urlencoded") == ("a=1", False)
    assert encode_body(b"<a/>", "application/atom+xml") == ("<a/>", False)
    assert encode_body(b"hi", None) == ("aGk=", True)
    assert encode_body(b"hi", "image/png") == ("aGk=", True)


def test_cors_headers() -> None:
    wildcard = CorsConfig(allow_origins=("*",))
    assert wildcard.response_headers("https://x.example") == [("Access-Control-Allow-Origin", "*")]
    assert wildcard.response_headers(None) == []
    creds = CorsConfig(allow_origins=("https://x.example",), allow_credentials=True)
    assert ("Access-Control-Allow-Credentials", "true") in creds.response_headers(
        "https://x.example"
    )
    assert creds.response_headers("https://y.example") == []


def _write_stack(
    cdk_out: Path, *, cors: dict[str, object] | None = None, reserved: int | None = None
) -> None:
    (cdk_out / "asset.abc").mkdir(parents=True)
    url_props: dict[str, object] = {
        "AuthType": "NONE",
        "InvokeMode": "RESPONSE_STREAM",
        "TargetFunctionArn": {"Fn::GetAtt": ["Fn", "Arn"]},
    }
    if cors:
        url_props["Cors"] = cors
    template = {
        "Resources": {
            "Other": {"Type": "AWS::Lambda::Function", "Properties": {"Handler": "index.other"}},
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Handler": "app.handler",
                    "Timeout": 30,
                    "MemorySize": 256,
                    "Runtime": "python3.13",
                    "Environment": {"Variables": {"A": "1", "REF": {"Ref": "Thing"}}},
                    **({} if reserved is None else {"ReservedConcurrentExecutions": reserved}),
                },
                "Metadata": {"aws:asset:path": "asset.abc"},
            },
            "Url": {"Type": "AWS::Lambda::Url", "Properties": url_props},
        }
    }
    (cdk_out / "S.template.json").write_text(json.dumps(template))


def test_load_stack_reads_function_and_url(tmp_path: Path) -> None:
    cors = {"AllowOrigins": ["https://a.example"], "AllowMethods": ["POST"], "MaxAge": 60}
    _write_stack(tmp_path, cors=cors)
    stack = load_stack(tmp_path)
    assert stack.function.handler == "app.handler"
    assert stack.function.task_root == (tmp_path / "asset.abc").resolve()
    assert (stack.function.timeout_s, stack.function.memory_mb) == (30.0, 256)
    assert dict(stack.function.environment) == {"A": "1"}
    assert stack.skipped_env == ("REF",)
    assert (stack.auth_type, stack.invoke_mode) == ("NONE", "RESPONSE_STREAM")
    assert stack.cors == CorsConfig(
        allow_origins=("https://a.example",), allow_methods=("POST",), max_age=60
    )
    with pytest.raises(TemplateError):
        load_stack(tmp_path / "missing")


@pytest.mark.parametrize(("reserved", "limit"), [(None, 100), (3, 3), (0, 0)])
def test_the_twins_concurrency_is_the_stacks_reserved_concurrency_else_100(
    tmp_path: Path, reserved: int | None, limit: int
) -> None:
    # docs/API.md §12.5: like Lambda, the URL throttles only beyond the function's concurrency.
    from local.__main__ import max_concurrency

    _write_stack(tmp_path, reserved=reserved)
    stack = load_stack(tmp_path)

    assert (stack.reserved_concurrency, stack.max_concurrency) == (reserved, limit)
    assert max_concurrency({}, stack) == limit
    assert max_concurrency({"MAX_CONCURRENCY": "7"}, stack) == 7
    for bad in ("0", "-1", "many", "2.5"):
        with pytest.raises(OverrideError, match="MAX_CONCURRENCY"):
            max_concurrency({"MAX_CONCURRENCY": bad}, stack)


def test_bedrock_endpoint_is_read_and_checked() -> None:
    from local.__main__ import bedrock_endpoint_override

    assert bedrock_endpoint_override({}) is None
    assert bedrock_endpoint_override({"BEDROCK_ENDPOINT": " "}) is None
    assert (
        bedrock_endpoint_override({"BEDROCK_ENDPOINT": "https://vpce-1.bedrock-runtime.example/"})
        == "https://vpce-1.bedrock-runtime.example"
    )
    for bad in ("localhost:8000", "ftp://replay.example", "http://"):
        with pytest.raises(OverrideError, match="BEDROCK_ENDPOINT"):
            bedrock_endpoint_override({"BEDROCK_ENDPOINT": bad})


def test_synth_without_the_pinned_cli_says_how_to_get_it(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("")  # an app, no node_modules, nothing synthesized

    with pytest.raises(TemplateError, match="make deps"):
        ensure_synth(tmp_path, log=lambda _line: None)


def test_overrides_from_the_demo_environment(tmp_path: Path) -> None:
    function = FunctionConfig(
        task_root=tmp_path,
        handler="h.handler",
        environment={"AUTH_MODE": "api_key", "API_KEY_SECRET_ARN": "arn:x", "KEEPALIVE_S": "10"},
        timeout_s=300,
    )
    local = apply(function, {"KEEPALIVE_S": "2", "FUNCTION_TIMEOUT_S": "20", "UNRELATED": "x"})
    env = local.function.environment
    assert (local.auth, local.url_auth_type, local.function.timeout_s) == ("none", "NONE", 20.0)
    assert env["KEEPALIVE_S"] == "2"
    assert env["AUTH_MODE"] == "iam"
    assert env["ALLOWED_MODELS"] == ",".join(LOCAL_MODELS)
    assert env["DEFAULT_MODEL"] == LOCAL_MODELS[0]
    assert "UNRELATED" not in env
    keyed = apply(function, {"AUTH": "api_key", "API_KEY": "k", "ALLOWED_MODELS": "m1,m2"})
    assert keyed.function.environment["API_KEY"] == "k"
    assert "API_KEY_SECRET_ARN" not in keyed.function.environment
    assert "DEFAULT_MODEL" not in keyed.function.environment
    iam = apply(function, {"AUTH": "iam", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"})
    assert iam.url_auth_type == "AWS_IAM"
    for bad in (
        {"AUTH": "iam"},
        {"AUTH": "api_key"},
        {"AUTH": "open"},
        {"FUNCTION_TIMEOUT_S": "x"},
    ):
        with pytest.raises(OverrideError):
            apply(function, bad)


def test_every_variable_the_function_reads_is_passed_from_the_demo(tmp_path: Path) -> None:
    # docs/API.md §9: the demo's own environment wins over the stack's for each of them, the
    # guardrail and the Bedrock client's tuning included; the demo's own ones stay out.
    function = FunctionConfig(task_root=tmp_path, handler="h.handler", environment={})
    given = {
        "GUARDRAIL_ID": "gr1",
        "GUARDRAIL_VERSION": "DRAFT",
        "GUARDRAIL_STREAM_MODE": "sync",
        "BEDROCK_MAX_ATTEMPTS": "2",
        "BEDROCK_READ_TIMEOUT_S": "30",
        "BEDROCK_STREAM_NEXT_WRAPPER": "/opt/wrapper",
        "BEDROCK_PORT": "9999",
        "BEDROCK_ENDPOINT": "http://127.0.0.1:1",
    }
    env = apply(function, given).function.environment
    for name in (n for n in given if n not in ("BEDROCK_PORT", "BEDROCK_ENDPOINT")):
        assert env[name] == given[name]
    assert "BEDROCK_PORT" not in env
    assert "BEDROCK_ENDPOINT" not in env


def test_process_environment_is_lambdas(tmp_path: Path) -> None:
    function = FunctionConfig(
        task_root=tmp_path,
        handler="h.handler",
        environment={"AWS_LAMBDA_EXEC_WRAPPER": "/var/task/bootstrap", "X": "1"},
        memory_mb=512,
        name="fn",
    )
    env = process_environment(
        function,
        "127.0.0.1:9001",
        bedrock_endpoint="http://127.0.0.1:5",
        caller={"AWS_ACCESS_KEY_ID": "a", "HOME": "/root"},
    )
    assert env["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:9001"
    assert env["AWS_LAMBDA_EXEC_WRAPPER"] == f"{tmp_path}/bootstrap"
    assert env["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] == "http://127.0.0.1:5"
    assert (env["_HANDLER"], env["LAMBDA_TASK_ROOT"], env["X"]) == ("h.handler", str(tmp_path), "1")
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/fn"
    assert env["AWS_ACCESS_KEY_ID"] == "a"
    assert "HOME" not in env
    assert function.launch_command()[0] == f"{tmp_path}/bootstrap"


def test_foreign_extensions_are_found_by_elf_machine_and_abi(tmp_path: Path) -> None:
    import sys

    host = Path(sys.executable).resolve().read_bytes()[:64]
    sparc = host[:18] + (2).to_bytes(2, "little") + host[20:]  # EM_SPARC: never this host
    (tmp_path / "ok.abi3.so").write_bytes(host)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "sparc.abi3.so").write_bytes(sparc)
    (tmp_path / "pkg" / "m.cpython-39-x86_64-linux-gnu.so").write_bytes(host)
    found = {p.name for p in foreign_extensions(tmp_path)}
    assert found == {"sparc.abi3.so", "m.cpython-39-x86_64-linux-gnu.so"}


@pytest.mark.parametrize(
    ("demo_env", "auth", "url_auth"),
    [
        # docs/API.md §9: §8 variables set in the demo's environment reach the function; with
        # AUTH_MODE=api_key the function checks the key, which locally is API_KEY.
        ({"AUTH_MODE": "api_key", "API_KEY": "k"}, "api_key", "NONE"),
        (
            {
                "AUTH": "iam",
                "AUTH_MODE": "api_key",
                "API_KEY": "k",
                "AWS_ACCESS_KEY_ID": "a",
                "AWS_SECRET_ACCESS_KEY": "b",
            },
            "iam",
            "AWS_IAM",
        ),
    ],
)
def test_auth_mode_api_key_from_the_demo_environment_gets_the_key(
    tmp_path: Path, demo_env: dict[str, str], auth: str, url_auth: str
) -> None:
    function = FunctionConfig(
        task_root=tmp_path,
        handler="h.handler",
        environment={"AUTH_MODE": "iam", "API_KEY_SECRET_ARN": "arn:x"},
        timeout_s=300,
    )
    local = apply(function, demo_env)
    env = local.function.environment
    assert (local.auth, local.url_auth_type) == (auth, url_auth)
    assert (env["AUTH_MODE"], env["API_KEY"]) == ("api_key", "k")
    assert "API_KEY_SECRET_ARN" not in env
    with pytest.raises(OverrideError, match="API_KEY"):
        apply(function, {k: v for k, v in demo_env.items() if k != "API_KEY"})


def test_real_bedrock_endpoint_is_printed_as_a_url(monkeypatch: pytest.MonkeyPatch) -> None:
    # docs/API.md §9 prints `Bedrock endpoint: <url>`; with BEDROCK=aws that is the Region's URL
    # the function calls (it does not get this shell's endpoint overrides).
    from local.__main__ import real_bedrock_endpoint

    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "http://127.0.0.1:9")
    assert real_bedrock_endpoint("eu-west-1") == "https://bedrock-runtime.eu-west-1.amazonaws.com"
    assert real_bedrock_endpoint("us-east-1") == "https://bedrock-runtime.us-east-1.amazonaws.com"


def test_a_newer_package_lock_makes_the_demo_synthesize_again(tmp_path: Path) -> None:
    # The page inlines libraries pinned in package-lock.json when the asset is built.
    from local.template import _newest

    (tmp_path / "app.py").write_text("")
    (tmp_path / "package-lock.json").write_text("{}")
    os.utime(tmp_path / "app.py", (1000, 1000))
    os.utime(tmp_path / "package-lock.json", (2000, 2000))

    assert _newest(tmp_path) == 2000
