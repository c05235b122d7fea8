"""Local Bedrock Runtime emulator speaking the real event-stream wire format (docs/API.md §9).

`BedrockEmulator(host, port)` serves ConverseStream, Converse, InvokeModelWithResponseStream and
InvokeModel on loopback and records every request (`.requests`) and how its answer ended
(`.ends`, `wait_end()`: refused, completed, client_closed, reset or stopped). Any model id works
for Converse; native bodies are read by the provider registry (`providers/registry.py`).

The first line of the last user text may be `#! key=value ...` (not part of the answer):
- `echo`: the answer is the rest of the message, byte for byte.
- `tokens=N`: the default answer has exactly N tokens (ignored with `echo`).
- `ttft_ms=N` (default 300), `rate=N` tokens/s (default 50).
- `fault=throttle|access_denied|validation|model_not_ready|model_timeout|unavailable`: HTTP
  429 ThrottlingException, 403, 400, 429 ModelNotReadyException, 408 ModelTimeoutException,
  503 ServiceUnavailableException on the initial call; with `after=N` only the first N identical
  requests are refused (the next is answered), to exercise retries.
- In-stream faults strike after `after` answer pieces (default 3): text deltas first, then the
  pieces of a tool call's input, so that a fault can cut a tool call in half.
- `fault=midstream|midstream_internal|midstream_throttle`: the exception message
  `modelStreamErrorException`, `internalServerException` or `throttlingException` ends the
  stream; Converse and InvokeModel, which have no stream, answer 424 ModelErrorException, 500
  InternalServerException or 429 ThrottlingException instead.
- `fault=reset`: the TCP connection is reset (RST); `fault=no_stop`: the HTTP body ends cleanly
  without messageStop and metadata (native: without the provider's closing chunks). Streams only.
- `fault=stall`: silence for `stall_s` seconds (default 30, at most 300) after `after` deltas,
  then the stream continues and ends normally; `stop()` cuts a stalled stream at once, and a
  client that closes the connection ends it too (recorded as client_closed).
- `fault=guardrail`: after `after` deltas (default 3) the guardrail's blocked-output message is
  the last delta and the stop reason is `guardrail_intervened` (Converse only).
- `think=N`: a model that reasons for this request (Claude with `thinking` enabled, Nova 2 with
  `reasoningConfig`, DeepSeek R1 and gpt-oss always) first reasons N tokens; `redacted` makes
  Claude's reasoning come back redacted.
- `tool=NAME`: the answer is one call of the declared tool NAME, its input the rest of the
  message as a JSON object (or {"text": rest}), streamed in several partial-JSON deltas.
- `attachments`: one line per image or document block: `<type> <format> <bytes> <sha256[:12]>`.
A final assistant message is continued: the answer is what follows its text. A user turn of tool
results is answered `tool result: ` and their text. Per-model rules (families.py, rules.py) refuse
what Bedrock refuses; cache points write, then read, a per-server prompt cache (cache.py).
"""

from local.bedrock.server import AnswerEnd, BedrockEmulator, Ending, RecordedRequest

__all__ = ["AnswerEnd", "BedrockEmulator", "Ending", "RecordedRequest"]
