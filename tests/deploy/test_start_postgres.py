"""`.ci/start-postgres`, which CI and several tests call, may be called again and at once."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.production import ROOT
from tests.test_cli import _free_port

SCRIPT = ROOT / ".ci" / "start-postgres"


def _bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not found:
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql); CI has it")
    return found[-1]


@pytest.fixture
def own_server() -> Iterator[dict[str, str]]:
    """Its own port and data directory, so the suite's server is left alone; stopped after.
    The directory is straight under /tmp: the postgres user cannot enter pytest's tmp_path."""
    pg_bin = _bin()
    port = str(_free_port())
    place = Path(f"/tmp/boendestod-pg-test-{port}")
    env = os.environ | {"PGPORT": port, "PGDATA_DIR": str(place)}
    yield env
    stop = [str(pg_bin / "pg_ctl"), "-D", str(place / "data"), "stop", "-m", "immediate"]
    if os.getuid() == 0:
        stop = ["runuser", "-u", "postgres", "--", *stop]
    subprocess.run(stop, capture_output=True)
    shutil.rmtree(place, ignore_errors=True)
    Path(f"/tmp/boendestod-pg-{port}.lock").unlink(missing_ok=True)


def test_a_second_call_finds_the_server_the_first_one_started(own_server: dict) -> None:
    # The server once inherited the script's lock and kept it: every later call, from another
    # test worker or CI's second run, waited for ever.
    urls = [
        subprocess.run(
            [SCRIPT], env=own_server, capture_output=True, text=True, check=True, timeout=60
        ).stdout.strip()
        for _ in range(2)
    ]
    assert urls[0] == urls[1]
    assert urls[0].endswith(f":{own_server['PGPORT']}/boendestod_test")
