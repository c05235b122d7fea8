"""What a cold start imports: no boto3 or s3transfer, the OpenAI surface only on first use.

A process of its own (tests/functional/handler/import_probe.py) in Lambda's environment loads
the handler as the runtime's init does, serves a streaming chat request through the local
Bedrock, then an OpenAI-surface request, and reports the modules imported after each step.
This machine's virtual environment has boto3, requests and the rest installed, so any
import of them shows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local.bedrock import BedrockEmulator

ROOT = Path(__file__).resolve().parents[3]
PROBE = Path(__file__).resolve().parent / "import_probe.py"
EVENT = ROOT / "tests" / "events" / "post_chat.json"
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


@pytest.fixture(scope="module")
def steps(bedrock_emulator: BedrockEmulator) -> dict[str, dict[str, Any]]:
    """The probe's report per step, run once in a Lambda-like environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "_X_AMZN"))}
    env.update(
        PYTHONPATH=str(ROOT / "lambda_src"),
        LAMBDA_TASK_ROOT=str(ROOT / "lambda_src"),
        AWS_LAMBDA_FUNCTION_NAME="probe",
        AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE="512",
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="AKIDPROBE",
        AWS_SECRET_ACCESS_KEY="probe-secret",
        AWS_XRAY_CONTEXT_MISSING="LOG_ERROR",
        AWS_XRAY_DAEMON_ADDRESS="127.0.0.1:2000",
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME=bedrock_emulator.url,
        ALLOWED_MODELS=MODEL,
        AUTH_MODE="iam",
        POWERTOOLS_SERVICE_NAME="probe",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    done = subprocess.run(
        [sys.executable, str(PROBE), str(EVENT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # The function's own log records (Powertools) share stdout with the probe's lines.
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith('{"step"')]
    return {line["step"]: line for line in lines}


def test_init_imports_botocore_but_not_boto3_or_s3transfer(steps: dict[str, Any]) -> None:
    modules = steps["init"]["modules"]
    assert "botocore" in modules
    assert "boto3" not in modules
    assert "s3transfer" not in modules


def test_a_streamed_chat_request_imports_neither(steps: dict[str, Any]) -> None:
    chat = steps["chat"]
    # The request really went to Bedrock (the local one) and streamed the answer
    assert chat["status"] == 200
    records = [r.split("\n") for r in chat["body"].split("\n\n") if r]
    deltas = [json.loads(r[1][6:])["text"] for r in records if r[0] == "event: delta"]
    assert "".join(deltas) == "probe says hi"
    assert records[-1][0] == "event: done"
    assert "boto3" not in chat["modules"]
    assert "s3transfer" not in chat["modules"]


def test_only_botocore_is_patched_for_x_ray(steps: dict[str, Any]) -> None:
    # patch_all would import every library the X-Ray SDK can patch that is installed
    for step in ("init", "chat"):
        assert "requests" not in steps[step]["modules"]
        assert "sqlite3" not in steps[step]["modules"]


def test_nothing_a_stream_never_needs_is_imported(steps: dict[str, Any]) -> None:
    for step in ("init", "chat"):
        modules = steps[step]["modules"]
        assert "bedrock_stream.openai_compat" not in modules
        assert "aws_lambda_powertools.utilities.data_classes" not in modules
        assert "aws_lambda_powertools.utilities.parameters" not in modules  # API-key mode only


def test_the_first_openai_request_imports_the_openai_surface(steps: dict[str, Any]) -> None:
    openai = steps["openai"]
    assert openai["status"] == 200
    assert json.loads(openai["body"])["object"] == "list"
    assert "bedrock_stream.openai_compat" in openai["modules"]
