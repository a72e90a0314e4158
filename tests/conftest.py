"""Shared fixtures.

Tests marked ``services`` need PostgreSQL (DATABASE_URL) and Redis (REDIS_URL).
When those are missing the tests skip with the reason — except under CI=true,
where a missing service is a failure, never a silent skip.
"""

import functools
import os

import pytest
from django.conf import settings

IN_CI = os.environ.get("CI", "").lower() == "true"


@functools.cache
def _services_problem() -> str | None:
    """Why the real services cannot be used, or None when they answer."""
    if not settings.IS_POSTGRES:
        return (
            "PostgreSQL is required: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/"
            "counterpoint (see README)"
        )
    if not settings.REDIS_URL:
        return "Redis is required: set REDIS_URL=redis://127.0.0.1:6379/0 (see README)"
    import psycopg
    import redis

    db = settings.DATABASES["default"]
    try:
        psycopg.connect(
            host=db["HOST"] or None,
            port=db["PORT"] or None,
            user=db["USER"] or None,
            password=db["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        return f"PostgreSQL at {db['HOST']}:{db['PORT']} is unreachable: {exc}"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {settings.REDIS_URL} is unreachable: {exc}"
    return None


def require_services():
    problem = _services_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"CI=true and a required service is missing: {problem}")
        pytest.skip(problem)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing costs ~0.3 s a user; tests check who may log in, not PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before any fixture touches the database, so the message is ours.
    if item.get_closest_marker("services"):
        require_services()
