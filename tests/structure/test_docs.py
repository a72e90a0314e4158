"""docs/architecture.md's module map names every module, and every module
path the docs name exists."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "architecture.md").read_text()


def _modules() -> list[str]:
    found = []
    for package in ("claims", "deliberation", "config"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts or path.name == "__init__.py":
                continue
            found.append("/".join(parts))
    return found


def _named(relative: str) -> bool:
    """Named whole (``deliberation/rules.py``) or as ``file.py`` in the row
    of its folder (``deliberation/services/`` ... ``voting.py``)."""
    if f"`{relative}`" in DOC:
        return True
    folder, name = relative.rsplit("/", 1)
    for line in DOC.splitlines():
        if f"`{folder}/`" in line and f"`{name}`" in line:
            return True
    return False


def test_the_module_map_names_every_module():
    assert [m for m in _modules() if not _named(m)] == []


def test_every_module_path_in_the_docs_exists():
    docs = [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
    named = {
        path
        for doc in docs
        for path in re.findall(
            r"`((?:claims|deliberation|config)/[\w/]+\.py)`", doc.read_text()
        )
    }
    assert named, "the docs name modules"
    assert sorted(p for p in named if not (ROOT / p).exists()) == []
