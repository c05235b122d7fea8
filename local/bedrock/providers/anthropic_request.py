"""Reading Anthropic Messages bodies sent to InvokeModel: text, attachments, tools, thinking.

Block and field shapes: Anthropic's Messages API as Bedrock takes it (`image` and `document`
sources are base64 with a media type; `cache_control` marks a cache point after its block;
cache prefixes run tools, then system, then messages).
https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-request-response.html
https://docs.claude.com/en/docs/build-with-claude/prompt-caching
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import cast

from local.bedrock.answers import attachment_tokens, count_tokens
from local.bedrock.content import CacheTracker, blob
from local.bedrock.converse import messages_prompt, orphan_results
from local.bedrock.jsonbody import (
    JsonMap,
    array,
    invalid,
    obj,
    opt_int,
    opt_number,
    strings,
    text,
)
from local.bedrock.model import Asks, Attachment, AttachmentKind, Prompt, Thinking, ToolChoice

# media type -> (kind, Converse-style format), for the attachments answer and the rules.
_MEDIA: dict[str, tuple[AttachmentKind, str]] = {
    "image/png": ("image", "png"),
    "image/jpeg": ("image", "jpeg"),
    "image/gif": ("image", "gif"),
    "image/webp": ("image", "webp"),
    "application/pdf": ("document", "pdf"),
    "text/plain": ("document", "txt"),
}


@dataclass
class _Reading:
    cache: CacheTracker
    attachments: list[Attachment] = field(default_factory=list)
    uses: list[list[str]] = field(default_factory=list)  # tool_use ids per message
    results: list[list[tuple[str, str, str]]] = field(default_factory=list)
    reasoning_first: list[bool] = field(default_factory=list)


def _attachment(block: JsonMap, where: str) -> Attachment:
    source = obj(block.get("source"), f"{where}.source")
    media = text(source.get("media_type"), f"{where}.source.media_type")
    if media not in _MEDIA:
        raise invalid(f"{where}.source.media_type: {media!r} is not supported")
    kind, fmt = _MEDIA[media]
    raw = source.get("data")
    data = str(raw).encode() if source.get("type") == "text" else blob(raw, f"{where}.source.data")
    return Attachment(kind=kind, format=fmt, data=data, where=where)


def _block(reading: _Reading, block: JsonMap, where: str, index: int) -> str:
    """Record one content block; its text, if it is a text block."""
    kind, said = block.get("type"), ""
    if kind == "text":
        said = text(block.get("text"), f"{where}.text")
        reading.cache.add(said, count_tokens(said))
    elif kind in {"image", "document"}:
        item = _attachment(block, where)
        reading.attachments.append(item)
        reading.cache.add(hashlib.sha256(item.data).hexdigest(), attachment_tokens(item.data))
    elif kind == "tool_use":
        reading.uses[-1].append(text(block.get("id"), f"{where}.id"))
        reading.cache.add(dict(block), count_tokens(json.dumps(block.get("input"))))
    elif kind == "tool_result":
        result = _tool_result(block, where)
        reading.results[-1].append(result)
        reading.cache.add(list(result[1:]), count_tokens(result[2]))
    elif kind in {"thinking", "redacted_thinking"} and index == 0:
        reading.reasoning_first[-1] = True
    if "cache_control" in block:
        reading.cache.point()
    return said


def _tool_result(block: JsonMap, where: str) -> tuple[str, str, str]:
    content = block.get("content")
    if isinstance(content, str):
        said = content
    else:
        parts = [obj(part, f"{where}.content") for part in array(content, f"{where}.content")]
        said = "".join(str(part.get("text", "")) for part in parts if part.get("type") == "text")
    return where, text(block.get("tool_use_id"), f"{where}.tool_use_id"), said


def _tools(body: JsonMap, cache: CacheTracker) -> list[str]:
    names = []
    for i, raw in enumerate(array(body.get("tools"), "tools")):
        tool = obj(raw, f"tools.{i}")
        names.append(text(tool.get("name"), f"tools.{i}.name"))
        cache.add(dict(tool), count_tokens(json.dumps(tool)))
        if "cache_control" in tool:
            cache.point()
    return names


def _system(body: JsonMap, reading: _Reading) -> list[str]:
    system = body.get("system")
    if system is None:
        return []
    if isinstance(system, str):
        reading.cache.add(system, count_tokens(system))
        return [system]
    return [
        "".join(_block(reading, obj(b, "system"), "system", 1) for b in array(system, "system"))
    ]


def parse_messages(body: JsonMap, model_id: str) -> Prompt:
    """The prompt of a Messages body, with what it asks beyond text."""
    reading = _Reading(cache=CacheTracker(model_id))
    tools = _tools(body, reading.cache)
    context = _system(body, reading)
    pairs = []
    for i, raw in enumerate(array(body.get("messages"), "messages")):
        message = obj(raw, f"messages.{i}")
        role = text(message.get("role"), f"messages.{i}.role")
        if role not in {"user", "assistant"}:
            raise invalid(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        reading.uses.append([])
        reading.results.append([])
        reading.reasoning_first.append(False)
        content = message.get("content")
        if isinstance(content, str):
            reading.cache.add(content, count_tokens(content))
            pairs.append((role, content))
            continue
        blocks = array(content, f"messages.{i}.content")
        said = [
            _block(reading, obj(b, f"messages.{i}.content.{j}"), f"messages.{i}.content.{j}", j)
            for j, b in enumerate(blocks)
        ]
        pairs.append((role, "".join(said)))
    return messages_prompt(
        pairs,
        context=context,
        max_tokens=opt_int(body.get("max_tokens"), "max_tokens"),
        stop_sequences=strings(body.get("stop_sequences"), "stop_sequences"),
        asks=_asks(body, reading, tools, pairs),
    )


def _asks(body: JsonMap, reading: _Reading, tools: list[str], pairs: list[tuple[str, str]]) -> Asks:
    choice = obj(body.get("tool_choice"), "tool_choice")
    thinking = None
    if "thinking" in body:
        raw = obj(body["thinking"], "thinking")
        thinking = Thinking(
            type=str(raw.get("type")),
            budget_tokens=opt_int(raw.get("budget_tokens"), "thinking.budget_tokens"),
        )
    last_user = max((i for i, (role, _) in enumerate(pairs) if role == "user"), default=0)
    return Asks(
        attachments=tuple(reading.attachments),
        tools=tuple(tools),
        tool_config=bool(tools),
        tool_choice=cast(ToolChoice, choice["type"]) if "type" in choice else None,
        forced_tool=str(choice["name"]) if choice.get("type") == "tool" else None,
        tool_blocks=any(reading.uses) or any(reading.results),
        orphan_results=orphan_results(reading.uses, reading.results),
        tool_results=tuple(said for _, _, said in reading.results[last_user])
        if reading.results
        else (),
        temperature=opt_number(body.get("temperature"), "temperature", 1),
        top_p=opt_number(body.get("top_p"), "top_p", 1),
        top_k=opt_int(body.get("top_k"), "top_k"),
        thinking=thinking,
        cache_prefixes=tuple(reading.cache.prefixes),
        prefill_path=f"messages.{len(pairs) - 1}.content.0",
        prefill_reasoning=bool(reading.reasoning_first and reading.reasoning_first[-1]),
    )
