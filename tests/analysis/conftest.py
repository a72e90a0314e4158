"""Fixtures for the pure analysis tests: no database, no settings.

The real conversations live beside the repository, in shared/data/polis
(the path is computed from this file, not from Django settings). They and
red-dwarf (a pinned dev dependency) are required under CI=true; elsewhere a
test that needs a missing one skips and says why.
"""

import os
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
REPO_ROOT = Path(__file__).resolve().parents[2]
POLIS_DATA = REPO_ROOT.parent / "shared" / "data" / "polis"
CONVERSATIONS = [
    "london.youth.policing",
    "brexit-consensus",
    "15-per-hour-seattle",
    "scoop-hivemind.biodiversity",
    "vtaiwan.uberx",
]


def _missing(reason: str):
    if IN_CI:
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


def conversation_dir(name: str) -> Path:
    folder = POLIS_DATA / name
    if not (folder / "comments.csv").is_file():
        _missing(f"the Pol.is data set {name} is not at {folder}")
    return folder


def reddwarf_pipeline():
    try:
        from reddwarf.implementations.polis import run_pipeline
    except ImportError as error:
        _missing(f"red-dwarf (dev extra) cannot be imported: {error}")
    return run_pipeline
