"""The local Runtime API's SnapStart endpoints: restore/next and restore/error, and their rules."""

from __future__ import annotations

import http.client
import json
import threading

from local.runtime_api import RuntimeApiServer

RESTORE_NEXT = "/2018-06-01/runtime/restore/next"
RESTORE_ERROR = "/2018-06-01/runtime/restore/error"


def _call(api: RuntimeApiServer, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    host, port = api.address.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    headers = {"Lambda-Runtime-Function-Error-Type": "Runtime.AfterRestoreError"} if body else {}
    conn.request(method, path, body=body or None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def test_restore_next_is_refused_without_snapstart() -> None:
    with RuntimeApiServer() as api:
        status, body = _call(api, "GET", RESTORE_NEXT)

        assert status == 403
        assert json.loads(body)["errorType"] == "InvalidStateTransition"
        assert not api.restore.restored.is_set()


def test_restore_next_answers_once_and_restore_error_only_after_it() -> None:
    error = json.dumps({"errorType": "RuntimeError", "errorMessage": "x"}).encode()
    with RuntimeApiServer(snap_start=True) as api:
        assert _call(api, "POST", RESTORE_ERROR, error)[0] == 403  # nothing restored yet
        assert api.restore.error is None

        assert _call(api, "GET", RESTORE_NEXT) == (200, b"")
        assert _call(api, "GET", RESTORE_NEXT)[0] == 403  # one snapshot, one restore

        assert _call(api, "POST", RESTORE_ERROR, error)[0] == 202
        assert api.restore.failed.is_set()
        assert api.restore.error is not None
        assert json.loads(api.restore.error.body)["errorMessage"] == "x"
        assert [r.path for r in api.requests] == [RESTORE_ERROR] + [RESTORE_NEXT] * 2 + [
            RESTORE_ERROR
        ]


def test_a_held_restore_waits_for_the_gate_and_stop_releases_it() -> None:
    api = RuntimeApiServer(snap_start=True)
    api.restore.gate.clear()
    api.start()
    answered: list[tuple[int, bytes]] = []
    caller = threading.Thread(target=lambda: answered.append(_call(api, "GET", RESTORE_NEXT)))
    caller.start()
    assert api.restore.requested.wait(5)
    caller.join(0.2)
    assert answered == []  # still waiting for the "snapshot"
    api.restore.release()
    caller.join(5)
    assert answered == [(200, b"")]
    api.stop()
