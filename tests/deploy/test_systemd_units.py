"""The systemd units in deploy/ parse without a warning and keep the web process confined."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.production import BOENDESTOD, ROOT

UNITS = ROOT / "deploy" / "systemd"


@pytest.fixture
def units(tmp_path: Path) -> Path:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("needs systemd-analyze (Debian package systemd)")
    for unit in UNITS.iterdir():
        # ExecStart must name a program that exists; here it is this checkout's.
        text = unit.read_text().replace("/opt/boendestod/venv/bin/boendestod", str(BOENDESTOD))
        (tmp_path / unit.name).write_text(text)
    return tmp_path


def test_the_units_parse_without_a_warning(units: Path) -> None:
    done = subprocess.run(
        ["systemd-analyze", "verify", *map(str, sorted(units.iterdir()))],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_the_web_process_is_confined(units: Path) -> None:
    # systemd's own exposure score, 0 (confined) to 10 (unprotected); 2.0 or less is "OK".
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", "--threshold=20",
         str(units / "boendestod-web@.service")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-600:]
