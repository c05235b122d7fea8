"""Execution environments under the twin: timeouts, crashes, reuse, concurrency, throttling."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import MakeTwin, Received, fetch, json_body


def _eventually(condition: Callable[[], bool], within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_timeout_kills_the_environment_and_cuts_the_stream(make_twin: MakeTwin) -> None:
    # Given a function with a 1.5 s timeout that sleeps after its first chunk
    twin = make_twin(timeout_s=1.5)
    started = time.monotonic()
    got = fetch(twin.base_url, "/sleep?s=30")
    elapsed = time.monotonic() - started
    # Then the client got the prelude and first chunk, then a cut body, at about the deadline
    assert got.status == 200
    assert got.body == b"before the timeout\n"
    assert not got.complete
    assert 1.4 < elapsed < 6
    env = twin.pool.started[0]
    assert _eventually(lambda: not env.alive)
    # And the next request gets a fresh environment that works
    after = fetch(twin.base_url, "/chunks?n=2&delay_ms=10")
    assert after.status == 200
    assert after.complete
    assert len(twin.pool.started) == 2
    assert after.header("x-pid") == str(twin.pool.started[1].pid)
    assert after.header("x-pid") != got.header("x-pid")


def test_timeout_before_any_byte_is_502(make_twin: MakeTwin) -> None:
    twin = make_twin(timeout_s=1.0)
    got = fetch(twin.base_url, "/sleep-silent?s=30")
    assert got.status == 502
    assert json_body(got) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": "Task timed out after 1.00 seconds",
    }
    assert fetch(twin.base_url, "/chunks?n=1").status == 200


def test_crash_mid_stream_cuts_the_stream_and_recovers(make_twin: MakeTwin) -> None:
    twin = make_twin()
    got = fetch(twin.base_url, "/crash")
    assert got.body == b"going down\n"
    assert not got.complete
    assert fetch(twin.base_url, "/chunks?n=1").status == 200
    assert len(twin.pool.started) == 2


def test_sequential_requests_reuse_one_warm_environment(make_twin: MakeTwin) -> None:
    twin = make_twin()
    pids = {fetch(twin.base_url, "/chunks?n=1").header("x-pid") for _ in range(4)}
    assert len(pids) == 1
    assert len(twin.pool.started) == 1


def _overlapping(twin_url: str, count: int, path: str) -> list[Received]:
    results: list[Received | None] = [None] * count
    barrier = threading.Barrier(count)

    def call(index: int) -> None:
        barrier.wait()
        results[index] = fetch(twin_url, path)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(result is not None for result in results)
    return [r for r in results if r is not None]


def test_overlapping_requests_get_an_environment_each(make_twin: MakeTwin) -> None:
    twin = make_twin()
    results = _overlapping(twin.base_url, 3, "/chunks?n=3&delay_ms=300")
    assert [r.status for r in results] == [200, 200, 200]
    pids = {r.header("x-pid") for r in results}
    assert len(pids) == 3
    assert len(twin.pool.started) == 3
    # Afterwards they are warm: three more overlapping requests start nothing new.
    again = _overlapping(twin.base_url, 3, "/chunks?n=2&delay_ms=300")
    assert {r.header("x-pid") for r in again} == pids
    assert len(twin.pool.started) == 3


def test_requests_beyond_the_concurrency_limit_are_throttled(make_twin: MakeTwin) -> None:
    twin = make_twin(max_concurrency=1)
    slow = threading.Thread(target=fetch, args=(twin.base_url, "/chunks?n=2&delay_ms=1500"))
    slow.start()
    deadline = time.monotonic() + 10
    while not twin.pool.started and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    got = fetch(twin.base_url, "/chunks?n=1")
    slow.join(30)
    assert got.status == 429
    assert json_body(got) == {"Message": "Rate Exceeded."}
    assert fetch(twin.base_url, "/chunks?n=1").status == 200


def test_function_output_reaches_the_log_prefixed_by_environment(make_twin: MakeTwin) -> None:
    twin = make_twin()
    first = fetch(twin.base_url, "/fail-early").header("x-amzn-requestid")
    second = fetch(twin.base_url, "/chunks?n=1").header("x-amzn-requestid")
    lines: list[str] = twin.server.log.lines  # type: ignore[attr-defined]
    assert any(
        line.startswith("[env-1] ") and "failed before the first byte" in line for line in lines
    )
    # Lambda's platform lines: START, END and REPORT (with Init Duration on the cold start).
    assert f"[env-1] START RequestId: {first} Version: $LATEST" in lines
    assert f"[env-1] END RequestId: {first}" in lines
    assert _eventually(lambda: any(f"REPORT RequestId: {second}" in line for line in lines))
    reports = {line.split()[3]: line for line in lines if " REPORT RequestId: " in line}
    assert "Init Duration: " in reports[str(first)]
    assert "Init Duration: " not in reports[str(second)]
    assert "Memory Size: 128 MB" in reports[str(second)]


def test_a_runtime_that_cannot_start_is_502(make_twin: MakeTwin, tmp_path: Path) -> None:
    twin = make_twin(root=tmp_path)  # no bootstrap in this task root
    got = fetch(twin.base_url, "/chunks")
    assert got.status == 502
    assert json_body(got)["errorType"] == "Runtime.InvalidEntrypoint"
    assert twin.pool.active == 0


def test_closing_while_requests_start_environments_leaves_nothing(make_twin: MakeTwin) -> None:
    twin = make_twin(max_concurrency=20)
    threads = [
        threading.Thread(target=fetch, args=(twin.base_url, "/chunks?n=2&delay_ms=200"))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.15)
    twin.close()  # the fixture then checks that no environment outlived it
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
