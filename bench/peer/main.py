"""The peer: what a user would pick instead, a FastAPI StreamingResponse app.

Built the way the AWS Lambda Web Adapter's FastAPI streaming examples build it
(github.com/awslabs/aws-lambda-web-adapter, examples/fastapi-response-streaming and
fastapi-backend-only-response-streaming, app/main.py): a module-level boto3 client, a
Pydantic request body, an async generator that iterates boto3's stream and yields text, a
`StreamingResponse`, and `uvicorn.run` when run as a script. Under Lambda the adapter
(AWS_LWA_INVOKE_MODE=response_stream) proxies the Function URL to this server.

Two changes so that it answers what ours answers, and the benchmark compares like with like:
it calls ConverseStream (not InvokeModelWithResponseStream with an Anthropic body), and it
writes SSE with `start` (once Bedrock answered), `delta` and `done` events (docs/API.md §3).
Run: PORT=8080 AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:<port> python main.py
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from typing import Any

import boto3
import uvicorn
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

DEFAULT_MODEL = os.environ.get("BEDROCK_MODEL", "anthropic.claude-3-haiku-20240307-v1:0")

app = FastAPI()
# At import, as in the examples: the client is ready before the first request.
bedrock = boto3.client("bedrock-runtime")


class Chat(BaseModel):
    """The request body: a prompt and, optionally, a model."""

    prompt: str
    model: str | None = None
    max_tokens: int = 1024


def sse(name: str, data: dict[str, Any]) -> bytes:
    """One SSE event."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


async def answer(chat: Chat) -> AsyncIterator[bytes]:
    """Call ConverseStream and yield its text as SSE events, as Bedrock sends it."""
    model = chat.model or DEFAULT_MODEL
    response = bedrock.converse_stream(
        modelId=model,
        messages=[{"role": "user", "content": [{"text": chat.prompt}]}],
        inferenceConfig={"maxTokens": chat.max_tokens},
    )
    yield sse("start", {"id": response["ResponseMetadata"]["RequestId"], "model": model})
    done: dict[str, Any] = {}
    # A blocking iteration inside an async generator, as the examples do: one stream at a
    # time it is the quickest path (no thread hop per event).
    for event in response["stream"]:
        if "contentBlockDelta" in event:
            text = event["contentBlockDelta"]["delta"].get("text")
            if text:
                yield sse("delta", {"text": text})
        elif "messageStop" in event:
            done["stop_reason"] = event["messageStop"]["stopReason"]
        elif "metadata" in event:
            usage = event["metadata"].get("usage", {})
            done["usage"] = {
                "input_tokens": usage.get("inputTokens"),
                "output_tokens": usage.get("outputTokens"),
            }
    yield sse("done", done)


@app.post("/chat")
def chat(request: Chat) -> StreamingResponse:
    """Stream the answer to one prompt."""
    return StreamingResponse(
        answer(request), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


if __name__ == "__main__":
    # Loopback only: the adapter is the only caller (the examples bind 0.0.0.0 in a container).
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8080")))
