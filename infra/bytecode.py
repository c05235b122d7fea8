"""Bytecode for the asset, compiled by the Lambda runtime's own Python version when one is here.

Lambda extracts the code to /var/task, which is read-only: Python cannot write the
`__pycache__` it would build on first import, so without shipped bytecode every cold start
compiles every module it imports (measured here: about 0.5 s of a 0.85 s init on 3.13).
Bytecode is specific to a Python minor version (its magic number and cache tag), not to the
CPU, so it must come from a 3.13 interpreter, whatever this machine's own Python is.
`unchecked-hash` pycs are used without looking at the source's timestamp, which zip
extraction does not keep reliably: the asset never changes after the build.
https://docs.python.org/3/library/compileall.html
https://docs.python.org/3/reference/import.html#cached-bytecode-invalidation
https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html (LAMBDA_TASK_ROOT)
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

# Where the runtime puts the code: compiled file names point there, so tracebacks read
# /var/task/bedrock_stream/... as they would without bytecode.
TASK_ROOT = "/var/task"
# An explicit interpreter for the target version, for machines where none is found.
INTERPRETER_VARIABLE = "ASSET_PYTHON"


def _reports(interpreter: str, version: str) -> bool:
    """Whether `interpreter` runs and is Python `version` (a shim may exist but refuse)."""
    probe = "import sys; print('%d.%d' % sys.version_info[:2])"
    try:
        done = subprocess.run(  # noqa: S603 - an interpreter path, no shell
            [interpreter, "-c", probe], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def _candidates(version: str) -> list[str]:
    explicit = os.environ.get(INTERPRETER_VARIABLE)
    if explicit:
        return [explicit]  # asked for: that one or none
    found = [shutil.which(f"python{version}")]
    # pyenv and uv keep interpreters that are not on PATH.
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found += sorted(glob.glob(f"{pyenv}/versions/{version}*/bin/python{version}"), reverse=True)
    uv = os.path.expanduser("~/.local/share/uv/python")
    found += sorted(glob.glob(f"{uv}/cpython-{version}*/bin/python{version}"), reverse=True)
    return [path for path in found if path]


def find_interpreter(version: str) -> str | None:
    """A Python `version` interpreter on this machine, or None."""
    return next((path for path in _candidates(version) if _reports(path, version)), None)


def compile_tree(interpreter: str, root: Path) -> None:
    """Write `unchecked-hash` bytecode for every module under root, named as under /var/task."""
    command = [
        interpreter, "-m", "compileall", "-q", "-j", "0",
        "--invalidation-mode", "unchecked-hash",
        "-s", str(root), "-p", TASK_ROOT, str(root),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    # compileall exits 1 when a file does not compile (a test fixture in a dependency, say):
    # the other modules still get their bytecode, and that one is compiled at import as before.
    if done.returncode not in (0, 1):
        raise RuntimeError(f"compileall failed: {done.stderr[-2000:]}")
