"""Shared fixtures, defined here once: the ones many test modules use
(``debate``, ``thesis``, ``tree``, ``teacher``, ``blank_class``, ``demo``,
``eager_tasks``) and the autouse settings every test runs with.

Tests marked ``services`` need PostgreSQL (DATABASE_URL) and Redis (REDIS_URL).
When those are missing the tests skip with the reason — except under CI=true,
where a missing service is a failure, never a silent skip.

Tests marked ``slow`` start processes, run npm tools, read the real data sets
or fuzz; ``pytest -m "not slow"`` leaves them out for a quick loop. A test is
slow when it uses one of ``SLOW_FIXTURES`` (marked here, at collection) or
carries the marker itself.
"""

import functools
import os
import uuid
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from claims.services import claim_create
from deliberation import services
from deliberation.models import Debate
from tests.factories import DebateFactory, UserFactory, make_claim

IN_CI = os.environ.get("CI", "").lower() == "true"

# Each run keys its cache (rate-limit counters, lockouts) apart from earlier runs
# and from a developer's server on the same Redis; the servers and workers the
# tests start inherit it through the environment.
os.environ["CACHE_KEY_PREFIX"] = f"cp-test-{uuid.uuid4().hex[:8]}"
settings.CACHES["default"]["KEY_PREFIX"] = os.environ["CACHE_KEY_PREFIX"]


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


@pytest.fixture(autouse=True)
def no_analysis_after_votes(settings):
    # Votes would otherwise send analysis runs to the broker from every test
    # that votes; tests/analysis_django and the worker test turn it back on.
    settings.ANALYSIS_AFTER_VOTES = False


@pytest.fixture(autouse=True)
def tfidf_similarity(settings):
    # Tests assert TF-IDF's exact scores whether or not the embeddings extra
    # is installed; tests/analysis_django/test_similarity_backends.py switches.
    settings.SIMILARITY_BACKEND = "tfidf"


@pytest.fixture(autouse=True)
def fresh_local_cache():
    # SQLite reuses ids after a rolled-back test, so per-user counters kept in
    # local memory would carry over to the next test's users. (Redis runs are
    # keyed per run above, and ids are not reused on PostgreSQL.)
    from django.core.cache import cache

    if "LocMem" in settings.CACHES["default"]["BACKEND"]:
        cache.clear()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before any fixture touches the database, so the message is ours.
    if item.get_closest_marker("services"):
        require_services()


# Fixtures that make every test using them slow, with why.
SLOW_FIXTURES = {
    # processes of their own: daphne, Celery workers, Chromium (tests/integration)
    "asgi_server",
    "asgi_servers",
    "asgi_worker",
    "celery_worker",
    "browser",
    "fuzzed_server",
    # an npm tool, installed with `npm ci` on first use (tests/npm_tools.py)
    "argdown_cli",
    # a real Pol.is conversation from shared/data/polis, imported whole
    "vtaiwan",
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    # tryfirst: before `-m` selects on the markers.
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


# --- Shared fixtures ---------------------------------------------------------------


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in process (what the embedded default does), also on
    PostgreSQL and Redis: tasks enqueued on commit run when the commit (or
    ``captureOnCommitCallbacks``) fires them. The real worker is tested in
    tests/integration/."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def debate(db):
    """A public debate in the open mode, with an owner and nothing in it."""
    return DebateFactory()


@pytest.fixture
def thesis(debate):
    return make_claim(debate, text="Cities should use facial recognition.")


@pytest.fixture
def tree(debate, thesis):
    """``(debate, thesis, pro)``: a thesis with one pro under it."""
    return debate, thesis, make_claim(debate, thesis, text="It finds the missing.")


@pytest.fixture
def teacher(db):
    return UserFactory(username="teacher")


@pytest.fixture
def blank_class(teacher):
    """``(debate, thesis)``: a class the teacher started blank, with its thesis."""
    debate = services.class_create(
        owner=teacher, start="blank", question="Should cameras watch the square?"
    )
    thesis = claim_create(
        debate=debate, parent=None, text="Yes, cameras should", author=teacher
    )
    return debate, thesis


@pytest.fixture
def demo(db):
    """The built-in AI-policing debate, loaded by ``load_demo``."""
    call_command("load_demo", stdout=StringIO())
    return Debate.objects.get(slug="ai-surveillance-policing")
