"""A function with SnapStart hooks that notes what runs, in order, in the file SNAP_LOG.

SNAP_FAIL=before or SNAP_FAIL=after adds a hook of that kind that raises.
"""

import os

from snapshot_restore_py import register_after_restore, register_before_snapshot

LOG = os.environ["SNAP_LOG"]


def note(what: str) -> None:
    with open(LOG, "a", encoding="utf-8") as log:
        log.write(what + "\n")


def before(name: str) -> None:
    note(f"before:{name}")


def after(name: str, *, suffix: str = "") -> None:
    note(f"after:{name}{suffix}")


def fail(kind: str) -> None:
    raise RuntimeError(f"the {kind} hook failed")


note("init")
register_before_snapshot(before, "first")
register_before_snapshot(before, "second")
register_after_restore(after, "first")
register_after_restore(after, "second", suffix="!")
if os.environ.get("SNAP_FAIL") in ("before", "after"):
    kind = os.environ["SNAP_FAIL"]
    (register_before_snapshot if kind == "before" else register_after_restore)(fail, kind)


def handler(event, context):
    note("invoke")
    return {"ok": True}
