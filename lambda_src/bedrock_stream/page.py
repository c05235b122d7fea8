"""The chat page served at GET / (a placeholder until the chat-page issue lands)."""

from __future__ import annotations

PLACEHOLDER = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Bedrock Stream</title></head>
<body>
<h1>Bedrock Stream</h1>
<p>The chat page is coming. Meanwhile: <code>curl -N -X POST &lt;this url&gt;/chat
-d '{"prompt": "Hello"}'</code></p>
</body>
</html>
"""


def chat_page() -> str:
    """The HTML of the chat page."""
    return PLACEHOLDER
