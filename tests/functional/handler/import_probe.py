"""Run as a process of its own (test_import_graph.py): load the handler as Lambda's init does,
serve a chat request and an OpenAI-surface request, and print which watched modules were
imported after each step, one JSON line per step.

argv: the path of a payload-2.0 event to build the requests from.
"""

import json
import sys
import time

from streaming_runtime.loader import load_handler

WATCHED = (
    "boto3",
    "s3transfer",
    "botocore",
    "bedrock_stream.openai_compat",
    "aws_lambda_powertools.utilities.data_classes",
    "aws_lambda_powertools.utilities.parameters",
    "requests",
    "sqlite3",
)


class Stream:
    """Records what the handler sends."""

    def __init__(self) -> None:
        self.started = False
        self.status = 0
        self.body = b""

    def start(self, status=200, headers=None, cookies=None):
        self.started, self.status = True, status

    def write(self, data):
        self.body += data.encode() if isinstance(data, str) else data

    def close(self):
        pass


class Context:
    aws_request_id = "probe-1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:probe"
    function_name = "probe"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    log_group_name = "/aws/lambda/probe"
    log_stream_name = "probe"

    def __init__(self) -> None:
        self._deadline = time.monotonic() + 60

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


def report(step: str, stream: Stream | None = None) -> None:
    line = {"step": step, "modules": [m for m in WATCHED if m in sys.modules]}
    if stream is not None:
        line.update(status=stream.status, body=stream.body.decode("utf-8", "replace"))
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def request(template: dict, method: str, path: str, body: str | None) -> dict:
    event = json.loads(json.dumps(template))
    event["rawPath"] = path
    event["requestContext"]["http"].update(method=method, path=path)
    event["body"] = body
    return event


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as file:
        template = json.load(file)
    handler = load_handler("bedrock_stream.handler.handler")
    report("init")
    chat = Stream()
    prompt = "#! echo rate=5000 ttft_ms=0\nprobe says hi"
    handler(
        request(template, "POST", "/chat", json.dumps({"prompt": prompt})), Context(), stream=chat
    )
    report("chat", chat)
    models = Stream()
    handler(request(template, "GET", "/v1/models", None), Context(), stream=models)
    report("openai", models)


main()
