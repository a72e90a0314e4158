"""The claim tree belongs to ``claims``: ``deliberation`` never reaches into
treebeard's columns or the claim table by name. Path arithmetic is
``claims.tree``'s, tree writes are ``claims.services``' (read from the source,
no Django needed)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TREE_INTERNALS = re.compile(r"steplen|numchild|claims_claim")


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_deliberation_leaves_the_tree_to_claims():
    sources = _sources("deliberation") + _sources("config")
    assert len(sources) > 50  # the packages were found
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if TREE_INTERNALS.search(line)
    ]
    assert found == []


def test_the_check_finds_what_it_looks_for():
    lines = [
        "step = Claim.steplen",
        "claim.numchild = 0",
        'cursor.execute("SELECT id FROM claims_claim")',
        "parent = tree.parent_path(claim.path)",
    ]
    assert [bool(TREE_INTERNALS.search(line)) for line in lines] == [
        True,
        True,
        True,
        False,
    ]
