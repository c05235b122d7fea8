"""The SnapStart part of the local Runtime API: ``GET /restore/next`` and ``POST /restore/error``.

Lambda answers restore/next in each environment restored from a snapshot, after taking the
snapshot while the request waited (https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html).
There is no snapshot here: the twin answers at once, or when a test opens the gate. As in AWS's
Runtime Interface Emulator (rapi/handler/restorenext.go, restoreerror.go), restore/next
answers 200 with no body and restore/error 202; a call the environment's state does not allow
(restore/next without SnapStart or twice, restore/error before restore/next) is a 403
InvalidStateTransition.
"""

from __future__ import annotations

import threading
from typing import Any

from local.runtime_api.wire import RecordedRequest

Reply = tuple[int, str, Any]
_FORBIDDEN = {
    "errorType": "InvalidStateTransition",
    "errorMessage": "State transition is not allowed",
}


class RestoreState:
    """Whether this environment is snapshotted, restored, and how its restore went."""

    def __init__(self, snap_start: bool) -> None:
        self.snap_start = snap_start
        # Open: restore/next is answered at once. A test closes it to hold the "snapshot".
        self.gate = threading.Event()
        self.gate.set()
        self.requested = threading.Event()  # restore/next arrived
        self.restored = threading.Event()  # and was answered
        self.failed = threading.Event()
        self.error: RecordedRequest | None = None
        self._lock = threading.Lock()

    def next(self) -> Reply:
        """Answer restore/next once the gate is open; 403 when it is not allowed."""
        with self._lock:
            allowed = self.snap_start and not self.requested.is_set()
            self.requested.set()
        if not allowed:
            return 403, "Forbidden", _FORBIDDEN
        self.gate.wait()
        self.restored.set()
        return 200, "OK", b""

    def report_error(self, request: RecordedRequest) -> Reply:
        """Record an after-restore error; 403 before restore/next was answered."""
        if not self.restored.is_set():
            return 403, "Forbidden", _FORBIDDEN
        self.error = request
        self.failed.set()
        return 202, "Accepted", {"status": "OK"}

    def release(self) -> None:
        """Open the gate for good (the server stops, or a test lets the restore happen)."""
        self.gate.set()
