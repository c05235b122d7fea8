"""Start-up: find the Runtime API and the handler from the environment, then loop."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, MutableMapping

from streaming_runtime.client import RuntimeApiError, RuntimeClient
from streaming_runtime.errors import error_payload
from streaming_runtime.loader import load_handler
from streaming_runtime.logsink import open_sink
from streaming_runtime.loop import Invoker, run
from streaming_runtime.snapstart import is_snap_start, snapshot_and_restore
from streaming_runtime.transport import TransportError
from streaming_runtime.xray import cause_of


def _extend_path(environ: Mapping[str, str]) -> None:
    """Import order of the managed Python runtime: task root, then layers (/opt)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    task_root = environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    for entry in reversed([task_root, f"/opt/python/lib/{version}/site-packages", "/opt/python"]):
        if entry in sys.path:
            sys.path.remove(entry)
        sys.path.insert(0, entry)


def main(environ: MutableMapping[str, str] = os.environ) -> int:
    """Load the handler (reporting an init error if that fails) and serve invocations."""
    address = environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        sys.stderr.write("AWS_LAMBDA_RUNTIME_API is not set: not running inside Lambda\n")
        return 2
    sink = open_sink(environ)
    client = RuntimeClient(address)
    _extend_path(environ)
    try:
        handler = load_handler(environ.get("_HANDLER", ""))
    except Exception as exc:
        payload = error_payload(exc)
        sink.record("init", payload)
        client.report_init_error(payload, cause_of(exc, payload))
        return 1
    invoker = Invoker(handler, client, environ, sink)
    try:
        if is_snap_start(environ):
            failed = snapshot_and_restore(client, sink)
            if failed is not None:
                return failed
        run(invoker, client.invocations(), sink)
    except (TransportError, RuntimeApiError) as exc:
        # The Runtime API is gone or refuses the runtime: one record, then exit (Lambda
        # replaces the environment).
        sink.record("runtime", error_payload(exc))
        return 1
    return 0
