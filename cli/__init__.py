"""Terminal client for Bedrock Stream: ``python -m cli`` (API.md §11)."""
