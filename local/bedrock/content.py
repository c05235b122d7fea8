"""Reading Converse content blocks: attachments, tools, reasoning and cache points (pure).

Block shapes are botocore's bedrock-runtime model (ContentBlock, ToolConfiguration,
CachePointBlock); blobs arrive base64-encoded in the JSON body.
https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ContentBlock.html
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from local.bedrock.answers import attachment_tokens, count_tokens
from local.bedrock.jsonbody import JsonMap, array, invalid, obj, text
from local.bedrock.model import Attachment, AttachmentKind, CachePrefix


def blob(value: object, where: str) -> bytes:
    """A base64 blob from a JSON body; ValidationException when it does not decode."""
    raw = text(value, where)
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid(f"{where} is not valid base64: {exc}") from exc


@dataclass
class MessageBlocks:
    """What one Converse message holds, block by block."""

    role: str
    texts: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    tool_uses: list[str] = field(default_factory=list)  # toolUseId of each toolUse block
    results: list[tuple[str, str, str]] = field(default_factory=list)  # (path, id, text)
    starts_with_reasoning: bool = False
    unsigned_reasoning: list[int] = field(default_factory=list)  # reasoningText without signature

    @property
    def text(self) -> str:
        """The message's text blocks, joined."""
        return "".join(self.texts)


class CacheTracker:
    """Keys and token counts of everything before each cache point, in the model's order."""

    def __init__(self, model_id: str) -> None:
        self._hash = hashlib.sha256(model_id.encode())
        self._tokens = 0
        self.prefixes: list[CachePrefix] = []

    def add(self, item: object, tokens: int) -> None:
        """Content that precedes later cache points."""
        self._hash.update(json.dumps(item, sort_keys=True, ensure_ascii=False).encode())
        self._tokens += tokens

    def point(self) -> None:
        """A cache point: the content so far is one cacheable prefix."""
        self.prefixes.append(CachePrefix(self._hash.copy().hexdigest(), self._tokens))


def _attachment(kind: AttachmentKind, block: JsonMap, where: str, role: str) -> Attachment:
    source = obj(block.get("source"), f"{where}.source")
    fmt = text(block.get("format"), f"{where}.format")
    if kind == "document" and isinstance(source.get("text"), str):
        data = str(source["text"]).encode()
    else:
        data = blob(source.get("bytes"), f"{where}.source.bytes")
    name = text(block.get("name"), f"{where}.name") if kind == "document" else None
    return Attachment(kind=kind, format=fmt, data=data, where=where, role=role, name=name)


def _result_text(block: JsonMap, where: str, sink: MessageBlocks) -> str:
    parts = []
    for k, raw in enumerate(array(block.get("content"), f"{where}.content")):
        part, path = obj(raw, f"{where}.content[{k}]"), f"{where}.content[{k}]"
        if isinstance(part.get("text"), str):
            parts.append(str(part["text"]))
        elif "json" in part:
            parts.append(json.dumps(part["json"], ensure_ascii=False, separators=(",", ":")))
        for kind in ("image", "document"):
            if kind in part:
                sink.attachments.append(
                    _attachment(kind, obj(part[kind], f"{path}.{kind}"), f"{path}.{kind}", "user")
                )
    return "".join(parts)


def read_message(
    content: Sequence[object], where: str, role: str, cache: CacheTracker
) -> MessageBlocks:
    """One message's blocks; cache points record the prefix that precedes them."""
    blocks = MessageBlocks(role=role)
    for j, raw in enumerate(content):
        block, path = obj(raw, f"{where}[{j}]"), f"{where}[{j}]"
        if "cachePoint" in block:
            cache.point()
            continue
        if isinstance(block.get("text"), str):
            blocks.texts.append(str(block["text"]))
            cache.add(block["text"], count_tokens(str(block["text"])))
        elif "image" in block or "document" in block:
            kind: AttachmentKind = "image" if "image" in block else "document"
            item = _attachment(kind, obj(block[kind], f"{path}.{kind}"), f"{path}.{kind}", role)
            blocks.attachments.append(item)
            cache.add(hashlib.sha256(item.data).hexdigest(), attachment_tokens(item.data))
        elif "toolUse" in block:
            use = obj(block["toolUse"], f"{path}.toolUse")
            blocks.tool_uses.append(text(use.get("toolUseId"), f"{path}.toolUse.toolUseId"))
            cache.add(dict(use), count_tokens(json.dumps(use.get("input"))))
        elif "toolResult" in block:
            result = obj(block["toolResult"], f"{path}.toolResult")
            use_id = text(result.get("toolUseId"), f"{path}.toolResult.toolUseId")
            said = _result_text(result, f"{path}.toolResult", blocks)
            blocks.results.append((path, use_id, said))
            cache.add([use_id, said], count_tokens(said))
        elif "reasoningContent" in block:
            blocks.starts_with_reasoning = blocks.starts_with_reasoning or j == 0
            reasoning = obj(block["reasoningContent"], f"{path}.reasoningContent")
            reasoning_text = reasoning.get("reasoningText")
            if isinstance(reasoning_text, dict) and not reasoning_text.get("signature"):
                blocks.unsigned_reasoning.append(j)
    return blocks
