"""A Lambda Runtime API client with response streaming, for the managed Python runtime.

A streaming handler is called as ``handler(event, context, stream=stream)``; see types.py.
Nothing here knows about Bedrock.
"""

from streaming_runtime.loader import streaming

__all__ = ["streaming"]
