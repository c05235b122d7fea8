"""Fixtures for the local twin's end-to-end tests: task roots, running twins, an HTTP reader."""

from __future__ import annotations

import http.client
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local.function_url import UrlConfig
from local.function_url.twin import LocalFunctionUrl
from local.lambda_env import FunctionConfig
from tests.e2e.chat.twin import ChatTwin, running_twin

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = Path(__file__).resolve().parent / "functions"
# The browser tests drive Debian's Chromium (no browser download); CHROMIUM points elsewhere.
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# No sandbox (root in a container), no GPU, and no traffic of its own: loopback only.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NODE = shutil.which("node", path=f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}")
RIC = ROOT / "node_modules" / "aws-lambda-ric" / "index.mjs"


def chromium_path() -> Path:
    """The browser the tests drive: $CHROMIUM, else Debian's."""
    return Path(os.environ.get("CHROMIUM") or DEFAULT_CHROMIUM)


def _browser_missing() -> str | None:
    """Why the browser tests can't run here, or None when Chromium is there."""
    path = chromium_path()
    if path.is_file() and os.access(path, os.X_OK):
        return None
    return (
        f"no Chromium at {path}. Get it with `apt-get install chromium` (make test does it "
        "when run as root), `.ci/run`, or point CHROMIUM=<path> at one."
    )


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


_SKIPPED = pytest.StashKey[bool]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Without Chromium, mark the browser tests skipped (before their twins start)."""
    missing = _browser_missing()
    if missing is None or _ci():
        return  # under CI the `browser` fixture fails them instead
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason=f"BROWSER TESTS SKIPPED: {missing}"))
            item.stash[_SKIPPED] = True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Iterator[None]:
    """Report every skipped browser test at this one place, so pytest prints ONE line for all.

    pytest groups skip reasons by (file, line, reason); a skip mark is located at each test's
    own file, which would give one line per browser test module.
    """
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if item.stash.get(_SKIPPED, False) and report.skipped and isinstance(report.longrepr, tuple):
        _path, _line, reason = report.longrepr
        report.longrepr = (__file__, _HOOK_LINE, reason)


_HOOK_LINE = pytest_runtest_makereport.__code__.co_firstlineno


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium driven by Playwright (a playwright Browser)."""
    missing = _browser_missing()
    if missing is not None:
        pytest.fail(f"BROWSER MISSING (CI=true makes it a failure): {missing}", pytrace=False)
    path = chromium_path()
    from playwright.sync_api import sync_playwright  # only the browser tests pay for it

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(path), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def task_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A task root laid out like the built asset: bootstrap, runtime, and the test functions."""
    root = tmp_path_factory.mktemp("task")
    (root / "bootstrap").symlink_to(ROOT / "lambda_src" / "bootstrap")
    (root / "streaming_runtime").symlink_to(ROOT / "lambda_src" / "streaming_runtime")
    for module in FUNCTIONS.glob("*.py"):
        (root / module.name).symlink_to(module)
    return root


@pytest.fixture(scope="session")
def node_task_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Node.js task root with the mirror handler."""
    root = tmp_path_factory.mktemp("node-task")
    shutil.copy(FUNCTIONS / "node" / "index.mjs", root / "index.mjs")
    return root


@dataclass
class Logs:
    """The twin's log lines (the functions' output, prefixed by environment id)."""

    lines: list[str] = field(default_factory=list)

    def __call__(self, line: str) -> None:
        self.lines.append(line)


MakeTwin = Callable[..., LocalFunctionUrl]


@pytest.fixture
def make_twin(task_root: Path) -> Iterator[MakeTwin]:
    """Start twins for a test; every process they started is gone afterwards."""
    twins: list[LocalFunctionUrl] = []

    def make(
        handler: str = "streamer.handler",
        *,
        url: UrlConfig | None = None,
        timeout_s: float = 10.0,
        max_concurrency: int = 10,
        root: Path | None = None,
        command: tuple[str, ...] | None = None,
        environment: dict[str, str] | None = None,
    ) -> LocalFunctionUrl:
        function = FunctionConfig(
            task_root=root or task_root,
            handler=handler,
            environment=environment or {},
            timeout_s=timeout_s,
            name="twin-test",
            command=command,
        )
        twin = LocalFunctionUrl(
            function, url or UrlConfig(), max_concurrency=max_concurrency, log=Logs()
        )
        twins.append(twin)
        return twin.start()

    yield make
    for twin in twins:
        twin.close()
        for env in twin.pool.started:
            assert not env.alive, f"{env.env_id} (pid {env.pid}) outlived the twin"


@pytest.fixture(scope="module")
def twin() -> Iterator[ChatTwin]:
    """The real function behind the local URL with AUTH=none, one per module that asks.

    A module that needs other settings defines a `twin` of its own, which takes precedence.
    """
    with running_twin("none") as running:
        yield running


@pytest.fixture(scope="module")
def iam_twin() -> Iterator[ChatTwin]:
    """The same with AUTH=iam: the URL takes only requests signed with the local credentials."""
    with running_twin("iam") as running:
        yield running


@dataclass
class Received:
    """An HTTP response read chunk by chunk, with arrival times."""

    status: int
    headers: list[tuple[str, str]]
    chunks: list[tuple[float, bytes]]
    complete: bool  # False when the body was cut (no terminating chunk)
    sent_at: float

    @property
    def body(self) -> bytes:
        return b"".join(data for _, data in self.chunks)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


def fetch(
    base_url: str,
    path: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Received:
    """Send one request and read the response as it arrives."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        sent_at = time.monotonic()
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        chunks: list[tuple[float, bytes]] = []
        complete = True
        try:
            while data := response.read1(65536):
                chunks.append((time.monotonic(), data))
        except http.client.IncompleteRead as exc:
            if exc.partial:
                chunks.append((time.monotonic(), exc.partial))
            complete = False
        return Received(response.status, response.getheaders(), chunks, complete, sent_at)
    finally:
        conn.close()


def sigv4_headers(
    url: str,
    body: bytes,
    access_key: str,
    secret_key: str,
    *,
    region: str = "us-east-1",
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The headers of a JSON POST to ``url`` signed with SigV4 for the `lambda` service, as an
    AWS_IAM Function URL wants them.
    https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
    """
    headers = {"Content-Type": "application/json", **(extra or {})}
    request = AWSRequest(method="POST", url=url, data=body, headers=headers)
    SigV4Auth(Credentials(access_key, secret_key), "lambda", region).add_auth(request)
    return dict(request.headers.items())


def json_body(received: Received) -> Any:
    """The body as JSON."""
    import json

    return json.loads(received.body)
