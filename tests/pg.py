"""Direct PostgreSQL access for tests that must act as another process: a
second connection (another worker, a lock holder), and who waits on locks."""

import psycopg
from django.conf import settings
from django.db import connection


def connect(**kwargs) -> psycopg.Connection:
    """A new connection to the test database, apart from Django's."""
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        **kwargs,
    )


def lock_waiters(condition: str = "", params=()) -> int:
    """Sessions of the test database waiting on a lock (and ``condition``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
            + (f" AND {condition}" if condition else ""),
            list(params),
        )
        return cursor.fetchone()[0]
