"""`make demo`'s X-Ray daemon: every request sampled, LOCAL_TRACE_FILE for the documents."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path

from local.lambda_env.config import FunctionConfig
from local.xray.daemon import XRayDaemon

TRACE_FILE_VARIABLE = "LOCAL_TRACE_FILE"


def demo_daemon(environ: Mapping[str, str], log: Callable[[str], None]) -> XRayDaemon:
    """A started daemon on a free loopback port; with LOCAL_TRACE_FILE, appending to it."""
    path = environ.get(TRACE_FILE_VARIABLE, "").strip()
    trace_file = Path(path) if path else None
    daemon = XRayDaemon(trace_file=trace_file, on_summary=log, log=log).start()
    where = f"; segment documents appended to {trace_file}" if trace_file else ""
    log(f"X-Ray daemon: udp://{daemon.address} (every request sampled{where})")
    return daemon


def traced(function: FunctionConfig, daemon: XRayDaemon) -> FunctionConfig:
    """The function sending its traces to the daemon, every invocation sampled."""
    return dataclasses.replace(function, xray_daemon=daemon.address)
