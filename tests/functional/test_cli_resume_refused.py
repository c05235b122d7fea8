"""The terminal client when the service refuses to continue a cut answer (a loopback server)."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from cli.main import main

REFUSAL = {
    "error": {
        "code": "invalid_request",
        "message": "messages[1]: model m cannot continue a final assistant message",
        "retryable": False,
    }
}


class Service(ThreadingHTTPServer):
    """Cuts the first answer after two deltas, then refuses the resume with a 400."""

    daemon_threads = True
    bodies: list[dict[str, Any]]


class Handler(BaseHTTPRequestHandler):
    server: Service

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.server.bodies.append(json.loads(self.rfile.read(length)))
        if len(self.server.bodies) == 1:
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Connection", "close")  # no length: the body ends when cut
            self.end_headers()
            for event in ({"type": "start", "id": "1", "model": "m"}, *DELTAS):
                self.wfile.write(json.dumps(event).encode() + b"\n")
            self.close_connection = True
            return
        raw = json.dumps(REFUSAL).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return


DELTAS = ({"type": "delta", "text": "Half an"}, {"type": "delta", "text": " answer"})


@pytest.fixture
def service() -> Iterator[Service]:
    server = Service(("127.0.0.1", 0), Handler)
    server.bodies = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_a_refused_resume_keeps_the_text_and_says_why(service: Service) -> None:
    url = f"http://127.0.0.1:{service.server_address[1]}"
    out, err = io.StringIO(), io.StringIO()
    status = main(["--url", url, "--reasoning", "2048", "hello"], io.StringIO(), out, err)
    assert status == 3  # an HTTP error status, as before the stream
    assert out.getvalue() == "Half an answer"  # what arrived stays, once
    assert "resuming (1/3)" in err.getvalue()
    assert "HTTP 400 invalid_request: messages[1]: model m cannot continue" in err.getvalue()
    assert "refused to continue the cut answer" in err.getvalue()
    first, resume = service.bodies
    assert first["reasoning"] == {"budget_tokens": 2048}
    assert "reasoning" not in resume  # a resume never asks to reason again
    assert resume["messages"][-1] == {"role": "assistant", "content": "Half an answer"}
