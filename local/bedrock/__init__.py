"""Local Bedrock Runtime emulator speaking the real event-stream wire format (API.md section 9)."""

from local.bedrock.server import BedrockEmulator, RecordedRequest

__all__ = ["BedrockEmulator", "RecordedRequest"]
