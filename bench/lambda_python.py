"""The interpreter the cold starts are measured on: Lambda's Python version, when there is one.

The stack deploys the function on Python 3.13 (infra/asset.py PYTHON_VERSION), and what a
cold start costs depends on the version: each one imports the same packages at a different
speed, and the asset's bytecode is compiled by 3.13 (infra/bytecode.py). So `make bench`
starts all three contenders (ours, the FastAPI peer, boto3 alone) on that version, in a venv
of their own (`.venv-bench-py3.13`) that holds the function's requirements and the peer's two
packages at the versions requirements-dev.txt pins. The interpreter is found as the asset
build finds it (ASSET_PYTHON, PATH, pyenv, uv); without one, the cold starts run on this
venv's Python and the table says which version it was.
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from infra.asset import PYTHON_VERSION
from infra.bytecode import find_interpreter

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / f".venv-bench-py{PYTHON_VERSION}"
PEER_PACKAGES = ("fastapi", "uvicorn")


@dataclass(frozen=True)
class Interpreter:
    """The Python the cold starts run on."""

    path: str
    version: str  # as platform.python_version() reports it
    lambda_version: bool  # whether it is the version the stack deploys on


def peer_pins(dev_requirements: Path = ROOT / "requirements-dev.txt") -> list[str]:
    """`name==version` of the peer's packages, as requirements-dev.txt pins them."""
    pins = [
        line.split("#", 1)[0].strip()
        for line in dev_requirements.read_text().splitlines()
        if line.split("==", 1)[0].strip().lower() in PEER_PACKAGES
    ]
    if len(pins) != len(PEER_PACKAGES):
        raise RuntimeError(f"requirements-dev.txt pins {pins}, not each of {PEER_PACKAGES}")
    return pins


def _version_of(python: str) -> str:
    probe = [python, "-c", "import platform; print(platform.python_version())"]
    return subprocess.run(probe, capture_output=True, text=True, check=True).stdout.strip()


def _ensure_venv(base: str, venv: Path, requirements: Path) -> str:
    """The venv's python, with the requirements installed (again only when they change)."""
    python = venv / "bin" / "python"
    wanted = [*peer_pins(), "-r", str(requirements)]
    digest = hashlib.sha256("\0".join([*wanted, requirements.read_text()]).encode()).hexdigest()
    stamp = venv / ".stamp-bench"
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return str(python)
    subprocess.run([base, "-m", "venv", "--clear", str(venv)], check=True)
    install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*install, *wanted], check=True)
    stamp.write_text(digest)
    return str(python)


def interpreter(
    progress: Callable[[str], None],
    venv: Path = VENV,
    requirements: Path = ROOT / "requirements.txt",
) -> Interpreter:
    """Lambda's Python in its bench venv, or this process's Python when the machine has none."""
    base = find_interpreter(PYTHON_VERSION)
    if base is None:
        progress(
            f"cold start: no Python {PYTHON_VERSION} on this machine (set ASSET_PYTHON to one); "
            f"measuring on this venv's Python {platform.python_version()} instead"
        )
        return Interpreter(sys.executable, platform.python_version(), lambda_version=False)
    progress(f"cold start: Python {PYTHON_VERSION} from {base}, venv {venv.name}")
    python = _ensure_venv(base, venv, requirements)
    return Interpreter(python, _version_of(python), lambda_version=True)
