"""SnapStart through the real bootstrap: init, before-snapshot hooks, restore/next, after-restore
hooks, then invocation/next, against the recording Runtime API; and the failures.

The test function (task/snap_handlers.py) notes every hook it runs in a file, so the order of
the hooks is read from there and the order of the Runtime API calls from the server's record.
Holding restore/next (the "snapshot") shows what ran before it and what only after it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from local.runtime_api.wire import RecordedRequest
from tests.functional.runtime.conftest import Environment

Start = Callable[..., Environment]
PREFIX = "/2018-06-01/runtime"
SNAP_START = {"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}


def _paths(requests: list[RecordedRequest]) -> list[str]:
    return [f"{r.method} {r.path.removeprefix(PREFIX)}" for r in requests]


def _notes(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


def test_hooks_run_around_restore_next_in_awslambdarics_order(
    start_runtime: Start, tmp_path: Path
) -> None:
    log = tmp_path / "snap.log"
    # Given a SnapStart init whose "snapshot" (restore/next) is held
    env = start_runtime(
        "snap_handlers.handler",
        env={**SNAP_START, "SNAP_LOG": str(log)},
        snap_start=True,
        hold_restore=True,
        ready=False,
    )
    assert env.api.restore.requested.wait(15), "the runtime never asked restore/next"
    # Then init and the before-snapshot hooks (the last registered first) ran before it
    assert _notes(log) == ["init", "before:second", "before:first"]
    assert _paths(env.api.requests) == ["GET /restore/next"]
    # When the environment is restored
    env.api.restore.release()
    assert env.api.wait_ready(15)
    # Then the after-restore hooks ran in registration order (with their arguments), and only
    # then the runtime asked for work
    assert _notes(log) == ["init", "before:second", "before:first", "after:first", "after:second!"]
    assert _paths(env.api.requests) == ["GET /restore/next", "GET /invocation/next"]
    # And it serves invocations as usual
    invocation = env.api.submit(b"{}")
    assert invocation.wait(10)
    assert (invocation.outcome, invocation.response and invocation.response.body) == (
        "buffered",
        b'{"ok": true}',
    )
    assert _notes(log)[-1] == "invoke"


def test_an_on_demand_start_never_runs_hooks_or_restore(
    start_runtime: Start, tmp_path: Path
) -> None:
    log = tmp_path / "snap.log"
    env = start_runtime("snap_handlers.handler", env={"SNAP_LOG": str(log)}, snap_start=True)

    assert _paths(env.api.requests) == ["GET /invocation/next"]
    assert _notes(log) == ["init"]


def test_a_failing_after_restore_hook_posts_restore_error_and_exits(
    start_runtime: Start, tmp_path: Path
) -> None:
    log = tmp_path / "snap.log"
    env = start_runtime(
        "snap_handlers.handler",
        env={**SNAP_START, "SNAP_LOG": str(log), "SNAP_FAIL": "after"},
        snap_start=True,
        ready=False,
    )
    assert env.api.restore.failed.wait(15)
    assert env.wait_exit() == 65  # awslambdaric's exit code after a failed after-restore hook
    error = env.api.restore.error
    assert error is not None
    assert error.header("lambda-runtime-function-error-type") == "Runtime.AfterRestoreError"
    body = json.loads(error.body)
    assert (body["errorType"], body["errorMessage"]) == ("RuntimeError", "the after hook failed")
    (exception,) = error.xray_cause["exceptions"]
    assert (exception["type"], exception["stack"][-1]["label"]) == ("RuntimeError", "fail")
    # The hooks registered before it ran; no invocation was asked for
    assert _notes(log)[-2:] == ["after:first", "after:second!"]
    assert _paths(env.api.requests) == ["GET /restore/next", "POST /restore/error"]


def test_a_failing_before_snapshot_hook_is_an_init_error_and_no_snapshot(
    start_runtime: Start, tmp_path: Path
) -> None:
    log = tmp_path / "snap.log"
    env = start_runtime(
        "snap_handlers.handler",
        env={**SNAP_START, "SNAP_LOG": str(log), "SNAP_FAIL": "before"},
        snap_start=True,
        ready=False,
    )
    init_error = env.api.wait_init_error(15)
    assert init_error is not None
    assert env.wait_exit() == 64
    assert init_error.header("lambda-runtime-function-error-type") == "Runtime.BeforeSnapshotError"
    assert json.loads(init_error.body)["errorMessage"] == "the before hook failed"
    assert init_error.xray_cause["exceptions"][0]["type"] == "RuntimeError"
    # The failing hook, registered last, ran first and stopped the others
    assert _notes(log) == ["init"]
    assert _paths(env.api.requests) == ["POST /init/error"]


def test_restore_next_refused_by_the_runtime_api_is_an_init_error(
    start_runtime: Start, tmp_path: Path
) -> None:
    # A Runtime API whose environment is not being snapshotted answers restore/next with 403
    env = start_runtime(
        "snap_handlers.handler",
        env={**SNAP_START, "SNAP_LOG": str(tmp_path / "log")},
        snap_start=False,
        ready=False,
    )
    init_error = env.api.wait_init_error(15)
    assert init_error is not None
    assert init_error.header("lambda-runtime-function-error-type") == "Runtime.BeforeSnapshotError"
    assert "403" in json.loads(init_error.body)["errorMessage"]
    assert env.wait_exit() == 64
