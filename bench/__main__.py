"""Run every benchmark in bench/ and rewrite docs/benchmarks.md with this run's
numbers. Usage: make bench  (or .venv/bin/python -m bench)

Benchmarks run on a throw-away test database of the configured backend
(DATABASE_URL), never on your data.
"""

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bench import analysis, interop, tree, votes  # noqa: E402

BENCHMARKS = [tree, votes, analysis, interop]
OUT = Path(settings.BASE_DIR) / "docs" / "benchmarks.md"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        cpu = model
    except (OSError, StopIteration):
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}; "
        f"database {connection.vendor}; commit {commit or 'unknown'}"
    )


def main():
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        sections = [module.run() for module in BENCHMARKS]
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    OUT.write_text(
        "# Benchmarks\n\n"
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.\n\n"
        "Rerun with `make bench` (add `DATABASE_URL=postgres://...` for PostgreSQL); "
        "this file is rewritten by each run. Ratios compare runs made in the same "
        "process, so they hold across machines better than the absolute times.\n\n"
        + "\n\n".join(sections)
        + "\n"
    )
    print(OUT.read_text())


if __name__ == "__main__":
    main()
