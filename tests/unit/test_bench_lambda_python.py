"""The cold starts' interpreter: Lambda's Python version in a bench venv, or this one's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import cold_start, lambda_python


def test_the_peer_pins_come_from_the_dev_requirements(tmp_path: Path) -> None:
    dev = tmp_path / "requirements-dev.txt"
    dev.write_text("-r requirements.txt\nfastapi==0.1.0  # the peer\nhttpx==1\nuvicorn==0.2.0\n")

    assert lambda_python.peer_pins(dev) == ["fastapi==0.1.0", "uvicorn==0.2.0"]
    dev.write_text("fastapi==0.1.0\n")
    with pytest.raises(RuntimeError, match="uvicorn"):
        lambda_python.peer_pins(dev)


def test_the_repository_pins_both_peer_packages() -> None:
    assert [pin.split("==")[0] for pin in lambda_python.peer_pins()] == ["fastapi", "uvicorn"]


def test_without_lambdas_python_the_cold_starts_run_on_this_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lambda_python, "find_interpreter", lambda _version: None)
    said: list[str] = []

    found = lambda_python.interpreter(said.append)

    assert found == lambda_python.Interpreter(sys.executable, found.version, False)
    assert f"no Python {lambda_python.PYTHON_VERSION}" in said[0]
    assert "ASSET_PYTHON" in said[0]


def test_the_bench_venv_is_built_once_and_again_when_requirements_change(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[list[str]] = []

    def run(command: list[str], **_kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        if command[1:3] == ["-m", "venv"]:
            (tmp_path / "venv" / "bin").mkdir(parents=True, exist_ok=True)
            (tmp_path / "venv" / "bin" / "python").touch()
        return subprocess.CompletedProcess(command, 0, stdout="3.13.0\n")

    monkeypatch.setattr(lambda_python, "find_interpreter", lambda _version: "/opt/python3.13")
    monkeypatch.setattr(lambda_python.subprocess, "run", run)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("boto3==1\n")

    first = lambda_python.interpreter(lambda _line: None, tmp_path / "venv", requirements)
    installs = [c for c in calls if "install" in c]
    again = lambda_python.interpreter(lambda _line: None, tmp_path / "venv", requirements)
    requirements.write_text("boto3==2\n")
    lambda_python.interpreter(lambda _line: None, tmp_path / "venv", requirements)

    assert (
        first
        == again
        == lambda_python.Interpreter(str(tmp_path / "venv/bin/python"), "3.13.0", True)
    )
    assert calls[0] == ["/opt/python3.13", "-m", "venv", "--clear", str(tmp_path / "venv")]
    assert installs[0][-2:] == ["-r", str(requirements)]
    assert set(lambda_python.peer_pins()) <= set(installs[0])
    assert len([c for c in calls if "install" in c]) == 2  # not for the unchanged second call


def test_ours_starts_through_the_wrapper_with_the_chosen_interpreter() -> None:
    command, config = cold_start.ours_command("/opt/python3.13")

    assert command[0] == str(config.task_root / "bootstrap")
    assert command[1:] == ["/opt/python3.13", "/var/runtime/bootstrap.py"]
