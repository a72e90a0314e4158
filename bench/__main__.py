"""Run every benchmark in bench/ and rewrite docs/benchmarks.md with this run's
numbers. Usage: make bench  (or .venv/bin/python -m bench). Naming some, e.g.
``python -m bench similarity``, reruns only those and replaces their sections
(each then says when and where it was measured).

Benchmarks run on a throw-away test database of the configured backend
(DATABASE_URL), never on your data.
"""

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bench import (  # noqa: E402
    analysis,
    exports,
    interop,
    polis_agreement,
    similarity,
    tree,
    visibility,
    votes,
)

BENCHMARKS = [
    tree,
    visibility,
    votes,
    analysis,
    polis_agreement,
    similarity,
    interop,
    exports,
]
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


def _name(module) -> str:
    return module.__name__.rsplit(".", 1)[-1]


def _splice(sections: dict[str, str]) -> str:
    """The existing file with the named benchmarks' sections replaced (or
    added at the end)."""
    head, *old = OUT.read_text().rstrip("\n").split("\n## ")
    parts = ["## " + part for part in old]
    for name, section in sections.items():
        tag = f"(`bench/{name}.py`)"
        at = next((i for i, p in enumerate(parts) if tag in p.split("\n", 1)[0]), None)
        if at is None:
            parts.append(section)
        else:
            parts[at] = section
    return "\n\n".join([head.rstrip("\n"), *parts]) + "\n"


def main(names: list[str]):
    chosen = [m for m in BENCHMARKS if not names or _name(m) in names]
    unknown = set(names) - {_name(m) for m in BENCHMARKS}
    if unknown:
        raise SystemExit(f"No such benchmark: {', '.join(sorted(unknown))}")
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        sections = {_name(module): module.run() for module in chosen}
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    if names and OUT.exists():
        stamp = f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}."
        OUT.write_text(
            _splice(
                {
                    name: section.replace("\n\n", f"\n\n{stamp} ", 1)
                    for name, section in sections.items()
                }
            )
        )
        print(OUT.read_text())
        return
    OUT.write_text(
        "# Benchmarks\n\n"
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.\n\n"
        "Rerun with `make bench` (add `DATABASE_URL=postgres://...` for PostgreSQL); "
        "this file is rewritten by each run. Ratios compare runs made in the same "
        "process, so they hold across machines better than the absolute times.\n\n"
        + "\n\n".join(sections.values())
        + "\n"
    )
    print(OUT.read_text())


if __name__ == "__main__":
    main(sys.argv[1:])
