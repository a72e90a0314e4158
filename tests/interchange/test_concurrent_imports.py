"""Two imports at once, in two processes, against PostgreSQL: the next root
path of the claim tree and the debate's slug are read-then-written values;
both imports must succeed with their own (issue 22). A table lock held by the
test stops both processes just before their first insert, so without the
advisory locks (claims/locks.py) both would have read the same last value."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from claims.models import Claim
from deliberation.models import Debate
from tests import pg

pytestmark = [
    pytest.mark.slow,  # starts two processes
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

FILE = (
    "Discussion Title: {q}\n\n1. {q} thesis.\n"
    "1.1. Pro: A reason.\n1.2. Con: An objection.\n"
)


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


def _start(path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _database_url()}
    return subprocess.Popen(
        [sys.executable, "manage.py", "import_debate", str(path), "--format", "kialo"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("questions", "table"),
    [
        # One file twice (two API uploads of it): the slug.
        (["Same question?", "Same question?"], "deliberation_debate"),
        # Two files: the next root path.
        (["First question?", "Second question?"], "claims_claim"),
    ],
)
def test_two_imports_at_once_both_succeed(tmp_path, questions, table):
    paths = []
    for n, question in enumerate(questions):
        path = tmp_path / f"{n}.txt"
        path.write_text(FILE.format(q=question), encoding="utf-8")
        paths.append(path)
    holder = pg.connect()
    try:
        # Reads pass, inserts wait: both imports get as far as their insert.
        holder.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        runs = [_start(path) for path in paths]
        # One waits on the table, the other on the advisory lock (without
        # it: both on the table, having read the same last value).
        _wait_for(lambda: pg.lock_waiters() == 2, "both imports to wait")
        holder.rollback()
    finally:
        holder.close()
    results = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in results]
    slugs = sorted(out.strip().splitlines()[-1] for out, _ in results)
    if questions[0] == questions[1]:
        assert slugs == ["same-question", "same-question-2"]
    else:
        assert slugs == ["first-question", "second-question"]
    roots = sorted(Claim.objects.filter(depth=1).values_list("path", flat=True))
    assert len(roots) == 2 and len(set(roots)) == 2
    assert Claim.objects.count() == 6
    for slug in slugs:
        assert Debate.objects.get(slug=slug).claims.count() == 3
