"""Provider chunks as boto3 yields them from InvokeModelWithResponseStream, through a parser."""

from __future__ import annotations

import json
from typing import Any

from bedrock_stream.events import Output, Terminal
from bedrock_stream.native import parser_for


def chunk(obj: dict[str, Any]) -> dict[str, Any]:
    """A boto3 event of InvokeModelWithResponseStream: the decoded `bytes` of a PayloadPart."""
    return {"chunk": {"bytes": json.dumps(obj).encode()}}


def native(model: str, chunks: list[dict[str, Any]]) -> tuple[list[Output], Terminal]:
    """Feed decoded provider chunks through the model's parser: outputs and terminal."""
    parser = parser_for(model)()
    outputs = [out for c in chunks for out in parser.feed(chunk(c))]
    return outputs, parser.finish()
