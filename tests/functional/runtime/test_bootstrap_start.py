"""The exec wrapper starts the runtime without running other programs (each is a fork and an
exec on every cold start): with Lambda's absolute paths it needs no PATH at all."""

from __future__ import annotations

import subprocess
import sys

from tests.functional.runtime.conftest import BOOTSTRAP


def test_the_wrapper_runs_no_helper_programs() -> None:
    # Given Lambda's form, `<wrapper> <interpreter> <args>` with absolute paths, and no PATH
    done = subprocess.run(
        [str(BOOTSTRAP), sys.executable, "/var/runtime/bootstrap.py"],
        env={"PATH": "/nonexistent"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    # Then it reached the runtime (which stops: there is no Runtime API here)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == "AWS_LAMBDA_RUNTIME_API is not set: not running inside Lambda"
