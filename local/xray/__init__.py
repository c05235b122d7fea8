"""A local X-Ray daemon for the twin: the function's traces, kept on this machine."""

from local.xray.daemon import XRayDaemon
from local.xray.demo import demo_daemon, traced
from local.xray.traces import TraceBook, TraceSummary, summarize

__all__ = ["TraceBook", "TraceSummary", "XRayDaemon", "demo_daemon", "summarize", "traced"]
