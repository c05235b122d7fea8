"""Without Chromium: make test installs Debian's, or the browser tests skip in one line (CI fails).

Chromium is installed here, so CHROMIUM points the fixtures (and the Makefile) elsewhere.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT

BROWSER_TESTS = (
    "tests/e2e/test_page_browser.py",
    "tests/e2e/test_page_features.py",
    "tests/e2e/test_page_markdown.py",
)


def run_browser_tests(chromium: Path, *, ci: bool) -> subprocess.CompletedProcess[str]:
    """Run the browser tests in their own pytest, with CHROMIUM pointing at `chromium`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k != "CI"}
    env["CHROMIUM"] = str(chromium)
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *BROWSER_TESTS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )


def test_without_chromium_the_browser_tests_are_skipped_with_one_line(tmp_path: Path) -> None:
    result = run_browser_tests(tmp_path / "no-chromium", ci=False)

    assert result.returncode == 0, result.stdout[-3000:]
    loud = [line for line in result.stdout.splitlines() if "BROWSER TESTS SKIPPED" in line]
    assert len(loud) == 1, result.stdout
    assert str(tmp_path / "no-chromium") in loud[0]
    assert "apt-get install chromium" in loud[0]
    assert ".ci/run" in loud[0]
    summary = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ skipped in [\d.]+s", summary), summary


def test_with_ci_true_a_missing_chromium_is_a_failure(tmp_path: Path) -> None:
    result = run_browser_tests(tmp_path / "no-chromium", ci=True)

    assert result.returncode == 1, result.stdout[-3000:]
    assert "BROWSER MISSING (CI=true makes it a failure)" in result.stdout
    assert "apt-get install chromium" in result.stdout
    summary = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ errors? in [\d.]+s", summary), summary


def fake_apt_get(tmp_path: Path) -> tuple[Path, Path]:
    """An apt-get that records its arguments and 'installs' chromium at $CHROMIUM."""
    log = tmp_path / "apt-get.log"
    script = tmp_path / "apt-get"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> "{log}"\n'
        'if [ "$1" = install ]; then printf "#!/bin/sh\\n" > "$CHROMIUM"; '
        'chmod +x "$CHROMIUM"; fi\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, log


def make_browser(*overrides: str) -> subprocess.CompletedProcess[str]:
    """The browser step of `make test`, with Makefile variables overridden."""
    return subprocess.run(
        ["make", "--no-print-directory", "-s", "browser", *overrides],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="make installs packages only as root")
def test_make_installs_debian_chromium_when_it_is_missing(tmp_path: Path) -> None:
    apt_get, log = fake_apt_get(tmp_path)
    chromium = tmp_path / "chromium"  # stands for /usr/bin/chromium, where Debian puts it

    result = make_browser(
        f"CHROMIUM={chromium}", f"DEBIAN_CHROMIUM={chromium}", f"APT_GET={apt_get}"
    )

    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == ["update -qq", "install -y -qq chromium"]
    assert os.access(chromium, os.X_OK)


def test_make_installs_nothing_for_a_browser_it_would_not_put_there(tmp_path: Path) -> None:
    apt_get, log = fake_apt_get(tmp_path)

    result = make_browser(f"CHROMIUM={tmp_path / 'elsewhere'}", f"APT_GET={apt_get}")

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert not log.exists()


def test_make_leaves_an_installed_browser_alone(tmp_path: Path) -> None:
    apt_get, log = fake_apt_get(tmp_path)
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)

    result = make_browser(
        f"CHROMIUM={chromium}", f"DEBIAN_CHROMIUM={chromium}", f"APT_GET={apt_get}"
    )

    assert (result.returncode, result.stdout) == (0, "")
    assert not log.exists()
