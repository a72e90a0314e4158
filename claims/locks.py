"""PostgreSQL advisory locks held to the end of the current transaction, for
the few values allocated by "read the last one, write the next": the next
root path of the claim tree (shared by every debate) and a debate's slug.
Several web processes and workers import at once; without the lock two of
them read the same last value and one insert fails on the unique index.

The first number names what is locked (see the spaces below; voting's tally
lock is 7_341_001, the import job runs 7_341_002), the second which one.
SQLite has no such locks and serialises writers anyway."""

from django.db import connection

ROOT_PATH_SPACE = 7_341_010  # key 0: the claim tree's next root path
SLUG_SPACE = 7_341_011  # key 0: debate slugs


def transaction_lock(space: int, key: int = 0) -> None:
    """Wait for, then hold until commit or rollback, the lock ``(space, key)``.
    Outside a transaction (autocommit) it would be released at once: callers
    are atomic."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [space, key])
