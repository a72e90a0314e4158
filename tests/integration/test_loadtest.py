"""``make loadtest`` runs end to end: a short run with a few clients
accounts for every acknowledged write (none lost, none duplicated) and says
so in its figures."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_services

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.services, pytest.mark.slow]  # daphne x2, a worker, sweep


def test_a_short_load_test_loses_and_duplicates_nothing():
    require_services()
    env = {
        **os.environ,
        "LOADTEST_CLIENTS": "4",
        "LOADTEST_SECONDS": "5",
        "LOADTEST_DAEMONS": "2",
    }
    run = subprocess.run(
        [sys.executable, "-m", "bench.loadtest"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = run.stdout
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "4 clients, 2 daphne, 1 worker" in out
    assert "5xx answers: 0" in out
    assert "lost: 0 {}" in out
    assert "duplicated: 0" in out
    acked = next(line for line in out.splitlines() if line.startswith("acknowledged"))
    assert int(acked.rsplit("total ", 1)[1].rstrip(")").replace(",", "")) > 0
