"""Reading Converse / ConverseStream request bodies (docs/PROTOCOLS.md §5.1)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import cast

from local.bedrock.answers import count_tokens
from local.bedrock.content import CacheTracker, MessageBlocks, read_message
from local.bedrock.jsonbody import (
    JsonMap,
    array,
    field,
    invalid,
    obj,
    opt_int,
    opt_number,
    strings,
    text,
)
from local.bedrock.model import Asks, Prompt, Thinking, ToolChoice


def messages_prompt(
    messages: Sequence[tuple[str, str]],
    *,
    context: Sequence[str] = (),
    max_tokens: int | None = None,
    stop_sequences: tuple[str, ...] = (),
    asks: Asks | None = None,
) -> Prompt:
    """A prompt from (role, text) pairs: the last user text, and a final assistant text if any."""
    if not messages:
        raise invalid("The messages field must contain at least one message.")
    prefix = ""
    if messages[-1][0] == "assistant":
        prefix, messages = messages[-1][1], messages[:-1]
    users = [i for i, (role, _) in enumerate(messages) if role == "user"]
    if not users:
        raise invalid("A conversation must contain a user message.")
    last = users[-1]
    others = [content for i, (_, content) in enumerate(messages) if i != last]
    return Prompt(
        user_text=messages[last][1],
        prefix=prefix,
        context=(*context, *others),
        max_tokens=max_tokens,
        stop_sequences=stop_sequences,
        asks=asks or Asks(),
    )


def _tool_config(body: JsonMap, cache: CacheTracker) -> tuple[list[str], ToolChoice | None, str]:
    config = obj(field(body, "toolConfig"), "toolConfig")
    names: list[str] = []
    for i, raw in enumerate(array(config.get("tools"), "toolConfig.tools")):
        tool = obj(raw, f"toolConfig.tools[{i}]")
        if "cachePoint" in tool:
            cache.point()
            continue
        spec = obj(tool.get("toolSpec"), f"toolConfig.tools[{i}].toolSpec")
        names.append(text(spec.get("name"), f"toolConfig.tools[{i}].toolSpec.name"))
        cache.add(dict(spec), count_tokens(json.dumps(spec)))
    choice = obj(config.get("toolChoice"), "toolConfig.toolChoice")
    kinds = [kind for kind in ("auto", "any", "tool") if kind in choice]
    forced = ""
    if "tool" in choice:
        forced = text(obj(choice["tool"], "toolConfig.toolChoice.tool").get("name"), "name")
    return names, cast(ToolChoice, kinds[0]) if kinds else None, forced


def _extra_fields(body: JsonMap) -> tuple[JsonMap, Thinking | None, str | None]:
    extra = obj(field(body, "additionalModelRequestFields"), "additionalModelRequestFields")
    thinking = None
    if "thinking" in extra:
        raw = obj(extra["thinking"], "additionalModelRequestFields.thinking")
        budget = raw.get("budget_tokens")
        if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int)):
            raise invalid("additionalModelRequestFields.thinking.budget_tokens must be an integer.")
        thinking = Thinking(type=str(raw.get("type")), budget_tokens=budget)
    effort = None
    if "reasoningConfig" in extra:
        config = obj(extra["reasoningConfig"], "additionalModelRequestFields.reasoningConfig")
        effort = str(config.get("maxReasoningEffort")) if config.get("type") == "enabled" else None
    return extra, thinking, effort


def _guardrail(body: JsonMap) -> tuple[str | None, bool]:
    config = obj(field(body, "guardrailConfig"), "guardrailConfig")
    if not config:
        return None, False
    ident = text(config.get("guardrailIdentifier"), "guardrailConfig.guardrailIdentifier", "")
    return ident or "local-guardrail", config.get("trace") in {"enabled", "enabled_full"}


def orphan_results(
    uses: Sequence[Sequence[str]], results: Sequence[Sequence[tuple[str, str, str]]]
) -> tuple[str, ...]:
    """`path:id` of each tool result (per message) that answers no tool use (ids per message)
    of the message just before it, as every tool result must.
    https://docs.aws.amazon.com/bedrock/latest/userguide/tool-use-inference-call.html
    """
    orphans = []
    for i, message_results in enumerate(results):
        before = set(uses[i - 1]) if i else set()
        orphans += [f"{path}:{use}" for path, use, _ in message_results if use not in before]
    return tuple(orphans)


def parse_converse(body: JsonMap, model_id: str = "") -> Prompt:
    """The prompt of a Converse request body."""
    cache = CacheTracker(model_id)
    tools, choice, forced = _tool_config(body, cache)
    system = []
    for i, raw in enumerate(array(field(body, "system"), "system")):
        block = obj(raw, f"system[{i}]")
        if "cachePoint" in block:
            cache.point()
        elif isinstance(block.get("text"), str):
            system.append(str(block["text"]))
            cache.add(block["text"], count_tokens(str(block["text"])))
    messages: list[MessageBlocks] = []
    for i, raw in enumerate(array(field(body, "messages"), "messages")):
        message = obj(raw, f"messages[{i}]")
        role = text(message.get("role"), f"messages[{i}].role")
        if role not in {"user", "assistant"}:
            raise invalid(f"messages[{i}].role must be user or assistant.")
        content = array(message.get("content"), f"messages[{i}].content")
        messages.append(read_message(content, f"messages[{i}].content", role, cache))
    config = obj(field(body, "inferenceConfig"), "inferenceConfig")
    extra, thinking, effort = _extra_fields(body)
    guardrail_id, trace = _guardrail(body)
    last_user = next((m for m in reversed(messages) if m.role == "user"), None)
    final = messages[-1] if messages else None
    asks = Asks(
        attachments=tuple(a for m in messages for a in m.attachments),
        tools=tuple(tools),
        tool_config="toolConfig" in body,
        tool_choice=choice,
        forced_tool=forced or None,
        tool_blocks=any(m.tool_uses or m.results for m in messages),
        orphan_results=orphan_results(
            [m.tool_uses for m in messages], [m.results for m in messages]
        ),
        tool_results=tuple(said for _, _, said in last_user.results) if last_user else (),
        temperature=opt_number(config.get("temperature"), "inferenceConfig.temperature", 1),
        top_p=opt_number(config.get("topP"), "inferenceConfig.topP", 1),
        top_k=opt_int(extra.get("top_k"), "additionalModelRequestFields.top_k"),
        thinking=thinking,
        effort=effort,
        reasoning_config="reasoningConfig" in extra,
        extra_fields=tuple(extra),
        cache_prefixes=tuple(cache.prefixes),
        guardrail_id=guardrail_id,
        guardrail_trace=trace,
        prefill_path=f"messages.{len(messages) - 1}.content.0",
        prefill_reasoning=bool(final and final.role == "assistant" and final.starts_with_reasoning),
        unsigned_reasoning=tuple(
            f"messages.{i}.content.{j}"
            for i, m in enumerate(messages)
            for j in m.unsigned_reasoning
        ),
        documents_without_text=tuple(
            f"messages[{i}]"
            for i, m in enumerate(messages)
            if any(a.kind == "document" and ".toolResult." not in a.where for a in m.attachments)
            and not m.texts
        ),
    )
    return messages_prompt(
        [(m.role, m.text) for m in messages],
        context=["".join(system)] if system else [],
        max_tokens=opt_int(config.get("maxTokens"), "inferenceConfig.maxTokens"),
        stop_sequences=strings(config.get("stopSequences"), "inferenceConfig.stopSequences"),
        asks=asks,
    )
