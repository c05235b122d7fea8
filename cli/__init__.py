"""Terminal client for Bedrock Stream: ``python -m cli`` (docs/API.md §11)."""
