"""Reading Converse / ConverseStream request bodies (protocols.md section 5.1)."""

from __future__ import annotations

from collections.abc import Sequence

from local.bedrock.jsonbody import JsonMap, array, field, invalid, obj, opt_int, strings, text
from local.bedrock.model import Prompt


def _block_text(blocks: Sequence[object], where: str) -> str:
    # Only text blocks feed the local model; images, documents and tool blocks are ignored.
    parts = [obj(block, where).get("text") for block in blocks]
    return "".join(part for part in parts if isinstance(part, str))


def messages_prompt(
    messages: Sequence[tuple[str, str]],
    *,
    context: Sequence[str] = (),
    max_tokens: int | None = None,
    stop_sequences: tuple[str, ...] = (),
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
    )


def parse_converse(body: JsonMap) -> Prompt:
    """The prompt of a Converse request body."""
    pairs: list[tuple[str, str]] = []
    for i, raw in enumerate(array(field(body, "messages"), "messages")):
        message = obj(raw, f"messages[{i}]")
        role = text(message.get("role"), f"messages[{i}].role")
        if role not in {"user", "assistant"}:
            raise invalid(f"messages[{i}].role must be user or assistant.")
        content = array(message.get("content"), f"messages[{i}].content")
        pairs.append((role, _block_text(content, f"messages[{i}].content")))
    system = _block_text(array(field(body, "system"), "system"), "system")
    config = obj(field(body, "inferenceConfig"), "inferenceConfig")
    return messages_prompt(
        pairs,
        context=[system] if system else [],
        max_tokens=opt_int(config.get("maxTokens"), "inferenceConfig.maxTokens"),
        stop_sequences=strings(config.get("stopSequences"), "inferenceConfig.stopSequences"),
    )
