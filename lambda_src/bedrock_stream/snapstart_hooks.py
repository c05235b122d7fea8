"""The function's SnapStart hooks: prime before the snapshot, refresh what copies must not share.

With SnapStart (the stack's `-c snapstart=true`) Lambda snapshots an initialized environment
once and restores many copies of it. The runtime (streaming_runtime/snapstart.py) runs the
hooks registered here through `snapshot_restore_py`, the registry Lambda's Python runtimes use;
without SnapStart they never run. https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html
"""

from __future__ import annotations

import random
from typing import Final

from snapshot_restore_py import register_after_restore, register_before_snapshot

from bedrock_stream.app import current_app
from bedrock_stream.bedrock_client import close_connections
from bedrock_stream.observability import logger
from bedrock_stream.schema import validator

# What the after-restore hook refreshed, by name (returned for tests and the log).
CONNECTIONS: Final = "bedrock_connections"
RANDOM: Final = "random"
KEY_CACHE: Final = "key_cache"


def prime_before_snapshot() -> None:
    """Do the first request's one-time work now, so that it is in the snapshot.

    The request schema's compiled validator costs tens of milliseconds once; an on-demand
    start pays it on the first chat request (not at init, where a GET would pay it too), a
    restored copy never does.
    https://docs.aws.amazon.com/lambda/latest/dg/snapstart-best-practices.html
    """
    app = current_app()
    if app is not None:
        validator(app.config.max_tokens_limit)


def refresh_after_restore() -> list[str]:
    """Refresh what every copy restored from one snapshot would share; returns what it did.

    - The Bedrock client's pooled connections: a socket from before the snapshot is the same
      socket in every copy (or a dead one); the next call opens a fresh one.
    - `random`'s state (retry jitter, here and in botocore): seeded from os.urandom again, or
      every copy draws the same sequence. `secrets`, `uuid4` and os.urandom need nothing.
    - The API key's cache (API-key mode): read again, as a new environment would.
    https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html
    """
    refreshed = []
    if close_connections():
        refreshed.append(CONNECTIONS)
    random.seed()
    refreshed.append(RANDOM)
    app = current_app()
    forget = getattr(app.key_source, "forget", None) if app is not None else None
    if callable(forget):
        forget()
        refreshed.append(KEY_CACHE)
    logger.info("restored from a SnapStart snapshot", extra={"refreshed": refreshed})
    return refreshed


def register() -> None:
    """Register both hooks; Lambda's runtime (or ours) runs them only under SnapStart."""
    register_before_snapshot(prime_before_snapshot)
    register_after_restore(refresh_after_restore)
