"""A local X-Ray daemon: receives the function's segment documents over UDP on loopback."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from local.xray.protocol import MAX_DATAGRAM, DatagramError, parse_datagram
from local.xray.traces import TraceBook, TraceSummary

Sink = Callable[[str], None]
_POLL_S = 0.1  # how often the receiver rechecks whether it should stop


class XRayDaemon:
    """Keeps every document it receives; optionally appends them to a file, one JSON line each.

    For each finished trace, the summary's line goes to ``on_summary``. The real daemon
    relays to the X-Ray API; this one only records, so nothing leaves the machine.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        trace_file: Path | None = None,
        on_summary: Sink | None = None,
        log: Sink | None = None,
    ) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((host, port))
        self._socket.settimeout(_POLL_S)
        bound_host, bound_port = self._socket.getsockname()[:2]
        self._address = f"{bound_host}:{bound_port}"
        self._trace_file = trace_file
        self._out: IO[str] | None = None
        self._on_summary = on_summary
        self._log = log
        self._book = TraceBook()
        self._lock = threading.Condition()
        self._documents: list[dict[str, Any]] = []
        self._summaries: list[TraceSummary] = []
        self._rejected = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        """`host:port`, the form of AWS_XRAY_DAEMON_ADDRESS."""
        return self._address

    @property
    def documents(self) -> list[dict[str, Any]]:
        """Every segment document received so far, oldest first."""
        with self._lock:
            return list(self._documents)

    @property
    def rejected(self) -> int:
        """Datagrams that were not a header and a segment document."""
        with self._lock:
            return self._rejected

    def start(self) -> XRayDaemon:
        """Open the trace file (append) and receive in the background."""
        if self._trace_file is not None:
            self._out = self._trace_file.open("a", encoding="utf-8", buffering=1)
        self._thread = threading.Thread(target=self._serve, name="xray-daemon", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop receiving, close the socket and the file; safe to call twice."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self._socket.close()
        if self._out is not None:
            self._out.close()
            self._out = None

    def __enter__(self) -> XRayDaemon:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def wait_summary(self, trace_id: str, timeout: float = 10.0) -> TraceSummary | None:
        """The summary of a trace once its top-level document is in, or None after timeout."""

        def find() -> TraceSummary | None:
            return next((s for s in self._summaries if s.trace_id == trace_id), None)

        with self._lock:
            self._lock.wait_for(lambda: find() is not None, timeout)
            return find()

    def receive(self, data: bytes) -> None:
        """Handle one datagram: record, write and summarize (the receiver thread calls this)."""
        try:
            document = parse_datagram(data)
        except DatagramError as exc:
            with self._lock:
                self._rejected += 1
            if self._log is not None:
                self._log(f"[xray] dropped a datagram: {exc}")
            return
        if self._out is not None:
            self._out.write(json.dumps(document, separators=(",", ":")) + "\n")
        summary = self._book.add(document)
        with self._lock:
            self._documents.append(document)
            if summary is not None:
                self._summaries.append(summary)
            self._lock.notify_all()
        if summary is not None and self._on_summary is not None:
            self._on_summary(f"[xray] {summary.line()}")

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._socket.recv(MAX_DATAGRAM)
            except TimeoutError:
                continue
            except OSError:
                return  # closed by stop()
            self.receive(data)
