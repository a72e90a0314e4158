"""Node tools the tests run, each pinned with a package-lock.json in a folder
of tools/ and installed with ``npm ci`` once, on first use.

Without node/npm (or when ``npm ci`` fails) the tests that need the tool skip
with the reason — under CI=true they fail instead."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI

TOOLS = Path(__file__).resolve().parents[1] / "tools"


def _missing(tool: str, reason: str):
    if IN_CI:
        pytest.fail(f"CI=true and {tool} is missing: {reason}")
    pytest.skip(reason)


def npm_tool(folder: str, wanted: str, *, tool: str) -> Path:
    """The file ``wanted`` (relative to ``tools/<folder>``) after ``npm ci``
    there; ``tool`` names it in the skip or failure message."""
    directory = TOOLS / folder
    target = directory / wanted
    if target.exists():
        return target
    npm, node = shutil.which("npm"), shutil.which("node")
    if not npm or not node:
        _missing(tool, f"node and npm are needed for {tool} (apt-get install npm)")
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0 or not target.exists():
        _missing(tool, f"npm ci in tools/{folder} failed: {done.stderr[-500:]}")
    return target
