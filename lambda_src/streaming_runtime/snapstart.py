"""SnapStart: the restore protocol and the runtime hooks, as Lambda's own Python runtime runs them.

With SnapStart, Lambda starts the environment with AWS_LAMBDA_INITIALIZATION_TYPE=snap-start
when it publishes a version: the runtime loads the handler (init), runs the before-snapshot
hooks, then asks ``GET /runtime/restore/next``. Lambda takes the snapshot while that request
waits, and answers it in each environment restored from the snapshot, which then runs the
after-restore hooks and goes on with ``GET /runtime/invocation/next``.
https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html

Hooks are registered with the ``snapshot_restore_py`` package (PyPI ``snapshot-restore-py``),
the registry Lambda's Python runtimes ship and run: before-snapshot hooks in the reverse order
of registration, after-restore hooks in the order of registration.
https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html
A failing before-snapshot hook (or restore/next) is an init error of type
Runtime.BeforeSnapshotError, a failing after-restore hook is posted to
``/runtime/restore/error`` as Runtime.AfterRestoreError, and the runtime exits: what AWS's
runtime client does (awslambdaric, bootstrap.py ``on_init_complete``, exit codes 64 and 65).
Nothing here knows what the hooks do: the function registers its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from streaming_runtime.errors import BEFORE_SNAPSHOT_ERROR, error_payload
from streaming_runtime.logsink import LogSink
from streaming_runtime.types import Hook, RestoreClient
from streaming_runtime.xray import cause_of

INIT_TYPE_VARIABLE: Final = "AWS_LAMBDA_INITIALIZATION_TYPE"
SNAP_START: Final = "snap-start"
# awslambdaric's exit codes after each failure (bootstrap.py on_init_complete).
BEFORE_SNAPSHOT_EXIT: Final = 64
AFTER_RESTORE_EXIT: Final = 65


def is_snap_start(environ: Mapping[str, str]) -> bool:
    """Whether Lambda started this environment to be snapshotted (SnapStart)."""
    return environ.get(INIT_TYPE_VARIABLE) == SNAP_START


def _registry() -> tuple[list[Hook], list[Hook]]:
    # Imported only under SnapStart: an on-demand start never pays for it.
    import snapshot_restore_py  # noqa: PLC0415

    before: list[Hook] = snapshot_restore_py.get_before_snapshot()
    after: list[Hook] = snapshot_restore_py.get_after_restore()
    return before, after


def run_before_snapshot(hooks: list[Hook]) -> None:
    """Run and remove the before-snapshot hooks, the last registered first."""
    while hooks:
        func, args, kwargs = hooks.pop()
        func(*args, **kwargs)


def run_after_restore(hooks: list[Hook]) -> None:
    """Run the after-restore hooks in the order they were registered."""
    for func, args, kwargs in hooks:
        func(*args, **kwargs)


def snapshot_and_restore(client: RestoreClient, sink: LogSink) -> int | None:
    """Before-snapshot hooks, restore/next, after-restore hooks; an exit code if one failed."""
    before, after = _registry()
    try:
        run_before_snapshot(before)
        client.restore_next()
    except Exception as exc:
        payload = error_payload(exc)
        sink.record("init", payload)
        client.report_init_error(payload, cause_of(exc, payload), BEFORE_SNAPSHOT_ERROR)
        return BEFORE_SNAPSHOT_EXIT
    try:
        run_after_restore(after)
    except Exception as exc:
        payload = error_payload(exc)
        sink.record("restore", payload)
        client.report_restore_error(payload, cause_of(exc, payload))
        return AFTER_RESTORE_EXIT
    return None
