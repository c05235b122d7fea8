"""The asset ships bytecode compiled by Lambda's Python version when one is on this machine."""

from __future__ import annotations

import importlib.util
import json
import marshal
import os
import stat
import sys
from pathlib import Path

import pytest

from infra.asset import MANIFEST_NAME, PYTHON_VERSION
from infra.bytecode import INTERPRETER_VARIABLE, TASK_ROOT, compile_tree, find_interpreter
from tests.infra.infra_support import Synth

HERE = f"{sys.version_info.major}.{sys.version_info.minor}"


def fake_python(path: Path, reports: str, code: int = 0) -> str:
    path.write_text(f"#!/bin/sh\necho {reports}\nexit {code}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_an_explicit_interpreter_is_used_only_if_it_is_that_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(INTERPRETER_VARIABLE, fake_python(tmp_path / "py", "3.13"))
    assert find_interpreter("3.13") == str(tmp_path / "py")
    assert find_interpreter("3.12") is None  # it says 3.13: not taken for another version

    # a shim that exists but refuses (pyenv without that version selected) is not taken
    monkeypatch.setenv(INTERPRETER_VARIABLE, fake_python(tmp_path / "shim", "3.13", code=127))
    assert find_interpreter("3.13") is None
    monkeypatch.setenv(INTERPRETER_VARIABLE, str(tmp_path / "missing"))
    assert find_interpreter("3.13") is None


def test_this_machines_python_is_found_for_its_own_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(INTERPRETER_VARIABLE, sys.executable)
    assert find_interpreter(HERE) == sys.executable


def test_compiled_files_are_unchecked_hash_and_named_as_under_the_task_root(
    tmp_path: Path,
) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("def f():\n    return 1\n")
    (tmp_path / "broken.py").write_text("def (:\n")  # one bad file does not stop the rest

    compile_tree(sys.executable, tmp_path)

    pyc = Path(importlib.util.cache_from_source(str(tmp_path / "pkg" / "mod.py")))
    data = pyc.read_bytes()
    flags = int.from_bytes(data[4:8], "little")
    assert flags == 0b01  # hash-based, source never checked (PEP 552)
    code = marshal.loads(data[16:])
    assert code.co_filename == f"{TASK_ROOT}/pkg/mod.py"
    assert not Path(importlib.util.cache_from_source(str(tmp_path / "broken.py"))).exists()


def test_the_synthesized_asset_has_bytecode_when_this_machine_has_the_runtimes_python(
    default: Synth,
) -> None:
    manifest = json.loads((default.asset_dir / MANIFEST_NAME).read_text())
    tag = f"cpython-{PYTHON_VERSION.replace('.', '')}"
    compiled = {p.name for p in default.asset_dir.rglob(f"*.{tag}.pyc")}
    if find_interpreter(PYTHON_VERSION) is None:
        assert manifest["bytecode"] is None
        assert compiled == set()
        return
    assert manifest["bytecode"] == {"python": PYTHON_VERSION, "invalidation": "unchecked-hash"}
    for module in ("handler", "pump", "loop", "client", "__init__"):
        assert f"{module}.{tag}.pyc" in compiled
    # dependencies too: botocore's client is most of the import time
    assert (default.asset_dir / "botocore" / "__pycache__" / f"client.{tag}.pyc").is_file()
    assert os.access(default.asset_dir / "botocore" / "__pycache__", os.R_OK | os.X_OK)
